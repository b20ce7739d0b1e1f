import { CertificateStatus, describeCertificate } from "../core/tls";
import { shortFingerprint } from "../core/app";
import type { Config } from "../core/config";
import { BlueGreenError } from "../core/errors";
import { LABEL, LockHolder, LockReading, ObservedState, WorkerState } from "./model";
import { findBalancer, observe } from "./observe";
import { ReleaseState, diagnose, isArmedOn, isServing, releaseState, runningContainer } from "./plan";
import type { AuditEntry, LockPort, Ports } from "./ports";
import { HostIdentity, describeLock, staleReason } from "./lock";
import { LockHeldError } from "./errors";
import { balancerConfigStatus } from "./balancer";

export interface WorkerReport {
  readonly droplet: string;
  readonly id: number;
  readonly address: string;
  readonly tags: readonly string[];
  readonly container?: {
    readonly name: string;
    readonly image: string;
    readonly digest: string;
    readonly version: string;
    readonly state: string;
    readonly dockerHealth?: string;
    readonly deployedAt?: string;
    /** Short configuration fingerprint (core/app/fingerprint.ts): equal fingerprints, equal configuration. */
    readonly config?: string;
    /** Whether its release finished (it served), as the container records it; "unknown" makes rollback refuse. */
    readonly release: ReleaseState;
  };
  /** Our own probe of the health path through SSH: "200 (v2)", "500", or the error. */
  readonly health: string;
  /** Stopped app containers kept on the droplet (newest first). */
  readonly previous: readonly string[];
}

export interface StatusReport {
  readonly prod?: WorkerReport;
  readonly fallback?: WorkerReport;
  readonly reservedIp: { readonly ip: string; readonly droplet: string | null; readonly region: string };
  readonly haproxy: readonly { readonly server: string; readonly address: string; readonly status: string; readonly admin: string; readonly sessions: number }[];
  /** Judged by the balancer's clock; `detail` says who holds it, or what is wrong with its record. */
  readonly lock: LockReport | null;
  /** Whether a rollback can flip at once: FALLBACK's HAProxy slot is armed on it and its checks pass. */
  readonly rollback: { readonly ready: boolean; readonly detail: string };
  /**
   * Whether HAProxy answers visitors with the maintenance page, and its message. When the map cannot be read, `on` is
   * false, `error` says why, and a finding says it too.
   */
  readonly maintenance: { readonly on: boolean; readonly message?: string; readonly error?: string };
  /**
   * Whether the balancer runs the haproxy.cfg `balancer apply` renders from this configuration. A difference is drift, not
   * an inconsistency of the pair (a cutover works either way); `balancer apply` removes it.
   */
  readonly balancerConfig: { readonly upToDate: boolean; readonly detail: string; readonly error?: string };
  /** TLS=auto only: the certificate the balancer obtained, or why it is still pending (then HTTP keeps serving). */
  readonly certificate?: { readonly state: CertificateStatus["state"]; readonly detail: string };
  readonly consistent: boolean;
  readonly findings: readonly string[];
  readonly audit: readonly AuditEntry[];
}

export interface LockReport {
  readonly holder?: LockHolder;
  /** Why the record cannot be trusted (it can be taken over a TTL after it last changed). */
  readonly problem?: string;
  /** Why it may be taken over, when it may. */
  readonly stale?: string;
  /** Lease expiry minus the balancer's now. */
  readonly expiresInMs?: number;
  /** The balancer's time of the reading. */
  readonly readAt: string;
  readonly detail: string;
}

/** The lock for people and --json: no compare-and-swap token, the balancer's verdict spelled out. */
export function lockReport(lock: LockReading | null, ttlMs: number): LockReport | null {
  if (!lock) return null;
  const { holder, problem, expiresInMs, readAt } = lock;
  return { holder, problem, stale: staleReason(lock, ttlMs), expiresInMs, readAt, detail: describeLock(lock, ttlMs) };
}

async function report(ports: Ports, config: Config, worker: WorkerState | undefined, observed: ObservedState): Promise<WorkerReport | undefined> {
  if (!worker) return undefined;
  const c = runningContainer(worker);
  let health = "no running container";
  if (c) {
    health = await ports.health.probe(worker.droplet, config.app.healthPath).then(
      (a) => `${a.status}${a.version ? ` (${a.version})` : ""}`,
      (e: Error) => `unreachable: ${e.message}`,
    );
  }
  return {
    droplet: worker.droplet.name,
    id: worker.droplet.id,
    address: worker.droplet.publicIp,
    tags: worker.droplet.tags,
    container: c && { name: c.name, image: c.image, digest: c.digest, version: c.version, state: c.state, dockerHealth: c.dockerHealth, deployedAt: c.labels[LABEL.deployedAt], config: shortFingerprint(c.labels[LABEL.config]), release: releaseState(c, observed) },
    health,
    previous: worker.containers.filter((x) => !x.running).map((x) => `${x.name} ${x.image}`),
  };
}

