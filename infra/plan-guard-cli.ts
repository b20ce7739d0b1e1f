/**
 * Refuses a Terraform plan that deletes or replaces a droplet, a reserved IP, the domain or the VPC:
 *
 *   terraform show -json plan.tfplan > plan.json
 *   npx tsx infra/plan-guard-cli.ts plan.json       # exit 0: apply; exit 2: one line per refused resource, with the fix
 *
 * ALLOW_DESTROY (comma-separated exact addresses, as printed here) lets the named resources through for one run.
 */
import { readFileSync } from "node:fs";
import { VARIABLES } from "../core/config/variables";
import { ConfigError, ExitCode, UsageError } from "../core/errors";
import { reportFailure } from "../core/cli/entry";
import { guardPlan, verdictReport } from "./plan-guard";

const PREFIX = "plan-guard";

function allowances(env: NodeJS.ProcessEnv): readonly string[] {
  const spec = VARIABLES.allowDestroy;
  const raw = env[spec.name] ?? spec.default ?? "";
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) throw new ConfigError([{ variable: spec.name, value: raw, problem: parsed.error.issues.map((i) => i.message).join("; "), fix: spec.fix }]);
  return parsed.data;
}

function readPlan(path: string | undefined): unknown {
  if (!path) throw new UsageError("no plan file given", "run `npx tsx infra/plan-guard-cli.ts plan.json` with the output of `terraform show -json plan.tfplan`");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`, "pass the file `terraform show -json plan.tfplan` wrote");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON`, "write it with `terraform show -json plan.tfplan > plan.json` (not the human-readable plan)");
  }
}

/** The whole run; returns the exit code. */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv, write: { out: (s: string) => void; err: (s: string) => void }): number {
  try {
    const report = verdictReport(guardPlan(readPlan(argv[0]), allowances(env)));
    for (const line of report.lines) (line.startsWith("refused") ? write.err : write.out)(`${PREFIX}: ${line}\n`);
    return report.ok ? ExitCode.ok : ExitCode.usage;
  } catch (error) {
    return reportFailure(error, { prefix: PREFIX, verbose: argv.includes("--verbose"), write: write.err });
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), process.env, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
}
