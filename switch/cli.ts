import { Command, CommanderError } from "commander";
import { Config, loadConfig } from "../core/config";
import { BlueGreenError, ConfigError, ExitCode, UsageError, asBlueGreenError } from "../core/errors";
import { resolveSecrets } from "../core/app";
import { Redactor, SECRET_VARIABLES } from "../core/redact";
import { DEFAULT_LOG_LINES, parseLines, parseRole, parseSince, redactedWriter, runExec, runLogs } from "./app-commands";
import { RunResult, runCutover, runRollback } from "./cutover";
import { parseImageRef } from "./image-ref";
import { HostIdentity, thisHost } from "./lock";
import { runMaintenance } from "./maintenance";
import { formatBalancerApply, runBalancerApply } from "./balancer";
import { formatRepair, runRepair } from "./repair";
import type { Ports } from "./ports";
import { PlainReporter, Reporter, TtyReporter } from "./progress";
import { formatStatus, lockRelease, lockStatus, runStatus } from "./status";
import { RunMetadata, realPorts } from "./wiring";
import { whoIsRunning } from "./who";

type Env = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: boolean;
  /** Tests inject in-memory ports; production builds the real adapters. */
  readonly makePorts?: (config: Config, context: RunMetadata, warn: (line: string) => void) => Ports;
  readonly self?: HostIdentity;
  /** `exec` attaches it when it and stdout are terminals. @default none */
  readonly stdin?: NodeJS.ReadableStream;
}

interface Flags {
  json?: boolean;
  verbose?: boolean;
}

function runMetadata(env: Env): RunMetadata {
  return { who: whoIsRunning(env), ref: env.CI_COMMIT_SHA || env.GITHUB_SHA || "main", jobUrl: env.CI_JOB_URL };
}

/** Every secret in play, including the SSH key read from a file (it is not in the environment) and each of its lines. */
function redactorFor(env: Env, config?: Config, appSecrets: readonly string[] = []): Redactor {
  return new Redactor([
    ...SECRET_VARIABLES.map((name) => env[name]),
    ...(config?.appSpec.secretNames ?? []).map((name) => env[name]),
    ...appSecrets,
    config?.digitalocean.token,
    config?.registry.password,
    config?.github.token,
    config?.ssh.privateKey,
  ]);
}

