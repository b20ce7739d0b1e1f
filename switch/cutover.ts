import type { Config } from "../core/config";
import { BlueGreenError } from "../core/errors";
import { HaproxyError, ImageRejectedError, LockLostError } from "./errors";
import { Executor } from "./execute";
import { parseImageRef, requireDigestInCi } from "./image-ref";
import { HostIdentity, Lease, Timer, acquireLock } from "./lock";
import { AppContainer, Droplet, LABEL, LockHolder, ObservedState, Plan, Step, StepGroup, planSteps } from "./model";
import { balancerAmong, observe } from "./observe";
import { describeStep, planCutover, planRollback } from "./plan";
import { Release, releaseOf } from "./release";
import { shortFingerprint } from "../core/app";
import { stripControl } from "../core/redact";
import type { AuditEntry, Ports } from "./ports";
import type { Reporter } from "./progress";

export interface SwitchDeps {
  readonly ports: Ports;
  readonly config: Config;
  readonly reporter: Reporter;
  /** user@host or CI job: who is doing this, for the lock, labels and audit log. */
  readonly who: string;
  readonly self: HostIdentity;
  /** What renews the lock between steps. @default real time, every SWITCH_LOCK_TTL_SECONDS / 3 */
  readonly lockTimer?: Timer;
  /** Masks every secret in a structured value (the run's Redactor.redactData): the audit entry passes it. @default as is */
  readonly redactData?: <T>(value: T) => T;
  /** Run by CI (CI=true): a cutover then deploys a digest, not a tag, unless SWITCH_ALLOW_TAG_REFERENCE=true. @default false */
  readonly inCi?: boolean;
}

export interface Side {
  readonly droplet: string;
  readonly image?: string;
  readonly digest?: string;
  /** The configuration fingerprint's short form (never a value: salted scrypt, see core/app/fingerprint.ts). */
  readonly config?: string;
}

export type Outcome = "deployed" | "already-live" | "planned" | "rolled-back" | "rejected" | "failed";

export interface RunResult {
  readonly command: "cutover" | "rollback";
  readonly outcome: Outcome;
  readonly floatingIp?: string;
  readonly from?: Side;
  readonly to?: Side;
  readonly plan?: readonly string[];
  readonly durationMs: number;
  /** Sessions still open when SWITCH_DRAIN_TIMEOUT_SECONDS ran out (long-lived streams), closed by the switch. */
  readonly sessionsClosedAtDrainDeadline?: number;
  /** The postSwitch hook failed after the release went live: reported, never rolled back. */
  readonly hookFailure?: string;
  /** The audit entry as recorded (masked): --json keeps a copy wherever the job's output goes. */
  readonly audit?: AuditEntry;
}