/**
 * The maintenance map, or why it cannot be read. Status is what an operator runs when something looks wrong, so one
 * unreadable part must not hide the rest (as with the health probes and the audit tail): the reason becomes a finding.
 * The servers were just read through the same socket, so the usual cause is a haproxy.cfg without the map.
 */
async function maintenanceOf(ports: Ports, observed: ObservedState): Promise<StatusReport["maintenance"]> {
  return ports
    .haproxy(observed.balancer)
    .maintenance()
    .then(
      (m) => (m.on ? { on: true, message: m.message } : { on: false }),
      (e: Error) => ({ on: false, error: e instanceof BlueGreenError ? e.oneLine() : e.message }),
    );
}

/** A pending certificate is not an inconsistency of the pair: the site serves HTTP meanwhile, and the balancer retries. */
async function certificateOf(ports: Ports, config: Config, observed: ObservedState): Promise<StatusReport["certificate"]> {
  if (config.tls.mode !== "auto") return undefined;
  const status = await ports
    .haproxy(observed.balancer)
    .certificate()
    .catch((e: Error): CertificateStatus => ({ state: "pending", since: "-", reason: `its status cannot be read (${e instanceof BlueGreenError ? e.oneLine() : e.message})` }));
  return { state: status.state, detail: describeCertificate(status) };
}

/** Everything an operator needs to know before touching anything. Read-only. */
/** `_self`: kept for callers; the lock is judged by the balancer's clock alone, whoever asks. */
export async function runStatus(ports: Ports, config: Config, _self: HostIdentity, auditLines = 5): Promise<StatusReport> {
  const observed = await observe(ports, config);
  const d = diagnose(observed, config);
  const byTag = (tag: string) => Object.values(observed.workers).find((w) => w.droplet.tags.includes(tag));
  const [prod, fallback, audit, maintenance, balancerConfig, certificate] = await Promise.all([
    report(ports, config, d.roles?.prod ?? byTag(config.tags.prod), observed),
    report(ports, config, d.roles?.fallback ?? byTag(config.tags.fallback), observed),
    ports
      .audit(observed.balancer)
      .tail(auditLines)
      .catch(() => []),
    maintenanceOf(ports, observed),
    balancerConfigStatus(ports, config, observed.balancer, observed.reservedIp.ip).catch((e: Error) => ({
      upToDate: false,
      detail: "unknown",
      error: e instanceof BlueGreenError ? e.oneLine() : e.message,
    })),
    certificateOf(ports, config, observed),
  ]);
  const holderWorker = observed.workers[observed.reservedIp.dropletId ?? -1];
  const findings = [...d.findings];
  if (prod?.container && !prod.health.startsWith("200")) findings.push(`PROD ${prod.droplet} health: ${prod.health}`);
  if (fallback && fallback.container && !fallback.health.startsWith("200")) findings.push(`FALLBACK ${fallback.droplet} health: ${fallback.health} (rollback would be refused)`);
  if (maintenance.error) findings.push(`maintenance mode unknown: ${maintenance.error}`);
  if (d.blocking) findings.push(`fix: ${d.blocking.fix}`);
  const armedSlot = observed.haproxy.find((s) => s.name === d.slots?.fallback);
  const fallbackWorker = d.roles?.fallback;
  const armed = !!fallbackWorker && isArmedOn(armedSlot, fallbackWorker.droplet, config.app.port);
  const rollback = !armed
    ? { ready: false, detail: `no HAProxy slot is armed on FALLBACK${d.slots ? ` (${d.slots.fallback} is not; any switch run arms it)` : ""}` }
    : isServing(armedSlot!)
      ? { ready: true, detail: `HAProxy checks FALLBACK ${fallbackWorker!.droplet.name} at ${armedSlot!.address}:${armedSlot!.port}: ${armedSlot!.status}, check ${armedSlot!.checkStatus ?? "passing"}` }
      : { ready: false, detail: `HAProxy's checks of FALLBACK ${fallbackWorker!.droplet.name} fail: ${armedSlot!.status}, check ${armedSlot!.checkStatus ?? "?"}${armedSlot!.lastCheck ? ` (${armedSlot!.lastCheck})` : ""}` };
  return {
    prod,
    fallback,
    reservedIp: {
      ip: observed.reservedIp.ip,
      droplet: holderWorker?.droplet.name ?? (observed.reservedIp.dropletId === null ? null : String(observed.reservedIp.dropletId)),
      region: observed.reservedIp.region,
    },
    haproxy: observed.haproxy.map((s) => ({ server: s.name, address: `${s.address}:${s.port}`, status: s.status, admin: s.admin, sessions: s.currentSessions })),
    lock: lockReport(observed.lock, config.timing.lockTtlMs),
    rollback,
    maintenance,
    balancerConfig,
    ...(certificate ? { certificate } : {}),
    consistent: findings.length === 0,
    findings,
    audit,
  };
}

