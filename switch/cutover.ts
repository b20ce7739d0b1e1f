import type { Config } from "../core/config";
import { BlueGreenError, InternalError } from "../core/errors";
import { ImageRejectedError } from "./errors";
import { Executor } from "./execute";
import { parseImageRef } from "./image-ref";
import { HostIdentity, acquireLock } from "./lock";
import { AppContainer, Droplet, LABEL, LockHolder, ObservedState, Plan, Step } from "./model";
import { findBalancer, observe } from "./observe";
import { describeStep, planCutover, planRollback } from "./plan";
import type { AuditEntry, Ports } from "./ports";
import type { Reporter } from "./progress";

export interface SwitchDeps {
  readonly ports: Ports;
  readonly config: Config;
  readonly reporter: Reporter;
  /** user@host or CI job: who is doing this, for the lock, labels and audit log. */
  readonly who: string;
  readonly self: HostIdentity;
}

export interface Side {
  readonly droplet: string;
  readonly image?: string;
  readonly digest?: string;
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
}

export interface CutoverRequest {
  readonly image: string;
  readonly message?: string;
  readonly dryRun?: boolean;
}

const FLIP_STEPS: ReadonlySet<Step["name"]> = new Set(["route-to-spare", "drain", "move-ip"]);
const FALLBACK_STEPS: ReadonlySet<Step["name"]> = new Set(["pull", "start", "gate"]);

const side = (droplet: Droplet, container?: AppContainer, image?: string, digest?: string): Side => ({
  droplet: droplet.name,
  image: image ?? container?.image,
  digest: digest ?? container?.digest ?? container?.labels[LABEL.digest],
});

/**
 * The cutover, in one place:
 *   lock → observe → plan → [repair] → pull → start → gate → route-to-spare → drain → move-ip
 *   → restore-floating → release-spare → retag → verify → prune → record → unlock
 * A failure before the flip restores FALLBACK and leaves PROD untouched; a failed verification
 * flips back to the old PROD, which still runs the previous version.
 */
export async function runCutover(deps: SwitchDeps, request: CutoverRequest): Promise<RunResult> {
  parseImageRef(request.image);
  if (request.dryRun) return dryRun(deps, request);
  return withLockAndRecord(deps, "cutover", request, async (observed, executor, planned) => {
    const plan = planCutover(observed, deps.config, { image: request.image });
    planned(plan);
    if (plan.noop) deps.reporter.info(`${request.image} already serves from PROD ${plan.to.droplet.name}: verifying only`);
    try {
      await runSteps(deps, executor, plan);
    } catch (error) {
      if (!(error instanceof VerificationFailed)) throw error;
      await deps.reporter.step("rollback", `flip back to ${plan.from.droplet.name}, which still runs the previous version`, async () => {
        for (const step of plan.rollbackSteps) await executor.run(step);
      });
      await executor.restoreFallback().catch((e: Error) => deps.reporter.warn(`could not restore the previous container on ${plan.to.droplet.name}: ${e.message}`));
      throw new ImageRejectedError(
        `${request.image} failed verification and was rolled back to ${plan.from.container?.image ?? plan.from.droplet.name} (${error.reason.message})`,
        error.reason.fix,
        { cause: error.reason },
      );
    }
    return { plan, outcome: plan.noop ? "already-live" : "deployed", toDigest: executor.digestOn(plan.to.droplet.id) };
  });
}

/** Flip back to FALLBACK, which still runs the previous version: no pull, seconds. */
export async function runRollback(deps: SwitchDeps): Promise<RunResult> {
  return withLockAndRecord(deps, "rollback", {}, async (observed, executor, planned) => {
    const plan = planRollback(observed, deps.config);
    planned(plan);
    await runSteps(deps, executor, plan);
    return { plan, outcome: "rolled-back" };
  });
}

class VerificationFailed extends Error {
  constructor(readonly reason: BlueGreenError) {
    super(reason.message);
  }
}

async function runSteps(deps: SwitchDeps, executor: Executor, plan: Plan): Promise<void> {
  for (const step of plan.steps) {
    try {
      await executor.run(step);
    } catch (error) {
      if (FALLBACK_STEPS.has(step.name) && plan.kind === "cutover") {
        // PROD was never touched: put FALLBACK back as it was, so rollback still has the previous version.
        await executor.restoreFallback().catch((e: Error) => deps.reporter.warn(`could not restore FALLBACK: ${e.message}`));
      } else if (FLIP_STEPS.has(step.name)) {
        // The IP has not moved (or the move failed): send traffic back through the floating slot.
        const restored = await executor
          .run({ name: "repair", actions: [{ kind: "restore-haproxy", why: `${step.name} failed: routing traffic back through the floating slot` }] })
          .then(
            () => true,
            (e: Error) => (deps.reporter.warn(`HAProxy left mid-flip (${e.message}); \`npm run switch -- status\` explains it and a re-run repairs it`), false),
          );
        // Once users are back on PROD, FALLBACK gets its previous version back too, so rollback means what it says.
        // Not while an assign may still land on FALLBACK: the IP must never point at a stopped container.
        if (restored && plan.kind === "cutover" && (await ipStayedOn(deps, plan)))
          await executor.restoreFallback().catch((e: Error) => deps.reporter.warn(`could not restore FALLBACK: ${e.message}`));
      }
      // Only a plan that can flip back turns a failed verification into a rollback; otherwise the reason itself is the error.
      if (step.name === "verify" && error instanceof BlueGreenError && plan.rollbackSteps.length > 0) throw new VerificationFailed(error);
      throw error;
    }
  }
}

