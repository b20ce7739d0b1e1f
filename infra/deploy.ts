/**
 * The infrastructure deploy, as `npm run deploy` and the pipeline's deploy jobs run it:
 *
 *   synth → terraform init → [deploy lock] plan -out → show -json → plan guard → apply that plan [unlock]
 *
 * The lock is the switch's own deploy lock on the HAProxy droplet (switch/lock.ts), so a deploy and a cutover,
 * rollback or `balancer apply` never run at once, whoever starts them (a laptop, a pipeline). Before the first deploy
 * there is no balancer, hence no lock: the deploy says so and goes ahead.
 *
 * With a known_hosts file to write (`--known-hosts-out`), the environment's droplets are listed right before the apply
 * and, once it succeeded, the ones it created are scanned and pinned (infra/host-keys/pin.ts, decision 0116).
 */
import type { Config } from "../core/config";
import { ExternalError, UsageError } from "../core/errors";
import { STACK_NAME } from "../stacks/bluegreen-stack";
import { HostIdentity, Lease, Timer, acquireLock } from "../switch/lock";
import type { Droplet, LockHolder } from "../switch/model";
import { balancerAmong } from "../switch/observe";
import type { Ports } from "../switch/ports";
import type { Reporter } from "../switch/progress";
import { HostKeyPorts, HostKeyRequest, PinnedHostKeys, pinHostKeys, stackDroplets } from "./host-keys/pin";

/** Where `cdktf synth` writes the stack (cdktf.json keeps the default output directory). */
export const STACK_DIR = `cdktf.out/stacks/${STACK_NAME}`;

export type DeployStepName = "synth" | "init" | "plan" | "show" | "guard" | "apply";

export interface DeployCommand {
  readonly step: DeployStepName;
  readonly argv: readonly string[];
  /** Standard output goes to this file, not to the log (the plan as JSON). */
  readonly stdoutFile?: string;
  /** Runs under the deploy lock: everything from reading the state to applying the plan. */
  readonly locked: boolean;
}

/** The deploy's commands, in order: the one list the entry runs and the tests and docs check. */
export function deployCommands(stackDir: string = STACK_DIR): readonly DeployCommand[] {
  const terraform = (...args: string[]) => ["terraform", `-chdir=${stackDir}`, ...args];
  return [
    { step: "synth", argv: ["npm", "run", "synth"], locked: false },
    { step: "init", argv: terraform("init", "-input=false"), locked: false },
    { step: "plan", argv: terraform("plan", "-input=false", "-out=plan.tfplan"), locked: true },
    { step: "show", argv: terraform("show", "-json", "plan.tfplan"), stdoutFile: `${stackDir}/plan.json`, locked: true },
    { step: "guard", argv: ["npx", "tsx", "infra/plan-guard-cli.ts", `${stackDir}/plan.json`], locked: true },
    { step: "apply", argv: terraform("apply", "-input=false", "plan.tfplan"), locked: true },
  ];
}

export const DEPLOY_STEPS: readonly DeployStepName[] = deployCommands().map((c) => c.step);

/** Runs one command to its end in this process's environment, its output streamed to the log; resolves to its exit code. */
export interface CommandRunner {
  run(command: DeployCommand): Promise<number>;
}

export interface DeployDeps {
  /** The account's droplets, and the balancer's lock (built only when there is a balancer). */
  readonly ports: Pick<Ports, "digitalocean" | "lock" | "clock">;
  readonly config: Config;
  readonly runner: CommandRunner;
  readonly reporter: Reporter;
  /** user@host or the CI job, for the lock. */
  readonly who: string;
  readonly self: HostIdentity;
  /** @default STACK_DIR */
  readonly stackDir?: string;
  /** What renews the lock while a command runs. @default real time, every SWITCH_LOCK_TTL_SECONDS / 3 */
  readonly lockTimer?: Timer;
  /** Pin the host keys of the droplets the apply creates, into a file for the switch jobs. @default none: no scan */
  readonly hostKeys?: HostKeyPinning;
}

/** The host-key step's own ports and settings; the droplet list, the clock, the tags and the SSH port are the deploy's. */
export interface HostKeyPinning extends Pick<HostKeyPorts, "scan" | "writeFile">, Pick<HostKeyRequest, "outFile" | "pinnedText" | "sshdWaitMs"> {}

export interface DeployRequest {
  /** Why, for the lock. */
  readonly message?: string;
}

export interface DeployResult {
  /** The balancer whose deploy lock the plan and apply ran under; null on a first deploy (no balancer yet). */
  readonly lockedOn: string | null;
  readonly steps: readonly DeployStepName[];
  /** What the host-key step pinned, when it ran. */
  readonly hostKeys?: PinnedHostKeys;
}

/** The HAProxy droplet, or null when none exists yet; more than one is refused (balancerAmong's error). */
export function balancerIfAny(droplets: readonly Droplet[], config: Config): Droplet | null {
  return droplets.some((d) => d.tags.includes(config.tags.balancer)) ? balancerAmong(droplets, config) : null;
}

