/**
 * `npm run bench [-- --json] [--rate N] [--post-ratio R] [--methods a,b,c,d,e] [--no-tooling] [--out FILE] [--chart-dir DIR]` (as root):
 * counts this project's switch against the alternatives under the same open-model load, in one lab,
 * in one run, and writes docs/benchmarks.md with a chart per method. It reports; it does not assert.
 * With --json the figures are printed as one JSON object on the last line of stdout.
 */
import { Command } from "commander";
import { parseCommandLine, reportFailure } from "../core/cli/entry";
import { ExitCode } from "../core/errors";
import { renderBenchSummary } from "./report/summary";
import { METHODS, parseBenchOptions } from "./options";
import { DEFAULT_CHART_DIR, DEFAULT_MARKDOWN, runBench } from "./run-bench";

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .allowExcessArguments(false)
    .name("bench")
    .description("Zero downtime, counted: this project's switch against the seed's naive floating-IP move, in-place replacement, a Docker Swarm rolling update and kamal-proxy as Kamal runs it, under the same load")
    .option("--json", "print the figures as one JSON object on the last line")
    .option("--rate <n>", "requests per second (open model), the same for every method", "1000")
    .option("--post-ratio <r>", "share of POST requests", "0.2")
    .option("--connections <n>", "keep-alive connections of the load generator", "64")
    .option("--timeout-ms <n>", "a request unanswered this long counts as failed", "5000")
    .option("--methods <list>", "which methods to run (comma-separated, for working on the bench)", METHODS.join(","))
    .option("--no-tooling", "skip timing npm run test:unit and npm run synth")
    .option("--out <path>", "the markdown report", DEFAULT_MARKDOWN)
    .option("--chart-dir <dir>", "where the SVG charts go", DEFAULT_CHART_DIR)
    .option("--verbose", "stack traces on errors")
    .exitOverride();
  const stopped = await parseCommandLine(program, argv);
  if (stopped !== null) return stopped;
  const raw = program.opts<Record<string, unknown>>();
  const args = argv.slice(2);
  const command = `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`;
  const out = (text: string) => process.stdout.write(text);
  try {
    const options = parseBenchOptions(raw, command);
    const report = await runBench(options, (line) => out(`${line}\n`));
    out(renderBenchSummary(report));
    if (raw.json) out(JSON.stringify(report) + "\n");
    return ExitCode.ok;
  } catch (error) {
    return reportFailure(error, { prefix: "bench", verbose: !!raw.verbose });
  }
}

void main(process.argv).then((code) => process.exit(code));