export function formatStatus(r: StatusReport): string {
  const worker = (role: string, w?: WorkerReport) =>
    w
      ? [
          `${role.padEnd(8)} ${w.droplet} (${w.id}, ${w.address}) tags [${w.tags.join(", ")}]`,
          `         ${
            w.container
              ? `${w.container.name} ${w.container.image} ${w.container.digest} version ${w.container.version}${w.container.config ? ` config ${w.container.config}` : ""} ${w.container.state}${
                  w.container.dockerHealth ? ` docker-health ${w.container.dockerHealth}` : ""
                }${w.container.release === "finished" ? "" : ` release ${w.container.release.toUpperCase()}`}`
              : "no running app container"
          }; health ${w.health}`,
          ...(w.previous.length ? [`         kept: ${w.previous.join("; ")}`] : []),
        ]
      : [`${role.padEnd(8)} (none)`];
  const lines = [
    ...worker("PROD", r.prod),
    ...worker("FALLBACK", r.fallback),
    `IP       ${r.reservedIp.ip} (${r.reservedIp.region}) → ${r.reservedIp.droplet ?? "unassigned"}`,
    ...r.haproxy.map((s) => `HAProxy  ${s.server.padEnd(9)} ${s.address} ${s.status} (${s.admin}), ${s.sessions} sessions`),
    `rollback ${r.rollback.ready ? "ready" : "NOT READY"}: ${r.rollback.detail}`,
    r.maintenance.error
      ? "maintenance unknown: HAProxy's maintenance map cannot be read (see state)"
      : r.maintenance.on
        ? `maintenance ON: visitors get 503 ("${r.maintenance.message ?? ""}"); the app keeps running — \`maintenance off\` ends it`
        : "maintenance off",
    r.balancerConfig.error
      ? `balancer config: unknown (${r.balancerConfig.error})`
      : r.balancerConfig.upToDate
        ? `balancer config: up to date (${r.balancerConfig.detail})`
        : `balancer config: DIFFERS (${r.balancerConfig.detail}) — run \`npm run switch -- balancer apply\``,
    ...(r.certificate ? [r.certificate.detail] : []),
    `lock     ${r.lock ? `held by ${r.lock.detail}${r.lock.stale ? ` — stale: ${r.lock.stale}` : ""}` : "free"}`,
    r.consistent ? "state    consistent" : `state    INCONSISTENT:\n${r.findings.map((f) => `  - ${f}`).join("\n")}`,
    "audit (latest last):",
    ...(r.audit.length
      ? r.audit.map(
          (a) =>
            `  ${a.at} ${a.who} ${a.command} ${a.outcome}: ${a.detail ?? `${a.from?.image ?? "-"} → ${a.to?.image ?? "-"}`} (${a.durationMs} ms)${a.message ? ` "${a.message}"` : ""}`,
        )
      : ["  (empty)"]),
  ];
  return lines.join("\n");
}

async function balancerLock(ports: Ports, config: Config): Promise<LockPort> {
  return ports.lock(await findBalancer(ports, config));
}

export interface LockStatus {
  readonly holder: LockHolder | null;
  readonly stale: string | null;
  readonly problem?: string;
  /** One line for people: who holds it and since when, or "free". */
  readonly detail: string;
}

export async function lockStatus(ports: Ports, config: Config): Promise<LockStatus> {
  const lock = lockReport(await (await balancerLock(ports, config)).read(), config.timing.lockTtlMs);
  if (!lock) return { holder: null, stale: null, detail: "lock free" };
  return { holder: lock.holder ?? null, stale: lock.stale ?? null, ...(lock.problem ? { problem: lock.problem } : {}), detail: `lock held by ${lock.detail}${lock.stale ? ` — stale: ${lock.stale}` : ""}` };
}

/**
 * Without --force only a stale lock is released (expired by the balancer's clock, or an untrusted record older than the
 * TTL), and only that very lock: the removal compares it with what was judged, in the same flock'ed script, so a run
 * that took the lock over in between keeps it.
 */
export async function lockRelease(ports: Ports, config: Config, force: boolean): Promise<{ released: boolean; holder: LockHolder | null; detail: string }> {
  const ttlMs = config.timing.lockTtlMs;
  const lock = await balancerLock(ports, config);
  const seen = await lock.read();
  if (!seen) return { released: false, holder: null, detail: "lock was free" };
  const shown = describeLock(seen, ttlMs);
  if (force) {
    const released = await lock.release(null, true);
    return { released, holder: seen.holder ?? null, detail: released ? `released the lock held by ${shown}` : "lock was free" };
  }
  if (!staleReason(seen, ttlMs)) throw new LockHeldError(`deploy lock held by ${shown}, which may still be running`, "wait for it; if you are sure it died, add --force");
  const { released, current } = await lock.releaseIfUnchanged(seen);
  if (!released && current)
    throw new LockHeldError(`the deploy lock changed while it was being released (now ${describeLock(current, ttlMs)}): nothing was removed`, "run `npm run switch -- lock status` and decide again");
  return { released, holder: seen.holder ?? null, detail: released ? `released the lock held by ${shown}` : "lock was free" };
}
