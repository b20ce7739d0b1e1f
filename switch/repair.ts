import type { Config } from "../core/config";
import { InconsistentStateError, LockLostError } from "./errors";
import { Executor } from "./execute";
import { parseImageRef } from "./image-ref";
import type { SwitchDeps } from "./cutover";
import { Lease, acquireLock } from "./lock";
import type { Droplet, ObservedState, RepairPlan, StepGroup } from "./model";
import { balancerAmong, observe } from "./observe";
import { describeRepair, planRepair } from "./plan";
import type { AuditEntry, Ports } from "./ports";
import { Release, releaseOf } from "./release";

/** How many audit lines a repair reads to find the image that served before PROD's. */
export const REPAIR_AUDIT_LINES = 50;

/** A repair needs what a cutover needs: ports, configuration, reporter, who, and the lock's timer. */
export type RepairDeps = SwitchDeps;

export interface RepairRequest {
  /** Print what would be done and why; change nothing (not even the lock). */
  readonly dryRun?: boolean;
  /** Redeploy this image on a FALLBACK that lost the previous version (a replaced worker). */
  readonly image?: string;
  /** The declared secrets' values: only `--image` starts a container, so only it needs them. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Why, for the lock and the audit log. */
  readonly message?: string;
}

export interface RepairResult {
  readonly command: "repair";
  /** repaired: something changed; consistent: nothing to repair; planned: a dry run. */
  readonly outcome: "repaired" | "consistent" | "planned";
  /** Each change, in order, with why: what --dry-run prints. */
  readonly plan: readonly string[];
  /** What the repair leaves to a person (FALLBACK without the previous version): a real run exits 2 with this. */
  readonly unresolved?: { readonly message: string; readonly fix: string };
  /** What `--image` would redeploy on FALLBACK, from the audit log. */
  readonly previousImage?: string;
  readonly floatingIp: string;
  readonly durationMs: number;
}

/**
 * Each change as a line, with why: a repair action says what it does and why; the redeploy of the previous version on
 * FALLBACK (pull, start, gate, arm) is one line.
 */
export function describeRepairPlan(plan: RepairPlan, observed: ObservedState, config: Pick<Config, "app">, release?: Release): string[] {
  return plan.groups.flatMap((group) =>
    group.steps.flatMap((step) => {
      if (step.name === "repair") return step.actions.map((a) => `${describeRepair(a, observed)} — because ${a.why}`);
      if (step.name !== "pull") return [];
      const fallback = observed.workers[step.dropletId]?.droplet.name ?? String(step.dropletId);
      return [
        `redeploy ${step.image} on FALLBACK ${fallback}: pull, start (with today's configuration${release?.config.app.hooks.preSwitch ? "; no hook runs" : ""}), wait until it answers 200, arm its HAProxy slot on it — because FALLBACK ${fallback} runs no ${config.app.name} container, so rollback had nothing to flip to`,
      ];
    }),
  );
}

async function observeForRepair(ports: Ports, config: Config, droplets?: readonly Droplet[]): Promise<{ observed: ObservedState; audit: AuditEntry[] }> {
  const observed = await observe(ports, config, droplets);
  return { observed, audit: await ports.audit(observed.balancer).tail(REPAIR_AUDIT_LINES) };
}

/**
 * `switch repair`: lock → observe (and the audit log) → the repair plan → its steps → record → unlock. Converges what a
 * replaced worker or an interrupted run left (an unassigned reserved IP, two PROD tags, a half-done retag, HAProxy's
 * slots, a stopped previous version) from the observed state alone, and reports what needs a person with the fix.
 */