function stepFailed(command: DeployCommand, code: number): Error {
  const ran = `\`${command.argv.join(" ")}\` exited with ${code}`;
  switch (command.step) {
    case "guard":
      return new UsageError(
        `the plan guard refused the plan (see its lines above); nothing was applied`,
        "make the change without replacing the resource (docs/day-two.md), or re-run the deploy with ALLOW_DESTROY naming the exact addresses it printed",
      );
    case "apply":
      return new ExternalError(`terraform apply failed (${ran}): part of the plan may be applied`, "read Terraform's error above, fix it, and re-run `npm run deploy` (it plans again from the state)");
    case "synth":
      return new UsageError(`synth failed (${ran}); nothing was planned or applied`, "fix what it printed above and re-run `npm run deploy`");
    default:
      return new ExternalError(`terraform ${command.step} failed (${ran}); nothing was applied`, "read Terraform's error above, fix it, and re-run `npm run deploy`");
  }
}

/**
 * Runs the deploy's commands. The locked ones run under the switch's deploy lock on the balancer, taken after `init`
 * (synth and init change nothing) and released however they end. The lock is a lease of SWITCH_LOCK_TTL_SECONDS,
 * renewed every third of it while Terraform works and before each command: a deploy that lost it (`lock release
 * --force`) stops before its next command, and one that was killed leaves a lock that expires within the TTL.
 */
export async function runDeploy(deps: DeployDeps, request: DeployRequest = {}): Promise<DeployResult> {
  const { ports, reporter } = deps;
  const commands = deployCommands(deps.stackDir);
  const run = async (command: DeployCommand) => {
    await reporter.step(command.step, command.argv.join(" ") + (command.stdoutFile ? ` > ${command.stdoutFile}` : ""), async () => {
      const code = await deps.runner.run(command);
      if (code !== 0) throw stepFailed(command, code);
    });
  };

  for (const command of commands.filter((c) => !c.locked)) await run(command);
  const lock = await reporter.step("lock", "take the switch's deploy lock on the HAProxy droplet, if there is one", () => takeLock(deps, request));
  const lease = lock && new Lease(ports.lock(lock.balancer), lock.holder, ports.clock, { ttlMs: deps.config.timing.lockTtlMs, warn: (l) => reporter.warn(l), timer: deps.lockTimer });
  lease?.start();
  let before: Droplet[] | undefined;
  try {
    for (const command of commands.filter((c) => c.locked)) {
      await lease?.renew();
      // As late as possible: a droplet is trusted on its scan only if it is absent from this list.
      if (command.step === "apply" && deps.hostKeys) before = await reporter.step("list-droplets", "list the environment's droplets before the apply", () => listStack(deps));
      await run(command);
    }
  } finally {
    lease?.stop();
    if (lock)
      await reporter
        .step("unlock", "release the deploy lock", async () => void (await ports.lock(lock.balancer).release(lock.holder.id, false)))
        .catch((e: Error) => reporter.warn(`could not release the deploy lock on ${lock.balancer.name} (it expires at ${lease!.holder.expiresAt}): ${e.message}`));
  }
  const hostKeys = deps.hostKeys && before && (await pinAfterApply(deps, deps.hostKeys, before));
  return { lockedOn: lock?.balancer.name ?? null, steps: commands.map((c) => c.step), ...(hostKeys ? { hostKeys } : {}) };
}

async function listStack(deps: DeployDeps): Promise<Droplet[]> {
  return stackDroplets(await deps.ports.digitalocean.listDroplets(), deps.config.tags);
}

function pinAfterApply(deps: DeployDeps, pinning: HostKeyPinning, before: readonly Droplet[]): Promise<PinnedHostKeys> {
  const { ports, config, reporter } = deps;
  return reporter.step("host-keys", `scan the host keys of the droplets the apply created, write ${pinning.outFile}`, () =>
    pinHostKeys(
      { digitalocean: ports.digitalocean, clock: ports.clock, scan: pinning.scan, writeFile: pinning.writeFile },
      { before, pinnedText: pinning.pinnedText, port: config.ssh.port, tags: config.tags, outFile: pinning.outFile, sshdWaitMs: pinning.sshdWaitMs, info: (l) => reporter.info(l) },
    ),
  );
}

async function takeLock(deps: DeployDeps, request: DeployRequest): Promise<{ balancer: Droplet; holder: LockHolder } | null> {
  const { ports, config, reporter } = deps;
  const balancer = balancerIfAny(await ports.digitalocean.listDroplets(), config);
  if (!balancer) {
    reporter.info(`no droplet is tagged ${config.tags.balancer} yet (a first deploy): deploying without the switch's lock, since no cutover can run either`);
    return null;
  }
  const holder = await acquireLock(
    ports.lock(balancer),
    { who: deps.who, command: "deploy", message: request.message, ttlMs: deps.config.timing.lockTtlMs },
    ports.clock,
    deps.self,
    (line) => reporter.warn(line),
  );
  reporter.info(`holding the deploy lock on ${balancer.name}: no cutover, rollback or balancer apply runs until the apply ends`);
  return { balancer, holder };
}