export interface CutoverRequest {
  readonly image: string;
  /** The declared secrets' values, read from the runner's environment before anything else happened. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly message?: string;
  readonly dryRun?: boolean;
}

const side = (droplet: Droplet, container?: AppContainer, image?: string, digest?: string, fingerprint?: string): Side => ({
  droplet: droplet.name,
  image: image ?? container?.image,
  digest: digest ?? container?.digest ?? container?.labels[LABEL.digest],
  config: shortFingerprint(fingerprint ?? container?.labels[LABEL.config]),
});

/**
 * The cutover: lock → observe → plan → the plan's groups (pull, drain and start on FALLBACK, arm its slot, gate; the atomic hand-over and
 * the slow work after it; prune) → record → unlock. Each group carries its undo, so every failure path is plan data.
 */
export async function runCutover(deps: SwitchDeps, asked: CutoverRequest): Promise<RunResult> {
  // The parsed reference is the one pulled, labelled, compared and recorded; the message is text from outside (a
  // commit title), so it loses any terminal control before it reaches the lock, the labels or the audit log.
  const ref = parseImageRef(asked.image);
  requireDigestInCi(ref, !!deps.inCi, deps.config.safety.allowTagReference);
  const request: CutoverRequest = { ...asked, image: ref.raw, message: asked.message === undefined ? undefined : stripControl(asked.message) };
  const release = releaseOf(deps.config, request.image, request.secrets);
  if (request.dryRun) return dryRun(deps, request, release);
  const run = await beginRun(deps, "cutover", request, release);
  try {
    const plan = run.planned(planCutover(run.observed, deps.config, release));
    if (plan.noop) deps.reporter.info(`${request.image} already serves from PROD ${plan.to.droplet.name} with this configuration: verifying only`);
    const hookFailure = await runPlan(deps, run, plan);
    return await run.finish(plan.noop ? "already-live" : "deployed", run.executor.digestOn(plan.to.droplet.id), hookFailure);
  } catch (error) {
    return run.fail(error);
  }
}

/** Flip back to FALLBACK, which still runs the previous version and is already armed: the hand-over comes first. */
export async function runRollback(deps: SwitchDeps): Promise<RunResult> {
  const run = await beginRun(deps, "rollback", {});
  try {
    await runPlan(deps, run, run.planned(planRollback(run.observed, deps.config)));
    return await run.finish("rolled-back");
  } catch (error) {
    return run.fail(error);
  }
}

/**
 * Runs every group; returns the failure of a group that only reports (the postSwitch hook), if any. The lock is
 * renewed before every step: a run that lost it stops there, before its next change.
 */
async function runPlan(deps: SwitchDeps, run: Pick<Run, "executor" | "lease">, plan: Plan): Promise<string | undefined> {
  const { executor, lease } = run;
  let reported: string | undefined;
  for (const group of plan.groups) {
    if (group.onFailure !== "report") {
      await runGroup(deps, executor, lease, plan, group);
      continue;
    }
    try {
      for (const step of group.steps) await executor.run(step, () => lease.renew());
    } catch (error) {
      if (error instanceof LockLostError) throw error;
      reported = messageOf(error);
      deps.reporter.warn(`${reported} (${group.steps[0]?.name === "hook" ? "the release stays live: a postSwitch failure never rolls back" : "the release stays live"})`);
    }
  }
  return reported;
}

/**
 * Runs a group's steps. In a watched group the watchdog starts right after the hand-over; if it trips, the step in
 * progress is abandoned (its waits end, it makes no further change) and the undo's hand-back goes out at once.
 */
async function runGroup(deps: SwitchDeps, executor: Executor, lease: Lease, plan: Plan, group: StepGroup): Promise<void> {
  let running: Promise<void> | undefined;
  let failed: Step | undefined;
  try {
    for (const step of group.steps) {
      failed = step;
      running = executor.run(step, () => lease.renew());
      const tripped = executor.tripped;
      await (tripped ? Promise.race([running, tripped]) : running);
      if (group.watched && step.name === "hand-over") await executor.startWatching();
    }
  } catch (error) {
    running?.catch(() => undefined);
    // Another run holds the lock now: any undo would be a change made without it. Stop; `status` and that run repair.
    if (error instanceof LockLostError) throw error;
    throw await undo(deps, executor, plan, group, failed!, error, running);
  } finally {
    await executor.stopWatching();
  }
}

async function undo(deps: SwitchDeps, executor: Executor, plan: Plan, group: StepGroup, failed: Step, error: unknown, running?: Promise<void>): Promise<unknown> {
  const tripped = executor.hasTripped;
  // A failed step has already stopped; only an abandoned one may still be settling, and only the hand-back may overtake it.
  if (!tripped) await executor.stopWatching();
  const [first, ...rest] = group.undo;
  const steps = first?.name === "hand-back" ? rest : group.undo;
  if (first?.name === "hand-back") {
    try {
      await executor.run(first);
    } catch (handBackError) {
      return new HaproxyError(
        `could not hand traffic back to ${plan.from.droplet.name} after ${messageOf(error)}: ${(handBackError as Error).message}; the new release still serves`,
        "run `npm run switch -- rollback` now",
        { cause: handBackError },
      );
    }
  }
  await running?.catch(() => undefined);
  await executor.stopWatching();
  const undone = await runUndo(deps, executor, steps);
  // A refused hand-over never let the new release serve: its own error says why, with its own exit code.
  if (!group.watched || (failed.name === "hand-over" && !tripped)) return error;
  const traffic = executor.watchedTraffic;
  const where = `every new request went back to ${plan.from.droplet.name} (${plan.from.container?.image ?? "the previous version"})`;
  const leftover = undone ? "" : "; the clean-up did not finish: `npm run switch -- status` explains it and a re-run repairs it";
  return new ImageRejectedError(
    `${tripped ? "" : `step ${failed.name} failed after the hand-over: `}${messageOf(error)}; ${where}${
      traffic ? ` (the new release had ${traffic.errors} failed of ${traffic.responses} requests)` : ""
    }${leftover}`,
    error instanceof BlueGreenError ? error.fix : "fix the release and deploy a new tag; the previous version serves",
    { cause: error },
  );
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs undo steps in order; stops at the first failure (later steps build on earlier ones) and says so. */
async function runUndo(deps: SwitchDeps, executor: Executor, steps: readonly Step[]): Promise<boolean> {
  for (const step of steps) {
    try {
      await executor.run(step);
    } catch (e) {
      deps.reporter.warn(`undo step ${step.name} failed (${(e as Error).message}); \`npm run switch -- status\` explains the state and a re-run repairs it`);
      return false;
    }
  }
  return true;
}

interface Run {
  readonly observed: ObservedState;
  readonly executor: Executor;
  readonly lease: Lease;
  /** Known once planned, so even a failed run's audit line says from what to what. */
  planned(plan: Plan): Plan;
  finish(outcome: Outcome, toDigest?: string, hookFailure?: string): Promise<RunResult>;
  /** Records the failure, unlocks and rethrows. */
  fail(error: unknown): Promise<never>;
}

/** Takes the lock and observes; whatever happens after, `finish` or `fail` records the run and releases the lock. */
async function beginRun(deps: SwitchDeps, command: "cutover" | "rollback", request: Partial<CutoverRequest>, release?: Release): Promise<Run> {
  const { ports, config, reporter } = deps;
  const started = ports.clock.now();
  let droplets: Droplet[] = [];
  let balancer: Droplet | undefined;
  const holder: LockHolder = await reporter.step("lock", "take the deploy lock on the HAProxy droplet", async () => {
    droplets = await ports.digitalocean.listDroplets();
    balancer = balancerAmong(droplets, config);
    return acquireLock(
      ports.lock(balancer),
      { who: deps.who, command, image: request.image, message: request.message, ttlMs: config.timing.lockTtlMs },
      ports.clock,
      deps.self,
      (l) => reporter.warn(l),
    );
  });
  const lease = new Lease(ports.lock(balancer!), holder, ports.clock, { ttlMs: config.timing.lockTtlMs, warn: (l) => reporter.warn(l), timer: deps.lockTimer });
  lease.start();
  // What leaves for GitHub is masked here, whatever the recorder does: the message is a commit title from outside.
  const masked = (deps.redactData ?? ((v) => v))({ image: request.image ?? "", description: request.message ?? `deploy ${request.image}` });
  const deployment = command === "cutover" ? await ports.deployments.start(masked.image, masked.description) : undefined;
  let plan: Plan | undefined;
  let observed: ObservedState | undefined;
  let executor: Executor | undefined;

  const end = async (outcome: Outcome, failure: unknown, toDigest?: string, hookFailure?: string): Promise<RunResult> => {
    const durationMs = ports.clock.now() - started;
    const result: RunResult = {
      command,
      outcome,
      floatingIp: observed?.reservedIp.ip,
      from: plan ? side(plan.from.droplet, plan.from.container) : undefined,
      to: plan ? side(plan.to.droplet, plan.to.container, plan.to.image, toDigest, executor?.startedFingerprint) : request.image ? { droplet: "", image: request.image } : undefined,
      durationMs,
      sessionsClosedAtDrainDeadline: executor?.flip.sessionsClosedAtDrainDeadline,
      hookFailure,
    };
    lease.stop();
    const audit = await recordRun(deps, balancer!, deployment, { command, outcome, result, message: request.message, failure });
    await reporter
      .step("unlock", "release the deploy lock", async () => void (await ports.lock(balancer!).release(holder.id, false)))
      .catch((e: Error) => reporter.warn(`could not release the deploy lock (it expires at ${lease.holder.expiresAt}): ${e.message}`));
    return { ...result, audit };
  };
  const fail = async (error: unknown): Promise<never> => {
    await end(error instanceof ImageRejectedError ? "rejected" : "failed", error);
    throw error;
  };

  try {
    observed = await reporter.step("observe", "read droplets, reserved IP, containers and HAProxy", () => observe(ports, config, droplets));
  } catch (error) {
    return fail(error);
  }
  executor = new Executor({ ports, config, reporter, observed, who: deps.who, release, lockSignal: lease.signal });
  return {
    observed,
    executor,
    lease,
    planned: (p) => (plan = p),
    finish: (outcome, toDigest, hookFailure) => end(outcome, undefined, toDigest, hookFailure),
    fail,
  };
}

/**
 * The audit entry goes to three places, each on its own, so losing one loses nothing else: the job log (an `audit`
 * line with the whole entry), `SWITCH_STATE_DIR/audit.log` on the balancer (what `status` shows), and the GitHub
 * Deployment's final status (a one-line summary; its log URL is the job). `--json` carries it too. The audit log is a
 * report: rollback and repair decide from the containers (plan.ts releaseState), never from it.
 */
async function recordRun(
  deps: SwitchDeps,
  balancer: Droplet,
  deployment: number | undefined,
  run: { command: string; outcome: Outcome; result: RunResult; message?: string; failure: unknown },
): Promise<AuditEntry> {
  const { ports, reporter } = deps;
  const error = run.failure instanceof Error ? run.failure.message : run.result.hookFailure;
  // Masked field by field before anything serialises it: a secret with a quote or backslash survives no escaping.
  const entry: AuditEntry = (deps.redactData ?? ((v) => v))({
    at: new Date(ports.clock.now()).toISOString(),
    who: deps.who,
    command: run.command,
    outcome: run.result.hookFailure ? `${run.outcome}, postSwitch hook failed` : run.outcome,
    from: run.result.from,
    to: run.result.to,
    durationMs: run.result.durationMs,
    message: run.message,
    error,
  });
  await reporter
    .step("record", "append the audit log and report the deployment", async () => {
      reporter.info(`audit ${JSON.stringify(entry)}`);
      const appended = await ports
        .audit(balancer)
        .append(entry)
        .then(
          () => undefined,
          (e: Error) => e,
        );
      await ports.deployments.finish(deployment, run.failure ? "failure" : "success", entry.error ?? auditSummary(entry));
      if (appended) throw appended;
    })
    .catch((e: Error) => reporter.warn(`could not record the run on the balancer (the job log above keeps the audit line): ${e.message}`));
  return entry;
}

/** One line of an audit entry for a GitHub Deployment status (which keeps 140 characters of it). */
export function auditSummary(entry: AuditEntry): string {
  const version = (side?: AuditEntry["to"]) => (side?.image ? `${side.image}${side.digest?.includes("@") ? ` ${side.digest.split("@")[1].slice(0, 19)}` : ""}` : "nothing");
  return `${entry.outcome}: ${version(entry.to)} (was ${version(entry.from)}) by ${entry.who}`;
}

async function dryRun(deps: SwitchDeps, request: CutoverRequest, release: Release): Promise<RunResult> {
  const { ports, config, reporter } = deps;
  const started = ports.clock.now();
  const observed = await reporter.step("observe", "read droplets, reserved IP, containers and HAProxy", () => observe(ports, config));
  const plan = planCutover(observed, config, release);
  const lines = planSteps(plan).map((s) => describeStep(s, observed));
  reporter.info(
    `plan (dry run, nothing changed): ${
      plan.noop
        ? `${request.image} already serves from PROD`
        : `${plan.to.droplet.name} becomes PROD with ${request.image}; reserved IP ${plan.floatingIp} moves from ${plan.from.droplet.name} to ${plan.to.droplet.name}`
    }`,
  );
  lines.forEach((l, i) => reporter.info(`  ${i + 1}. ${l}`));
  const { app } = release.config;
  reporter.info(
    `configuration (${app.source}): clear ${Object.keys(app.clearEnv).join(", ") || "none"}; secrets ${app.secretNames.join(", ") || "none"} (values never shown); volumes ${
      app.volumes.map((v) => `${v.source}:${v.target}${v.readOnly ? ":ro" : ""}`).join(", ") || "none"
    }`,
  );
  if (observed.lock) reporter.warn(`the deploy lock is held by ${observed.lock.holder?.who ?? "a run whose record cannot be read"}: a real run would wait or fail`);
  return {
    command: "cutover",
    outcome: "planned",
    floatingIp: plan.floatingIp,
    from: side(plan.from.droplet, plan.from.container),
    to: side(plan.to.droplet, plan.to.container, request.image),
    plan: lines,
    durationMs: ports.clock.now() - started,
  };
}