/**
 * The one place that parses arguments, prints results and decides the exit code.
 * Returns the code; the bottom of this file is the only process.exit.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let redactor = redactorFor(io.env);
  // Every line is masked and stripped of terminal controls (a commit title or a log line may carry ESC or CR);
  // a --json value is masked field by field before it is serialised, so escaping cannot hide a secret.
  const out = (text: string) => io.stdout(redactor.clean(text) + "\n");
  const err = (text: string) => io.stderr(redactor.clean(text) + "\n");
  const json = (value: object) => JSON.stringify(redactor.redactData(value));
  let exitCode: number = ExitCode.ok;
  let jsonMode = false;
  let verbose = false;
  let command = "cutover";
  let reporter: Reporter | undefined;

  /** `needsSecrets`: the command starts a release, so every declared secret must be set (a cutover). */
  const setup = (flags: Flags, needsSecrets = false) => {
    jsonMode = !!flags.json;
    verbose = !!flags.verbose;
    const config = loadConfig(io.env, "switch");
    // Every declared secret's value is read (and registered with the redactor) before any network call. A cutover
    // starts a release, so a missing one stops it here, all missing names at once; other commands only need them masked.
    const { secrets, issues } = resolveSecrets(config.appSpec, io.env);
    redactor = redactorFor(io.env, config, Object.values(secrets));
    if (needsSecrets && issues.length > 0) throw new ConfigError(issues);
    if (config.ssh.insecureAcceptAnyHostKey)
      err(
        "warning: SSH_INSECURE_ACCEPT_ANY_HOST_KEY=true: SSH host keys are NOT checked, so anyone on the path can impersonate the droplets. Pin them with SSH_KNOWN_HOSTS instead.",
      );
    const context = { ...runMetadata(io.env), redact: (text: string) => redactor.clean(text), redactData: <T>(value: T) => redactor.redactData(value) };
    reporter =
      io.isTTY && !jsonMode && io.env.CI !== "true" ? new TtyReporter(io.stdout, redactor) : new PlainReporter(io.stdout, redactor, { gitlabSections: io.env.CI === "true" });
    const rep = reporter;
    const ports = (io.makePorts ?? realPorts)(config, context, (line) => rep.warn(line));
    requests = ports.digitalocean.requestCount?.bind(ports.digitalocean);
    return { config, context, ports, reporter: rep, self: io.self ?? thisHost, secrets };
  };

  const withPorts = async <T>(flags: Flags, body: (s: ReturnType<typeof setup>) => Promise<T>, needsSecrets = false): Promise<T> => {
    const s = setup(flags, needsSecrets);
    try {
      return await body(s);
    } finally {
      await s.ports.close();
    }
  };

  let requests: (() => number) | undefined;
  const printResult = (result: RunResult) => {
    const summary =
      result.outcome === "planned"
        ? "dry run: nothing changed"
        : result.outcome === "already-live"
        ? `${result.to?.image} is already live on ${result.to?.droplet}`
        : `${result.to?.image} is live on ${result.to?.droplet} (was ${result.from?.image ?? "nothing"} on ${result.from?.droplet}); reserved IP ${result.floatingIp} (${
            result.durationMs
          } ms)`;
    if (jsonMode) out(json({ ok: true, ...result, digitaloceanRequests: requests?.(), steps: reporter?.records ?? [] }));
    else out(summary);
  };

  const program = new Command()
    .name("switch")
    .description("Zero-downtime blue/green cutover on two DigitalOcean droplets.")
    .enablePositionalOptions()
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: () => undefined })
    .option("--image <ref>", "image to put live, e.g. registry.gitlab.com/acme/web:v2")
    .option("--message <text>", "why, for the lock and the audit log")
    .option("--dry-run", "print the plan and change nothing")
    .option("--json", "print one JSON result on the last line")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags & { image?: string; message?: string; dryRun?: boolean }) => {
      jsonMode = !!flags.json;
      verbose = !!flags.verbose;
      if (!flags.image)
        throw new UsageError("nothing to do: no --image given", "run `npm run switch -- --image <ref>`, or one of: rollback, status, lock status|release (see --help)");
      parseImageRef(flags.image);
      const result = await withPorts(flags, (s) =>
        runCutover(
          { ports: s.ports, config: s.config, reporter: s.reporter, who: s.context.who, self: s.self, redactData: (v) => redactor.redactData(v), inCi: io.env.CI === "true" },
          { image: flags.image!, secrets: s.secrets, message: flags.message, dryRun: flags.dryRun },
        ),
        true,
      );
      printResult(result);
      if (result.hookFailure) exitCode = ExitCode.hookFailed;
    });

  program
    .command("rollback")
    .description("flip back to the FALLBACK droplet, which still runs the previous version")
    .option("--json", "print one JSON result on the last line")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags) => {
      command = "rollback";
      const result = await withPorts(flags, (s) =>
        runRollback({ ports: s.ports, config: s.config, reporter: s.reporter, who: s.context.who, self: s.self, redactData: (v) => redactor.redactData(v) }),
      );
      printResult(result);
    });

  program
    .command("status")
    .description("PROD and FALLBACK, images, health, the reserved IP, HAProxy, the lock, inconsistencies and recent audit lines")
    .option("--json", "print one JSON result on the last line")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags) => {
      command = "status";
      const report = await withPorts(flags, (s) => runStatus(s.ports, s.config, s.self));
      out(jsonMode ? json({ ok: true, command, ...report }) : formatStatus(report));
    });

  const lock = program.command("lock").description("inspect or release the deploy lock");
  lock
    .command("status")
    .option("--json", "print one JSON result on the last line")
    .action(async (flags: Flags) => {
      command = "lock status";
      const { detail, ...status } = await withPorts(flags, (s) => lockStatus(s.ports, s.config));
      out(jsonMode ? json({ ok: true, command, ...status }) : detail);
    });
  lock
    .command("release")
    .option("--force", "release even a lock whose holder may still be running")
    .option("--json", "print one JSON result on the last line")
    .action(async (flags: Flags & { force?: boolean }) => {
      command = "lock release";
      const { released, holder, detail } = await withPorts(flags, (s) => lockRelease(s.ports, s.config, !!flags.force));
      out(jsonMode ? json({ ok: true, command, released, holder }) : detail);
    });

  // exec and logs stream the app's own output: the operator asked for it, and it is not ours to reword. It still goes
  // through the redactor (line by line, so a secret split across two chunks is masked too; a partial line is shown
  // after a short pause, so prompts and keystroke echoes on a TTY are not held back): cheap, and a CI log keeps it.
  // Terminal controls are stripped too (a log line must not forge CI output), except for `exec` attached to a TTY,
  // where the operator drives an interactive program that needs them.
  const onRole = ["--on <role>", "prod (the droplet holding the reserved IP) or fallback", "prod"] as const;
  const streamTo = (write: (text: string) => void, idleMs: number, raw = false) =>
    redactedWriter({ redact: (t) => (raw ? redactor.redact(t) : redactor.clean(t)) }, write, idleMs);
  /** Ctrl-C ends a follow or kills a one-off cleanly (SSH closed, container removed) instead of killing this process. */
  const onInterrupt = async <T>(body: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const interrupt = new AbortController();
    const abort = () => interrupt.abort();
    process.once("SIGINT", abort);
    try {
      return await body(interrupt.signal);
    } finally {
      process.off("SIGINT", abort);
    }
  };

  program
    .command("exec")
    .description("run a command in a one-off container beside the app on PROD (or FALLBACK): its release, environment, mounts and limits; exits with the command's code")
    .option(...onRole)
    .option("--verbose", "print stack traces of errors")
    .argument("<command...>", "the command and its arguments, after --")
    .passThroughOptions()
    .action(async (words: string[], flags: Flags & { on: string }) => {
      command = "exec";
      verbose = !!flags.verbose;
      const on = parseRole(flags.on);
      const stdin = (io.isTTY ? io.stdin : undefined) as (NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }) | undefined;
      const tty = io.isTTY && !!stdin?.isTTY;
      const result = await withPorts(flags, (s) =>
        onInterrupt(async (signal) => {
          // On a TTY: one raw stream both ways (keys go to the container as typed, Ctrl-C included).
          const out = streamTo(io.stdout, tty ? 25 : 250, tty);
          const errOut = streamTo(io.stderr, tty ? 25 : 250, tty);
          if (tty) stdin?.setRawMode?.(true);
          try {
            return await runExec(
              { ports: s.ports, config: s.config },
              { on, command: words, io: { onOutput: (chunk, stream) => (stream === "stderr" ? errOut : out).write(chunk), ...(tty ? { stdin, tty } : {}), signal } },
            );
          } finally {
            if (tty) stdin?.setRawMode?.(false);
            out.end();
            errOut.end();
          }
        }),
      );
      exitCode = result.exitCode;
    });

  program
    .command("logs")
    .description("print the app container's logs on PROD (or FALLBACK)")
    .option(...onRole)
    .option("--follow", "keep printing new lines until Ctrl-C")
    .option("--since <duration>", "only lines newer than this: 30s, 10m, 2h, 1h30m, or an ISO date")
    .option("--lines <n>", "how many past lines to print", String(DEFAULT_LOG_LINES))
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags & { on: string; follow?: boolean; since?: string; lines: string }) => {
      command = "logs";
      verbose = !!flags.verbose;
      const on = parseRole(flags.on);
      const lines = parseLines(flags.lines);
      if (flags.since !== undefined) parseSince(flags.since, Date.now()); // a bad --since fails before any connection
      await withPorts(flags, (s) =>
        onInterrupt(async (signal) => {
          const out = streamTo(io.stdout, 250);
          const errOut = streamTo(io.stderr, 250);
          try {
            await runLogs(
              { ports: s.ports, config: s.config },
              { on, follow: !!flags.follow, since: flags.since, lines, sink: (chunk, stream) => (stream === "stderr" ? errOut : out).write(chunk), signal },
            );
          } finally {
            out.end();
            errOut.end();
          }
        }),
      );
    });

  const maintenance = program.command("maintenance").description("answer visitors with a 503 page while the app keeps running, or stop");
  maintenance
    .command("on")
    .option("--message <text>", "shown on the page (one line, at most 200 characters)")
    .option("--json", "print one JSON result on the last line")
    .action(async (flags: Flags & { message?: string }) => {
      command = "maintenance on";
      const result = await withPorts(flags, (s) =>
        runMaintenance({ ports: s.ports, config: s.config, who: s.context.who, warn: (line) => s.reporter.warn(line) }, { on: true, message: flags.message }),
      );
      out(
        jsonMode
          ? json({ ok: true, command, ...result })
          : `maintenance on: visitors get a 503 page ("${result.message ?? ""}"); the app keeps running — \`maintenance off\` ends it`,
      );
    });
  maintenance
    .command("off")
    .option("--json", "print one JSON result on the last line")
    .action(async (flags: Flags) => {
      command = "maintenance off";
      const result = await withPorts(flags, (s) => runMaintenance({ ports: s.ports, config: s.config, who: s.context.who, warn: (line) => s.reporter.warn(line) }, { on: false }));
      out(jsonMode ? json({ ok: true, command, ...result }) : "maintenance off: visitors reach the app again");
    });

  const balancer = program.command("balancer").description("the HAProxy droplet's configuration, applied live (never by replacing the droplet)");
  balancer
    .command("apply")
    .description("render haproxy.cfg, check it on the balancer (haproxy -c), install it with a hitless reload that keeps the runtime state; install SSH_AUTHORIZED_KEYS on the three droplets")
    .option("--dry-run", "print the diff and HAProxy's verdict, change nothing")
    .option("--message <text>", "why, for the lock and the audit log")
    .option("--json", "print one JSON result on the last line")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags & { dryRun?: boolean; message?: string }) => {
      command = "balancer apply";
      const result = await withPorts(flags, (s) =>
        runBalancerApply({ ports: s.ports, config: s.config, reporter: s.reporter, who: s.context.who, self: s.self }, { dryRun: flags.dryRun, message: flags.message }),
      );
      out(jsonMode ? json({ ok: true, ...result, steps: reporter?.records ?? [] }) : formatBalancerApply(result));
    });

  program
    .command("repair")
    .description(
      "converge what a replaced worker or an interrupted run left: an unassigned reserved IP, two PROD tags, a half-done retag, HAProxy's slots, FALLBACK's stopped previous version; --image redeploys one FALLBACK lost",
    )
    .option("--image <ref>", "redeploy this image on a FALLBACK that lost the previous version (a replaced worker)")
    .option("--message <text>", "why, for the lock and the audit log")
    .option("--dry-run", "print each change and why, change nothing")
    .option("--json", "print one JSON result on the last line")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags & { image?: string; message?: string; dryRun?: boolean }) => {
      command = "repair";
      jsonMode = !!flags.json;
      verbose = !!flags.verbose;
      if (flags.image) parseImageRef(flags.image);
      const result = await withPorts(
        flags,
        (s) =>
          runRepair(
            { ports: s.ports, config: s.config, reporter: s.reporter, who: s.context.who, self: s.self, redactData: (v) => redactor.redactData(v) },
            { dryRun: flags.dryRun, image: flags.image, secrets: s.secrets, message: flags.message },
          ),
        !!flags.image,
      );
      out(jsonMode ? json({ ok: true, ...result, digitaloceanRequests: requests?.(), steps: reporter?.records ?? [] }) : formatRepair(result));
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return ExitCode.ok; // --help, --version
      error = new UsageError(error.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " "), "see `npm run switch -- --help`");
    }
    const e: BlueGreenError = asBlueGreenError(error);
    exitCode = e.exitCode;
    err(`error: ${e.oneLine()}`);
    if (verbose && error instanceof Error && error.stack) err(error.stack);
    if (jsonMode)
      out(json({ ok: false, command, exitCode, error: e.message, fix: e.fix, kind: e.kind, digitaloceanRequests: requests?.(), steps: reporter?.records ?? [] }));
  }
  return exitCode;
}

if (require.main === module) {
  // The bundled CLI (scripts/build-switch.ts) runs under plain node, and bluegreen.config.ts is TypeScript.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!require.extensions[".ts"]) require("tsx/cjs/api").register();
  // docker-modem builds an "ssh:host:port" URL that Node flags as DEP0170 on every Docker call: known and harmless, pure noise for an operator.
  process.removeAllListeners("warning");
  process.on("warning", (w: Error & { code?: string }) => {
    if (w.code !== "DEP0170") process.stderr.write(`${w.name}: ${w.message}\n`);
  });
  main(process.argv.slice(2), {
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: !!process.stdout.isTTY,
    // A getter: touching process.stdin opens it, which only `exec` on a terminal needs.
    get stdin() {
      return process.stdin;
    },
  }).then((code) => process.stdout.write("", () => process.exit(code)));
}
