/**
 * `npm run deploy`, and the pipeline's deploy jobs: synth, terraform init, then under the switch's deploy lock on the
 * HAProxy droplet (when it exists) terraform plan, show -json, the plan guard and terraform apply of that plan.
 *
 *   DEPLOY_ENV=staging npm run deploy [-- --message TEXT] [--known-hosts-out FILE] [--verbose]
 *
 * `--known-hosts-out FILE`: after the apply, scan the droplets it created and write FILE, the pinned known_hosts
 * (SSH_KNOWN_HOSTS, else SSH_KNOWN_HOSTS_FILE) plus their lines, for the switch jobs (decision 0116).
 *
 * Exit codes as the switch's: 2 a refused plan or bad configuration, 3 a failed command, 4 the lock is held.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import { Config, loadConfig } from "../core/config";
import { parseCommandLine, reportFailure } from "../core/cli/entry";
import { ExitCode, UsageError } from "../core/errors";
import { Redactor } from "../core/redact";
import { DigitalOceanClient } from "../switch/adapters/do-api";
import { HostIdentity, thisHost } from "../switch/lock";
import type { Droplet } from "../switch/model";
import { LockPort, Ports, systemClock } from "../switch/ports";
import { PlainReporter } from "../switch/progress";
import { whoIsRunning } from "../switch/who";
import { realPorts } from "../switch/wiring";
import { VARIABLES } from "../core/config/variables";
import { CommandRunner, DeployCommand, HostKeyPinning, runDeploy } from "./deploy";
import { ScannedKey, scanHostKey } from "./host-keys/scan";

type Env = Readonly<Record<string, string | undefined>>;

const PREFIX = "deploy";

export interface DeployIo {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Tests inject a fake runner and fake ports; production spawns the commands and builds the real adapters. */
  readonly runner?: CommandRunner;
  readonly makePorts?: (config: Config, env: Env) => DeployPorts;
  readonly self?: HostIdentity;
  /** @default scanHostKey (an ssh2 handshake that stops at the host key) */
  readonly scanHostKey?: (host: string, port: number) => Promise<ScannedKey[]>;
}

type DeployPorts = Pick<Ports, "digitalocean" | "lock" | "clock" | "close">;

/** Spawns each command with this process's environment and output; `stdoutFile` receives its standard output. */
export class ProcessRunner implements CommandRunner {
  private child: ChildProcess | undefined;

  constructor(private readonly env: Env) {}

  run(command: DeployCommand): Promise<number> {
    const out = command.stdoutFile ? openSync(command.stdoutFile, "w") : "inherit";
    return new Promise<number>((resolve, reject) => {
      const [file, ...args] = command.argv;
      const child = (this.child = spawn(file, args, { stdio: ["inherit", out, "inherit"], env: { ...this.env } as NodeJS.ProcessEnv }));
      child.once("error", (e) =>
        reject(new UsageError(`cannot run ${file}: ${e.message}`, file === "terraform" ? "install Terraform >= 1.6.3 (the pipeline uses TERRAFORM_VERSION)" : `install ${file}`)),
      );
      child.once("close", (code, signal) => resolve(code ?? (signal ? 128 + (signalNumber[signal] ?? 1) : 1)));
    }).finally(() => {
      this.child = undefined;
      if (typeof out === "number") closeSync(out);
    });
  }

  /**
   * While a command runs, this process outlives Ctrl-C and SIGTERM, so it can release the lock once the command ends. A
   * terminal's Ctrl-C reaches the whole process group, Terraform included (a second SIGINT would make it abort at once);
   * a SIGTERM reaches only this process and is passed on: Terraform stops cleanly either way.
   */
  forward(signal: NodeJS.Signals): void {
    if (signal !== "SIGINT") this.child?.kill(signal);
  }
}

const signalNumber: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };

/**
 * DigitalOcean for the droplet list; the balancer's SSH ports only once a balancer exists, from the switch's own
 * configuration (SSH key, pinned host keys), so a first deploy needs neither.
 */
