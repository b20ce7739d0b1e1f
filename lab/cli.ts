/**
 * `npm run lab -- up|down|status|env`: a local DigitalOcean on this machine (run as root).
 *   up [--index N]     build a lab and print `export` lines for the switch (eval-able)
 *   down [N...]        remove the given labs, or every lab found (idempotent, also after a crash)
 *   status [N] [--json]
 *   env [N]            print the export lines of a running lab again
 */
import { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { parseCommandLine, reportFailure } from "../core/cli/entry";
import { ExitCode } from "../core/errors";
import { assertLabPrerequisites } from "./preflight";
import { discoverLabIndices, Lab, LabNotFoundError, openLab } from "./lab";
import { ExecRunner } from "./runner";
import { installSignalCleanup, isInterrupted } from "./processes/signal-cleanup";

const runner = new ExecRunner();
const toStderr = (message: string) => process.stderr.write(`lab: ${message}\n`);

function parseIndex(value: string): number {
  const index = Number(value);
  if (!Number.isInteger(index)) throw new LabNotFoundError(`not a lab index: ${value}`, "pass the number shown by `npm run lab -- status`");
  return index;
}

async function up(options: { index?: string }): Promise<void> {
  assertLabPrerequisites();
  const deps = { runner, report: toStderr };
  const lab = options.index ? openLab(parseIndex(options.index), deps) : await Lab.claimFree(deps);
  if (options.index) await lab.down(); // a crashed run with this index leaves nothing in the way
  const starting = lab.up();
  const release = installSignalCleanup(async () => {
    lab.abort();
    await starting.catch(() => undefined);
    await lab.down();
  });
  const result = await starting;
  release();
  // stdout carries only eval-able lines; progress went to stderr.
  process.stdout.write(result.exportLines.join("\n") + "\n");
  toStderr(`to use it: source ${result.plan.paths.envFile}   then e.g.  npm run switch -- --image "$LAB_IMAGE_V1"`);
  toStderr(`to remove it: npm run lab -- down ${result.plan.index}`);
}

async function down(indices: string[]): Promise<void> {
  assertLabPrerequisites();
  const targets = indices.length > 0 ? indices.map(parseIndex) : await discoverLabIndices(runner);
  if (targets.length === 0) toStderr("no lab found; nothing to do");
  for (const index of targets) {
    toStderr(`lab ${index}: tearing down`);
    await openLab(index, { runner, report: toStderr }).down();
    toStderr(`lab ${index}: removed`);
  }
}

async function status(indexArg: string | undefined, options: { json?: boolean }): Promise<void> {
  const targets = indexArg ? [parseIndex(indexArg)] : await discoverLabIndices(runner);
  const statuses = [];
  for (const index of targets) statuses.push(await openLab(index, { runner, report: toStderr }).status());
  if (options.json) {
    process.stdout.write(JSON.stringify({ labs: statuses }) + "\n");
    return;
  }
  if (statuses.length === 0) process.stdout.write("no lab found (start one with `npm run lab -- up`)\n");
  for (const s of statuses) {
    const procs = Object.entries(s.processes).map(([name, p]) => `${name}:${p.alive ? "up" : "DOWN"}`);
    const sim = s.simulator as { droplets?: { name: string; tags: string[] }[] } | null;
    process.stdout.write(
      [
        `lab ${s.index}: ${s.phase}${s.createdAt ? ` since ${s.createdAt}` : ""}`,
        `  namespaces: ${s.namespaces.join(", ") || "none"}`,
        `  processes:  ${procs.join(" ") || "none"}`,
        `  floating IP on: ${s.floatingIpOn ?? "nobody"}`,
        `  droplets:   ${sim?.droplets?.map((d) => `${d.name}[${d.tags.join(",")}]`).join(" ") ?? "(simulator not answering)"}`,
        `  env file:   ${s.envFile ?? "none"}`,
      ].join("\n") + "\n",
    );
  }
}

async function env(indexArg: string | undefined): Promise<void> {
  let index: number;
  if (indexArg) index = parseIndex(indexArg);
  else {
    const found = await discoverLabIndices(runner);
    if (found.length !== 1) throw new LabNotFoundError(found.length === 0 ? "no lab found" : `several labs found (${found.join(", ")})`, "pass the lab's index: `npm run lab -- env N`");
    index = found[0];
  }
  const file = openLab(index).plan.paths.envFile;
  if (!existsSync(file)) throw new LabNotFoundError(`no env file at ${file}`, "start a lab with `npm run lab -- up` (and pass its index)");
  process.stdout.write(readFileSync(file, "utf8"));
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name("lab")
    .description("A local DigitalOcean: droplets as network namespaces with real Docker, sshd, HAProxy, a registry and an API simulator")
    .option("--verbose", "print stack traces on errors")
    .exitOverride();
  program.command("up").description("start a lab and print the environment for the switch").option("--index <n>", "use this lab index (1-250) instead of the first free one").action(up);
  program.command("down").description("remove labs (all found when no index is given)").argument("[index...]").action(down);
  program.command("status").description("show labs").argument("[index]").option("--json", "one JSON object").action(status);
  program.command("env").description("print a running lab's export lines").argument("[index]").action(env);
  try {
    return (await parseCommandLine(program, argv)) ?? ExitCode.ok;
  } catch (error) {
    return reportFailure(error, { prefix: "lab", verbose: !!program.opts().verbose });
  }
}

// After Ctrl-C the signal handler finishes the cleanup and exits with 128+signal.
void main(process.argv).then((code) => {
  if (!isInterrupted()) process.exit(code);
});
