import type { HookPhase } from "../core/app";

/**
 * Pure data shared by observe, plan and execute. Nothing here talks to the network.
 */

export interface Droplet {
  readonly id: number;
  readonly name: string;
  readonly tags: readonly string[];
  readonly region: string;
  readonly publicIp: string;
  /** VPC address, when the droplet has one. */
  readonly privateIp?: string;
}

/** The address other machines in the region use to reach a droplet's app: the VPC address if any, else the public one. */
export function ownAddress(droplet: Droplet): string {
  return droplet.privateIp || droplet.publicIp;
}

export const LABEL = {
  app: "do-bluegreen.app",
  image: "do-bluegreen.image",
  version: "do-bluegreen.version",
  digest: "do-bluegreen.digest",
  deployedBy: "do-bluegreen.deployed-by",
  deployedAt: "do-bluegreen.deployed-at",
  /** The configuration's fingerprint (core/app/fingerprint.ts): salted scrypt, so no secret can be recovered from it. */
  config: "do-bluegreen.config",
  /** On an `exec` one-off: the app container it runs beside (never on an app container). */
  oneOff: "do-bluegreen.one-off",
  /** On a hook's one-off container (never an app container): which hook it ran. */
  hook: "do-bluegreen.hook",
  /** Id of the container this one replaced on the same droplet: what a failed gate restores. */
  replaces: "do-bluegreen.replaces",
  /**
   * Where the container records whether its release finished (switch/plan.ts releaseState): `name`, its name ends in
   * PENDING_SUFFIX until the release finished. Labels cannot change after create; a name can (docker rename).
   */
  history: "do-bluegreen.history",
} as const;

/** LABEL.history's value on containers whose name records their release: `<app>-<8 hex>.pending` until it finished. */
export const HISTORY_IN_NAME = "name";
export const PENDING_SUFFIX = ".pending";
/** On a container started before release marks (no LABEL.history): its release finished (it served), marked by rename. */
export const FINISHED_SUFFIX = ".finished";

