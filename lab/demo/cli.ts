/**
 * `npm run demo [-- --json] [--rate N] [--svg PATH] [--keep]` (as root): a blue/green cutover
 * on a throwaway local lab, under load, with a refused broken image and a rollback.
 */
import { Command } from "commander";
import { resolve } from "node:path";
import { parseCommandLine, reportFailure } from "../../core/cli/entry";
import { ExitCode } from "../../core/errors";
import { runDemo } from "./run-demo";
import { isInterrupted } from "../processes/signal-cleanup";

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .allowExcessArguments(false)
    .name("demo")
    .description("Blue/green cutover on a local lab under load: deploy v1, cut over to v2, refuse a broken image, roll back")
    .option("--json", "print the summary as one JSON object on the last line")
    .option("--rate <n>", "requests per second during the demo", "500")
    .option("--post-ratio <r>", "share of POST requests", "0.3")
    .option("--svg <path>", "where to write the timeline chart", "demo-timeline.svg")
    .option("--keep", "keep the lab running afterwards")
    .option("--verbose", "stack traces on errors")
    .exitOverride();
  const stopped = await parseCommandLine(program, argv);
  if (stopped !== null) return stopped;
  const o = program.opts<{ json?: boolean; rate: string; postRatio: string; svg: string; keep?: boolean; verbose?: boolean }>();
  const out = (text: string) => process.stdout.write(text);
  try {
    const summary = await runDemo({ ratePerSecond: Number(o.rate), postRatio: Number(o.postRatio), svgPath: resolve(o.svg), keepLab: !!o.keep }, out);
    if (!summary.ok) process.stderr.write(`demo: expectations not met: ${summary.problems.join("; ")}\n`);
    if (o.json) out(JSON.stringify(summary) + "\n");
    return summary.ok ? ExitCode.ok : ExitCode.external;
  } catch (error) {
    return reportFailure(error, { prefix: "demo", verbose: !!o.verbose });
  }
}

void main(process.argv).then((code) => {
  if (!isInterrupted()) process.exit(code);
});