function realDeployPorts(config: Config, env: Env, warn: (line: string) => void): DeployPorts {
  let sshPorts: Ports | undefined;
  return {
    digitalocean: new DigitalOceanClient({ baseUrl: config.digitalocean.apiUrl, token: config.digitalocean.token ?? "" }),
    clock: systemClock,
    lock: (balancer: Droplet): LockPort => (sshPorts ??= realPorts(loadConfig(env, "switch"), { who: whoIsRunning(env), ref: "" }, warn)).lock(balancer),
    close: async () => sshPorts?.close(),
  };
}

/**
 * What is pinned already, read as the switch reads it (SSH_KNOWN_HOSTS, else the file SSH_KNOWN_HOSTS_FILE names). The
 * stack's configuration does not read the file, and the deploy reads it only when it writes a known_hosts file.
 */
export function pinnedKnownHosts(config: Config, env: Env): string {
  const file = env[VARIABLES.sshKnownHostsFile.name];
  if (config.ssh.knownHosts || !file) return config.ssh.knownHosts;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${VARIABLES.sshKnownHostsFile.name}=${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`, "point it at a readable known_hosts file, or unset it");
  }
}

/** The whole run; returns the exit code. */
export async function main(argv: readonly string[], io: DeployIo): Promise<number> {
  const redactor = Redactor.fromEnv(io.env as NodeJS.ProcessEnv);
  let verbose = false;
  let exitCode: number = ExitCode.ok;
  const program = new Command()
    .name("deploy")
    .description("synth, then terraform plan, the plan guard and apply, under the switch's deploy lock")
    .exitOverride()
    .allowExcessArguments(false)
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) })
    .option("--message <text>", "why, for the lock")
    .option("--known-hosts-out <file>", "after the apply, write the pinned known_hosts plus the host keys of the droplets it created")
    .option("--verbose", "print stack traces of errors")
    .action(async (flags: { message?: string; knownHostsOut?: string; verbose?: boolean }) => {
      verbose = !!flags.verbose;
      const config = loadConfig(io.env, "stack");
      if (!config.digitalocean.token)
        throw new UsageError("DIGITALOCEAN_TOKEN is unset: the deploy lists the droplets to find the balancer's lock, and Terraform needs it too", "set DIGITALOCEAN_TOKEN");
      const hostKeys: HostKeyPinning | undefined = flags.knownHostsOut
        ? { outFile: flags.knownHostsOut, pinnedText: pinnedKnownHosts(config, io.env), scan: io.scanHostKey ?? ((host, port) => scanHostKey(host, port)), writeFile: (path, text) => writeFile(path, text) }
        : undefined;
      const reporter = new PlainReporter(io.stdout, redactor, { gitlabSections: io.env.CI === "true" });
      const runner = io.runner ?? new ProcessRunner(io.env);
      const ports = (io.makePorts ?? ((c, e) => realDeployPorts(c, e, (line) => reporter.warn(line))))(config, io.env);
      const forward = (signal: NodeJS.Signals) => (runner instanceof ProcessRunner ? runner.forward(signal) : undefined);
      process.on("SIGINT", forward);
      process.on("SIGTERM", forward);
      try {
        const result = await runDeploy({ ports, config, runner, reporter, who: whoIsRunning(io.env), self: io.self ?? thisHost, hostKeys }, { message: flags.message });
        reporter.info(`deployed ${config.namespace}${result.lockedOn ? ` under the deploy lock on ${result.lockedOn}` : " (no balancer before this deploy: no lock)"}`);
        if (result.hostKeys) reporter.info(`host keys for the switch: ${result.hostKeys.file} (${result.hostKeys.added.length} new)`);
      } finally {
        process.off("SIGINT", forward);
        process.off("SIGTERM", forward);
        await ports.close();
      }
    });
  try {
    const code = await parseCommandLine(program, argv, { from: "user" });
    if (code !== null) exitCode = code;
  } catch (error) {
    exitCode = reportFailure(error, { prefix: PREFIX, verbose, redactor, write: io.stderr });
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2), { env: process.env, stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then((code) =>
    process.stdout.write("", () => process.exit(code)),
  );
}