export interface AppContainer {
  readonly id: string;
  readonly name: string;
  /** The reference it was started from (label), falling back to Docker's image field. */
  readonly image: string;
  readonly imageId: string;
  readonly digest: string;
  readonly version: string;
  readonly running: boolean;
  /** Docker's own state: running, exited, created, restarting... */
  readonly state: string;
  readonly exitCode?: number;
  /** How often Docker restarted it: a container that dies at start and is restarted by its policy looks "running" in between. */
  readonly restartCount?: number;
  /** Docker HEALTHCHECK status when the image defines one. */
  readonly dockerHealth?: string;
  readonly createdAt: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface WorkerState {
  readonly droplet: Droplet;
  /** Newest first. */
  readonly containers: readonly AppContainer[];
}

export interface ReservedIp {
  readonly ip: string;
  readonly region: string;
  readonly dropletId: number | null;
  readonly locked: boolean;
}

export type AdminState = "ready" | "drain" | "maint";

export interface HaproxyServer {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** show stat status: UP, DOWN, MAINT, DRAIN, NOLB, "UP 1/3"... */
  readonly status: string;
  readonly admin: AdminState;
  readonly currentSessions: number;
  /** show stat check_status: INI before the first check, L7OK/L4OK when passing, L4CON, L7STS... when failing. */
  readonly checkStatus?: string;
  /** show stat last_chk: the failing check's detail ("Connection refused", "HTTP status check returned code <500>"). */
  readonly lastCheck?: string;
  /** Cumulative traffic counters from show stat, for the bake window's error rate. Absent when HAProxy did not report them. */
  readonly traffic?: TrafficCounters;
}

/** Per-server counters from `show stat`; only their differences over a window mean anything. */
export interface TrafficCounters {
  /** hrsp_1xx..hrsp_5xx + hrsp_other: responses the server sent. */
  readonly responses: number;
  /** hrsp_5xx. */
  readonly serverErrors: number;
  /** econ + eresp: connections that failed or died before a response. */
  readonly connectionErrors: number;
  /** rtime: average response time over the last 1024 requests, ms. */
  readonly responseTimeMs: number;
}

/** Who asks for the deploy lock: what the holder record says. Its times are the balancer's to write. */
export interface LockClaim {
  readonly id: string;
  readonly who: string;
  /** For people only (which machine, which process): staleness is never inferred from them. */
  readonly host: string;
  readonly pid: number;
  readonly command: string;
  readonly image?: string;
  readonly message?: string;
}

export interface LockHolder extends LockClaim {
  /** By the balancer's clock, like every lock time: the one clock every run reads. */
  readonly acquiredAt: string;
  readonly expiresAt: string;
  /** The holder's last renewal (balancer clock). */
  readonly renewedAt?: string;
}

/** The deploy lock as one flock'ed script on the balancer read it, judged by the balancer's clock. */
export interface LockReading {
  /** Absent when the holder record is missing or unreadable; `problem` then says which. */
  readonly holder?: LockHolder;
  /** Why the record cannot be trusted (no holder file, invalid JSON, no lease): such a lock is stale once older than the TTL. */
  readonly problem?: string;
  /** The balancer's time of the reading. */
  readonly readAt: string;
  /** The lease's expiry minus the balancer's now: 0 or less means expired. Undefined when there is no valid lease. */
  readonly expiresInMs?: number;
  /** Since the lock last changed (taken or renewed), by the balancer's clock. */
  readonly ageMs: number;
  /** Opaque: what a takeover or a stale release must still find for it to act (compare-and-swap). */
  readonly version: string;
}

export interface ObservedState {
  /** Droplets carrying the PROD tag / the FALLBACK tag, as tagged (may overlap while a retag was interrupted). */
  readonly taggedProd: readonly Droplet[];
  readonly taggedFallback: readonly Droplet[];
  readonly balancer: Droplet;
  readonly reservedIp: ReservedIp;
  /** By droplet id. */
  readonly workers: Readonly<Record<number, WorkerState>>;
  readonly haproxy: readonly HaproxyServer[];
  readonly lock: LockReading | null;
  /** Time of the newest audit line: a container deployed after it belongs to a run that never finished. */
  readonly lastAuditAt?: string;
}

/** Which droplet is PROD is decided by where the reserved IP points; tags follow. */
export interface Roles {
  readonly prod: WorkerState;
  readonly fallback: WorkerState;
}

export type RepairAction =
  | { readonly kind: "retag"; readonly prodId: number; readonly fallbackId: number; readonly why: string }
  /**
   * HAProxy's slots back to rest: `prodSlot` pinned to PROD's own address and serving, `fallbackSlot` pinned to
   * FALLBACK's and armed (drain). Covers a new balancer (a slot still through the reserved IP), an interrupted flip and a
   * replaced worker. A slot is re-pointed only once no request is in flight on it.
   */
  | {
      readonly kind: "settle-slots";
      readonly prodSlot: string;
      readonly fallbackSlot: string;
      readonly prodAddress: string;
      readonly fallbackAddress: string;
      readonly port: number;
      readonly why: string;
    }
  /**
   * The reserved IP points at no droplet (the droplet holding it was replaced, or it was unassigned): it goes to the one
   * PROD-tagged worker that runs the app, once that worker's health path answers 200, and HAProxy's checks through it pass.
   */
  | { readonly kind: "assign-ip"; readonly ip: string; readonly dropletId: number; readonly why: string }
  /** FALLBACK's app container was stopped, not removed: it runs again (health-gated) and its slot is re-armed on it. */
  | { readonly kind: "start-previous"; readonly dropletId: number; readonly containerId: string; readonly slot: string; readonly address: string; readonly port: number; readonly why: string };

/**
 * What `switch repair` does, as data: the safe repairs, and with `--image` the previous version redeployed on a FALLBACK
 * that lost it (pull, start, gate, arm its slot; undone by restore-fallback).
 */
export interface RepairPlan {
  readonly groups: readonly StepGroup[];
  /** What no repair decides alone (a FALLBACK without the previous version): the run ends with exit 2 and this fix. */
  readonly unresolved?: { readonly message: string; readonly fix: string };
  /** The image the audit log says served before PROD's: what `--image` would put back on FALLBACK. */
  readonly previousImage?: string;
}

/** One executable step. Names are the stable identifiers printed as `step <name> ...`. */
export type Step =
  | { readonly name: "repair"; readonly actions: readonly RepairAction[] }
  | { readonly name: "pull"; readonly dropletId: number; readonly image: string }
  /** A one-off container of the release (its image, environment and volumes) running the app's hook command. */
  | { readonly name: "hook"; readonly phase: HookPhase; readonly dropletId: number }
  | { readonly name: "start"; readonly dropletId: number; readonly image: string }
  /**
   * `slot` in `drain` on a droplet's own address: HAProxy health-checks it and sends it nothing. `fresh`: its container
   * just started, so only checks from now on count (the health verdict is reset, idle connections to the old one dropped).
   */
  | { readonly name: "arm"; readonly slot: string; readonly dropletId: number; readonly address: string; readonly port: number; readonly fresh: boolean }
  | { readonly name: "gate"; readonly dropletId: number }
  /** Once HAProxy's own checks pass on `slot` (armed on `dropletId`): `<slot> ready; <from> drain` in one runtime command. */
  | { readonly name: "hand-over"; readonly dropletId: number; readonly slot: string; readonly from: string }
  /** Waits until `slot` has no session (before its droplet's container is replaced); at the drain deadline the rest are closed and counted. */
  | { readonly name: "drain"; readonly slot: string }
  /** The reserved IP marks PROD; no request goes through it, so moving it touches no traffic. */
  | { readonly name: "move-ip"; readonly ip: string; readonly toDropletId: number }
  | { readonly name: "retag"; readonly prodId: number; readonly fallbackId: number }
  /** `bake`: after a new release's hand-over, the step lasts until SWITCH_BAKE_SECONDS end (a rollback's target needs no bake). */
  | { readonly name: "verify"; readonly dropletId: number; readonly url: string; readonly bake: boolean }
  | { readonly name: "prune"; readonly dropletId: number; readonly keep: number }
  /**
   * The release finished: the running app containers on these droplets served users (the new release verified, the
   * previous one live before it), so their names say so from now on (switch/plan.ts releaseState).
   */
  | { readonly name: "finish"; readonly dropletIds: readonly number[] }
  /** Rollback after an interrupted cutover: FALLBACK's unfinished container goes, the one it replaced runs again. */
  | { readonly name: "restore-previous"; readonly dropletId: number; readonly remove: string; readonly start: readonly string[] }
  /** Undo of `start`: the new container goes, the one it stopped runs again. */
  | { readonly name: "restore-fallback"; readonly dropletId: number }
  /** Every new request back to `slot`, still armed on `dropletId`: `<slot> ready; <from> drain` in one runtime command. */
  | { readonly name: "hand-back"; readonly dropletId: number; readonly slot: string; readonly from: string };

/**
 * Steps that run together, with what undoes them if one fails. `watched`: the new release already serves,
 * so HAProxy's view of it (slot DOWN, error rate) can also trigger the undo, not only a failed step.
 */
export interface StepGroup {
  readonly steps: readonly Step[];
  readonly undo: readonly Step[];
  readonly watched: boolean;
  /** "report": a failure is reported and the run goes on (the postSwitch hook never rolls back). @default "undo" */
  readonly onFailure?: "undo" | "report";
}

export type StepName = Step["name"];

export interface Plan {
  readonly kind: "cutover" | "rollback";
  /** "noop": the requested image already serves from PROD; only repairs and verification run. */
  readonly noop: boolean;
  readonly from: { readonly droplet: Droplet; readonly container?: AppContainer };
  readonly to: { readonly droplet: Droplet; readonly image: string; readonly container?: AppContainer };
  readonly floatingIp: string;
  /** Run in order; a failure runs the failing group's undo and ends the run. */
  readonly groups: readonly StepGroup[];
}

export const planSteps = (plan: Pick<Plan, "groups">): Step[] => plan.groups.flatMap((g) => g.steps);

export interface Diagnosis {
  /** Undefined when roles cannot be decided (then `blocking` says why). */
  readonly roles?: Roles;
  /** HAProxy's slots by role (after this diagnosis's repairs): PROD's serves, FALLBACK's is armed. */
  readonly slots?: { readonly prod: string; readonly fallback: string };
  readonly repairs: readonly RepairAction[];
  /** Things status reports; repairs are also listed here. */
  readonly findings: readonly string[];
  /** A problem no automatic repair can fix: the switch refuses to change anything. */
  readonly blocking?: { readonly message: string; readonly fix: string };
}
