/**
 * Plain-text tables for the demo and the benchmark: fixed-width columns, numbers right-aligned,
 * no colours or box-drawing, so the output reads the same in a terminal, a CI log and a Markdown code block.
 * Pure. (Hand-written rather than cli-table3: ~60 lines, and no ANSI codes to strip in CI logs.)
 */
import type { Summary } from "../load/stats";

export type Cell = string | number | null | undefined;

export interface Column {
  readonly header: string;
  /** @default "right" when every filled cell of the column is a number, else "left" */
  readonly align?: "left" | "right";
}

const EMPTY = "-";

export function renderTable(columns: readonly (string | Column)[], rows: readonly (readonly Cell[])[]): string {
  const cols = columns.map((c) => (typeof c === "string" ? { header: c } : c));
  const text = rows.map((row) => cols.map((_, i) => formatCell(row[i])));
  const widths = cols.map((col, i) => Math.max(col.header.length, ...text.map((cells) => cells[i].length)));
  const aligns = cols.map((col, i) => col.align ?? (isNumericColumn(rows, i) ? "right" : "left"));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (aligns[i] === "right" ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(cols.map((c) => c.header)), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n") + "\n";
}

/** Integers with thousands separators, fractions with 2 significant decimals below 10 and 1 above; null as "-". */
export function formatCell(cell: Cell): string {
  if (cell === null || cell === undefined) return EMPTY;
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return String(cell);
    if (Number.isInteger(cell)) return cell.toLocaleString("en-US");
    return cell.toFixed(Math.abs(cell) < 10 ? 2 : 1);
  }
  return cell.replace(/\s+/g, " ");
}

function isNumericColumn(rows: readonly (readonly Cell[])[], index: number): boolean {
  const filled = rows.map((row) => row[index]).filter((cell) => cell !== null && cell !== undefined);
  return filled.length > 0 && filled.every((cell) => typeof cell === "number");
}

/** One line of a demo or benchmark result: a run's load summary plus what the switch reported. */
export interface RunRow {
  readonly name: string;
  readonly summary: Summary;
  readonly cutoverS?: number;
  readonly rollbackS?: number;
  readonly apiCalls?: number;
}

/** The standard results table; the cutover, rollback and API-call columns appear only when some row has them. */
export function renderRunTable(rows: readonly RunRow[]): string {
  const optional: [string, (row: RunRow) => Cell][] = [
    ["cutover s", (r) => r.cutoverS],
    ["rollback s", (r) => r.rollbackS],
    ["API calls", (r) => r.apiCalls],
  ];
  const present = optional.filter(([, get]) => rows.some((row) => get(row) !== undefined));
  const columns = ["run", "sent", "failed", "non-2xx", "socket errors", "p50 ms", "p99 ms", "max ms", ...present.map(([h]) => h)];
  const cells = rows.map((row) => [
    row.name,
    row.summary.sent,
    row.summary.failed,
    row.summary.non2xx,
    row.summary.socketErrors,
    row.summary.p50Ms,
    row.summary.p99Ms,
    row.summary.maxMs,
    ...present.map(([, get]) => get(row)),
  ]);
  return renderTable(columns, cells);
}
