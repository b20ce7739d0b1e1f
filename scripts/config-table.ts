/**
 * Prints the README's configuration table from core/config's VARIABLES, so the documentation
 * is generated from the code that validates it. A unit test fails when the README drifts.
 *
 *   npx tsx scripts/config-table.ts
 */
import { VARIABLES, VariableSpec } from "../core/config";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function defaultOf(spec: VariableSpec<unknown>): string {
  if (spec.default === undefined) return "(none)";
  if (spec.default === "") return "(empty)";
  return `\`${cell(spec.default)}\``;
}

export function renderConfigTable(variables: Readonly<Record<string, VariableSpec<unknown>>> = VARIABLES): string {
  const rows = Object.values(variables).map(
    (spec) => `| \`${spec.name}\` | ${defaultOf(spec)} | ${spec.secret ? "yes" : ""} | ${cell(spec.description)} |`,
  );
  return ["| Variable | Default | Secret | Description |", "| --- | --- | --- | --- |", ...rows].join("\n") + "\n";
}

if (require.main === module) process.stdout.write(renderConfigTable());
