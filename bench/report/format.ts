/** How the reports write numbers and tables: one place, so the markdown page and its sections agree. */

export function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const align = header.map((_, i) => (rightAligned[i] ? "---:" : "---"));
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(header), `|${align.join("|")}|`, ...rows.map(line)].join("\n") + "\n";
}

/** Integers with separators; milliseconds with one decimal under 10; "-" when absent. */
export function num(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined) return "-";
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return value < 10 ? num(value, 1) : num(Math.round(value));
}

export function seconds(value: number | null | undefined, whenNull = "-"): string {
  return value === null || value === undefined ? whenNull : num(value, 1);
}
