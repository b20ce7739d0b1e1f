import { Command, CommanderError } from "commander";
import { hostname, userInfo } from "node:os";
import { Config, loadConfig } from "../core/config";
import { BlueGreenError, ExitCode, UsageError, asBlueGreenError } from "../core/errors";
import { Redactor, SECRET_VARIABLES } from "../core/redact";
import { RunResult, runCutover, runRollback } from "./cutover";
import { parseImageRef } from "./image-ref";
import { HostIdentity, describeHolder, thisHost } from "./lock";
import type { Ports } from "./ports";
import { PlainReporter, Reporter, TtyReporter } from "./progress";
import { formatStatus, lockRelease, lockStatus, runStatus } from "./status";
import { RunMetadata, realPorts } from "./wiring";

type Env = Readonly<Record<string, string | undefined>>;

export interface CliIo {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTTY: boolean;
  /** Tests inject in-memory ports; production builds the real adapters. */
  readonly makePorts?: (config: Config, context: RunMetadata, warn: (line: string) => void) => Ports;
  readonly self?: HostIdentity;
}

interface Flags {
  json?: boolean;
  verbose?: boolean;
}

function runMetadata(env: Env): RunMetadata {
  let user = env.GITLAB_USER_LOGIN || env.GITHUB_ACTOR || env.USER;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  const job = env.CI_JOB_ID ? ` (job ${env.CI_JOB_ID})` : "";
  return { who: `${user}@${hostname()}${job}`, ref: env.CI_COMMIT_SHA || env.GITHUB_SHA || "main", jobUrl: env.CI_JOB_URL };
}

/** Every secret in play, including the SSH key read from a file (it is not in the environment) and each of its lines. */
function redactorFor(env: Env, config?: Config): Redactor {
  const key = config?.ssh.privateKey ?? "";
  return new Redactor([
    ...SECRET_VARIABLES.map((name) => env[name]),
    config?.digitalocean.token,
    config?.registry.password,
    config?.github.token,
    key,
    ...key.split(/\r?\n/).filter((l) => !/^-----(BEGIN|END) /.test(l)),
  ]);
}

/**
 * The one place that parses arguments, prints results and decides the exit code.
 * Returns the code; the bottom of this file is the only process.exit.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let redactor = redactorFor(io.env);
  const out = (text: string) => io.stdout(redactor.redact(text) + "\n");
  const err = (text: string) => io.stderr(redactor.redact(text) + "\n");
  let exitCode: number = ExitCode.ok;
  let jsonMode = false;
  let verbose = false;
  let command = "cutover";
  let reporter: Reporter | undefined;

  const setup = (flags: Flags) => {
    jsonMode = !!flags.json;
    verbose = !!flags.verbose;
    const config = loadConfig(io.env, "switch");
    redactor = redactorFor(io.env, config);
    if (config.ssh.insecureAcceptAnyHostKey)
      err(
        "warning: SSH_INSECURE_ACCEPT_ANY_HOST_KEY=true: SSH host keys are NOT checked, so anyone on the path can impersonate the droplets. Pin them with SSH_KNOWN_HOSTS instead.",
      );
    const context = runMetadata(io.env);
    reporter =
      io.isTTY && !jsonMode && io.env.CI !== "true" ? new TtyReporter(io.stdout, redactor) : new PlainReporter(io.stdout, redactor, { gitlabSections: io.env.CI === "true" });
    const rep = reporter;
    const ports = (io.makePorts ?? realPorts)(config, context, (line) => rep.warn(line));
    requests = ports.digitalocean.requestCount?.bind(ports.digitalocean);
    return { config, context, ports, reporter: rep, self: io.self ?? thisHost };
  };

  const withPorts = async <T>(flags: Flags, body: (s: ReturnType<typeof setup>) => Promise<T>): Promise<T> => {
    const s = setup(flags);
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
    if (jsonMode) out(JSON.stringify({ ok: true, ...result, digitaloceanRequests: requests?.(), steps: reporter?.records ?? [] }));
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
          { ports: s.ports, config: s.config, reporter: s.reporter, who: s.context.who, self: s.self },
          { image: flags.image!, message: flags.message, dryRun: flags.dryRun },
        ),
      );
      printResult(result);
    });

  program
    .command("rollback")
    .description("flip back to the FALLBACK droplet, which still runs the previous version")
    .option("--json", "print one JSON result on the last line")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: Flags) => {
      command = "rollback";
      const result = await withPorts(flags, (s) => runRollback({ ports: s.ports, config: s.config, reporter: s.reporter, who: s.context.who, self: s.self }));
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
      out(jsonMode ? JSON.stringify({ ok: true, command, ...report }) : formatStatus(report));
    });

  const lock = program.command("lock").description("inspect or release the deploy lock");
  lock
    .command("status")
    .option("--json", "print one JSON result on the last line")
    .action(async (flags: Flags) => {
      command = "lock status";
      const { holder, stale } = await withPorts(flags, (s) => lockStatus(s.ports, s.config, s.self));
      out(jsonMode ? JSON.stringify({ ok: true, command, holder, stale }) : holder ? `lock held by ${describeHolder(holder)}${stale ? ` — stale: ${stale}` : ""}` : "lock free");
    });
  lock
    .command("release")
    .option("--force", "release even a lock whose holder may still be running")
    .option("--json", "print one JSON result on the last line")
    .action(async (flags: Flags & { force?: boolean }) => {
      command = "lock release";
      const { released, holder } = await withPorts(flags, (s) => lockRelease(s.ports, s.config, s.self, !!flags.force));
      out(
        jsonMode ? JSON.stringify({ ok: true, command, released, holder }) : released ? `released the lock${holder ? ` held by ${describeHolder(holder)}` : ""}` : "lock was free",
      );
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
      out(JSON.stringify({ ok: false, command, exitCode, error: e.message, fix: e.fix, kind: e.kind, digitaloceanRequests: requests?.(), steps: reporter?.records ?? [] }));
  }
  return exitCode;
}

if (require.main === module) {
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
  }).then((code) => process.stdout.write("", () => process.exit(code)));
}