async function ipStayedOn(deps: SwitchDeps, plan: Plan): Promise<boolean> {
  const ip = await deps.ports.digitalocean.getReservedIp(plan.floatingIp).catch(() => undefined);
  return !!ip && !ip.locked && ip.dropletId === plan.from.droplet.id;
}

interface Executed {
  readonly plan: Plan;
  readonly outcome: Outcome;
  readonly toDigest?: string;
}

async function withLockAndRecord(
  deps: SwitchDeps,
  command: "cutover" | "rollback",
  request: Partial<CutoverRequest>,
  body: (observed: ObservedState, executor: Executor, planned: (plan: Plan) => void) => Promise<Executed>,
): Promise<RunResult> {
  const { ports, config, reporter } = deps;
  const started = ports.clock.now();
  let balancer: Droplet | undefined;
  const holder: LockHolder = await reporter.step("lock", "take the deploy lock on the HAProxy droplet", async () => {
    balancer = await findBalancer(ports, config);
    return acquireLock(
      ports.lock(balancer),
      { who: deps.who, command, image: request.image, message: request.message, ttlMs: config.timing.lockTtlMs },
      ports.clock,
      deps.self,
      (l) => reporter.warn(l),
    );
  });
  let observed: ObservedState | undefined;
  let executed: Executed | undefined;
  // Known once planned, so even a failed run's audit line says from what to what.
  let plan: Plan | undefined;
  let failure: unknown;
  const deployment = command === "cutover" ? await ports.deployments.start(request.image!, request.message ?? `deploy ${request.image}`) : undefined;
  try {
    observed = await reporter.step("observe", "read droplets, reserved IP, containers and HAProxy", () => observe(ports, config, balancer));
    const executor = new Executor({ ports, config, reporter, observed, who: deps.who });
    executed = await body(observed, executor, (p) => (plan = p));
  } catch (error) {
    failure = error;
  }
  const durationMs = ports.clock.now() - started;
  const outcome: Outcome = executed?.outcome ?? (failure instanceof ImageRejectedError ? "rejected" : "failed");
  const result: RunResult = {
    command,
    outcome,
    floatingIp: observed?.reservedIp.ip,
    from: plan ? side(plan.from.droplet, plan.from.container) : undefined,
    to: plan ? side(plan.to.droplet, plan.to.container, plan.to.image, executed?.toDigest) : request.image ? { droplet: "", image: request.image } : undefined,
    durationMs,
  };
  await reporter
    .step("record", "append the audit log and report the deployment", async () => {
      const entry: AuditEntry = {
        at: new Date(ports.clock.now()).toISOString(),
        who: deps.who,
        command,
        outcome,
        from: result.from,
        to: result.to,
        durationMs,
        message: request.message,
        error: failure instanceof Error ? failure.message : undefined,
      };
      await ports.audit(balancer!).append(entry);
      await ports.deployments.finish(
        deployment,
        failure ? "failure" : "success",
        failure instanceof Error ? failure.message.slice(0, 140) : `${outcome} ${request.image ?? result.to?.image ?? ""}`.trim(),
      );
    })
    .catch((e: Error) => reporter.warn(`could not record the run: ${e.message}`));
  await reporter
    .step("unlock", "release the deploy lock", async () => void (await ports.lock(balancer!).release(holder.id, false)))
    .catch((e: Error) => reporter.warn(`could not release the deploy lock (it expires at ${holder.expiresAt}): ${e.message}`));
  if (failure !== undefined) throw failure;
  if (!executed) throw new InternalError("the run ended without a result");
  return result;
}

async function dryRun(deps: SwitchDeps, request: CutoverRequest): Promise<RunResult> {
  const { ports, config, reporter } = deps;
  const started = ports.clock.now();
  const observed = await reporter.step("observe", "read droplets, reserved IP, containers and HAProxy", () => observe(ports, config));
  const plan = planCutover(observed, config, { image: request.image });
  const lines = plan.steps.map((s) => describeStep(s, observed));
  reporter.info(
    `plan (dry run, nothing changed): ${
      plan.noop
        ? `${request.image} already serves from PROD`
        : `${plan.to.droplet.name} becomes PROD with ${request.image}; reserved IP ${plan.floatingIp} moves from ${plan.from.droplet.name} to ${plan.to.droplet.name}`
    }`,
  );
  lines.forEach((l, i) => reporter.info(`  ${i + 1}. ${l}`));
  if (observed.lock) reporter.warn(`the deploy lock is held by ${observed.lock.who}: a real run would wait or fail`);
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