export async function runRepair(deps: RepairDeps, request: RepairRequest = {}): Promise<RepairResult> {
  const { ports, config, reporter } = deps;
  if (request.image) parseImageRef(request.image);
  const release = request.image ? releaseOf(config, request.image, request.secrets ?? {}) : undefined;
  const started = ports.clock.now();
  if (request.dryRun) {
    const { observed, audit } = await reporter.step("observe", "read droplets, reserved IP, containers, HAProxy and the audit log", () => observeForRepair(ports, config));
    const plan = planRepair(observed, config, { release, audit });
    const lines = describeRepairPlan(plan, observed, config, release);
    reporter.info(lines.length ? "repair plan (dry run, nothing changed):" : "nothing to repair (dry run)");
    lines.forEach((l, i) => reporter.info(`  ${i + 1}. ${l}`));
    if (plan.unresolved) reporter.info(`then it stops (exit 2): ${plan.unresolved.message} — fix: ${plan.unresolved.fix}`);
    if (observed.lock) reporter.warn("the deploy lock is held: a real run would wait or fail");
    return { command: "repair", outcome: "planned", plan: lines, ...unresolvedOf(plan), floatingIp: observed.reservedIp.ip, durationMs: ports.clock.now() - started };
  }

  let droplets: Droplet[] = [];
  let balancer: Droplet | undefined;
  const holder = await reporter.step("lock", "take the deploy lock on the HAProxy droplet", async () => {
    droplets = await ports.digitalocean.listDroplets();
    balancer = balancerAmong(droplets, config);
    return acquireLock(ports.lock(balancer), { who: deps.who, command: "repair", image: request.image, message: request.message, ttlMs: config.timing.lockTtlMs }, ports.clock, deps.self, (l) =>
      reporter.warn(l),
    );
  });
  const lease = new Lease(ports.lock(balancer!), holder, ports.clock, { ttlMs: config.timing.lockTtlMs, warn: (l) => reporter.warn(l), timer: deps.lockTimer });
  lease.start();
  let lines: string[] = [];
  let changed = false;
  let unresolved = false;
  let failure: unknown;
  try {
    const { observed, audit } = await reporter.step("observe", "read droplets, reserved IP, containers, HAProxy and the audit log", () => observeForRepair(ports, config, droplets));
    const plan = planRepair(observed, config, { release, audit });
    lines = describeRepairPlan(plan, observed, config, release);
    const executor = new Executor({ ports, config, reporter, observed, who: deps.who, release, lockSignal: lease.signal });
    for (const group of plan.groups) {
      changed = true;
      await runGroup(deps, executor, lease, group);
    }
    unresolved = !!plan.unresolved;
    if (plan.unresolved)
      throw new InconsistentStateError(`${plan.unresolved.message}${changed ? " (the other repairs were made)" : ""}`, plan.unresolved.fix);
    if (!changed) reporter.info("nothing to repair: the droplets, tags, reserved IP and HAProxy agree");
    return { command: "repair", outcome: changed ? "repaired" : "consistent", plan: lines, ...unresolvedOf(plan), floatingIp: observed.reservedIp.ip, durationMs: ports.clock.now() - started };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    lease.stop();
    // A repair that changed nothing leaves no audit line.
    if (changed) await record(deps, balancer!, { started, request, lines, failure, unresolved });
    await reporter
      .step("unlock", "release the deploy lock", async () => void (await ports.lock(balancer!).release(holder.id, false)))
      .catch((e: Error) => reporter.warn(`could not release the deploy lock (it expires at ${lease.holder.expiresAt}): ${e.message}`));
  }
}

const unresolvedOf = (plan: RepairPlan) => ({ ...(plan.unresolved ? { unresolved: plan.unresolved } : {}), ...(plan.previousImage ? { previousImage: plan.previousImage } : {}) });

/**
 * Runs a group's steps, renewing the lock before each; a failure runs its undo (stopping at the undo's first failure,
 * which it reports) and is rethrown, unless the group only reports. A lost lock is no failure to undo: the run stops
 * before its next change.
 */
async function runGroup(deps: RepairDeps, executor: Executor, lease: Lease, group: StepGroup): Promise<void> {
  try {
    for (const step of group.steps) await executor.run(step, () => lease.renew());
  } catch (error) {
    if (error instanceof LockLostError) throw error;
    if (group.onFailure === "report") return deps.reporter.warn(`${(error as Error).message} (the repair stands; the next run retries it)`);
    for (const step of group.undo) {
      try {
        await executor.run(step);
      } catch (e) {
        deps.reporter.warn(`undo step ${step.name} failed (${(e as Error).message}); \`npm run switch -- status\` explains the state`);
        break;
      }
    }
    throw error;
  }
}

async function record(
  deps: RepairDeps,
  balancer: Droplet,
  run: { started: number; request: RepairRequest; lines: readonly string[]; failure: unknown; unresolved: boolean },
): Promise<void> {
  const { ports, reporter } = deps;
  // Masked field by field before anything serialises it, as a cutover's (a --message could carry a secret).
  const entry: AuditEntry = (deps.redactData ?? ((v) => v))({
    at: new Date(ports.clock.now()).toISOString(),
    who: deps.who,
    command: "repair",
    outcome: run.failure === undefined ? "repaired" : run.unresolved ? "repaired, rollback unavailable" : "failed",
    durationMs: ports.clock.now() - run.started,
    message: run.request.message,
    detail: run.lines.map((l) => l.split(" — because ")[0]).join("; ") || "nothing",
    ...(run.failure === undefined ? {} : { error: run.failure instanceof Error ? run.failure.message : String(run.failure) }),
  });
  await reporter
    .step("record", "append the audit log", () => ports.audit(balancer).append(entry))
    .catch((e: Error) => reporter.warn(`could not append the audit line: ${e.message}`));
}

/** The CLI's summary line. */
export function formatRepair(r: RepairResult): string {
  if (r.outcome === "planned")
    return r.plan.length || r.unresolved ? `dry run, nothing changed: ${r.plan.length} repair(s) planned${r.unresolved ? `, then exit 2: ${r.unresolved.message}` : ""}` : "dry run: nothing to repair";
  if (r.outcome === "consistent") return "nothing to repair";
  return `repaired (${r.plan.length} change(s), ${r.durationMs} ms): ${r.plan.map((l) => l.split(" — because ")[0]).join("; ")}`;
}
