import type { Config } from "../core/config";
import { UsageError } from "../core/errors";
import { InconsistentStateError } from "./errors";
import { isSameRelease, Release } from "./release";
import {
  AppContainer,
  Diagnosis,
  Droplet,
  FINISHED_SUFFIX,
  HISTORY_IN_NAME,
  HaproxyServer,
  LABEL,
  ObservedState,
  PENDING_SUFFIX,
  Plan,
  RepairAction,
  RepairPlan,
  Roles,
  Step,
  StepGroup,
  WorkerState,
  ownAddress,
} from "./model";
import type { AuditEntry } from "./ports";

/**
 * Pure decisions: given what was observed and the configuration, what is wrong, and which steps
 * (as data) bring REF live. No I/O here, so every branch is a table row in plan.test.ts.
 */

export type PlanConfig = Pick<Config, "app" | "tags" | "haproxy" | "publicUrl" | "digitalocean" | "tls">;

const names = (ds: readonly Droplet[]) => ds.map((d) => `${d.name} (${d.id})`).join(", ");

function uniqueWorkers(observed: ObservedState): Droplet[] {
  const byId = new Map<number, Droplet>();
  for (const d of [...observed.taggedProd, ...observed.taggedFallback]) byId.set(d.id, d);
  return [...byId.values()];
}

export function runningContainer(worker: WorkerState) {
  return worker.containers.find((c) => c.running);
}

/** Whether a container's release finished (it served users), as the container itself records it. */
export type ReleaseState = "finished" | "unfinished" | "unknown";

/**
 * From the container itself, never from the audit log: a container started by a cutover carries
 * `do-bluegreen.history=name` and a name ending in `.pending`, which the run's `finish` step removes once the release
 * served. One started before release marks carries no such label: it is finished when its name ends in `.finished`
 * (a `finish` step or a person renamed it); otherwise only the audit log's newest line can tell (deployed after it:
 * unfinished), and without that line its state is unknown, which rollback and repair refuse to guess.
 */
export function releaseState(container: AppContainer, observed: Pick<ObservedState, "lastAuditAt">): ReleaseState {
  if (container.labels[LABEL.history] === HISTORY_IN_NAME) return container.name.endsWith(PENDING_SUFFIX) ? "unfinished" : "finished";
  if (container.name.endsWith(FINISHED_SUFFIX)) return "finished";
  const deployedAt = container.labels[LABEL.deployedAt];
  if (!deployedAt) return "finished";
  if (!observed.lastAuditAt) return "unknown";
  return deployedAt > observed.lastAuditAt ? "unfinished" : "finished";
}

/** A container a cutover started but never finished: not a "previous version" anyone has seen live. */
export function isUnfinished(container: AppContainer, observed: Pick<ObservedState, "lastAuditAt">): boolean {
  return releaseState(container, observed) === "unfinished";
}

/** The name that records `container` as finished, or undefined when it already does. */
export function finishedName(container: Pick<AppContainer, "name" | "labels">): string | undefined {
  if (container.labels[LABEL.history] === HISTORY_IN_NAME) return container.name.endsWith(PENDING_SUFFIX) ? container.name.slice(0, -PENDING_SUFFIX.length) : undefined;
  return container.name.endsWith(FINISHED_SUFFIX) ? undefined : `${container.name}${FINISHED_SUFFIX}`;
}

/** Refuses to decide on a container whose history is unknown, with the way to tell the switch. */
export function refuseUnknownHistory(container: AppContainer, worker: WorkerState, observed: Pick<ObservedState, "lastAuditAt">, deciding: string): void {
  if (releaseState(container, observed) !== "unknown") return;
  throw new InconsistentStateError(
    `cannot ${deciding}: ${worker.droplet.name} runs ${container.name} (${container.image}), started before release marks, and the audit log that would say whether its release finished is gone`,
    `if it served users before, mark it on ${worker.droplet.name}: docker rename ${container.name} ${container.name}${FINISHED_SUFFIX}; otherwise deploy a known-good image: npm run switch -- --image <ref>`,
  );
}

export const replacedIds = (c: AppContainer) => (c.labels[LABEL.replaces] ?? "").split(",").filter(Boolean);

/**
 * What verification asks of the public entry: the health path, as the gate asked it of the droplet, so both answers
 * carry the same version report; and the one path maintenance mode lets through, so a release can land during it.
 * With TLS on it is HTTPS, as users reach it (plain HTTP is redirected once a certificate is served).
 */
export function publicUrl(observed: ObservedState, config: PlanConfig): string {
  const base = config.publicUrl || `${config.tls.mode === "off" ? "http" : "https"}://${observed.balancer.publicIp}/`;
  return new URL(config.app.healthPath.replace(/^\//, ""), base.endsWith("/") ? base : `${base}/`).toString();
}

/** What status reports and what every command checks before it changes anything. */
export function diagnose(observed: ObservedState, config: PlanConfig): Diagnosis {
  const { prod: P, fallback: F } = config.tags;
  const findings: string[] = [];
  const blocked = (message: string, fix: string): Diagnosis => ({ repairs: [], findings: [...findings, message], blocking: { message, fix } });
  const workers = uniqueWorkers(observed);
  const ip = observed.reservedIp;

  if (workers.length === 0) return blocked(`no droplet is tagged ${P} or ${F}`, `run \`cdktf deploy\` (it creates and tags both workers) or tag two droplets ${P} and ${F}`);
  // Two workers both tagged PROD (a replaced worker comes back with the tag it was created with) is a retag below.
  if (observed.taggedProd.length > 1 && workers.length > 2)
    return blocked(`more than one droplet is tagged ${P}: ${names(observed.taggedProd)}`, `remove the ${P} tag from the droplet that does not hold the reserved IP ${ip.ip}`);
  if (observed.taggedFallback.length > 1 && workers.length > 2)
    return blocked(`more than one droplet is tagged ${F}: ${names(observed.taggedFallback)}`, `keep the ${F} tag on exactly one idle worker`);
  if (workers.length > 2) return blocked(`more than two droplets are tagged ${P} or ${F}: ${names(workers)}`, `keep exactly two workers, one tagged ${P} and one ${F}`);
  if (workers.length === 1) {
    const missing = observed.taggedProd.length === 0 ? P : F;
    return blocked(`no droplet is tagged ${missing} (only ${names(workers)} is a worker)`, `tag the second worker ${missing}, or run \`cdktf deploy\` to create it`);
  }
  if (ip.region !== config.digitalocean.region)
    return blocked(
      `reserved IP ${ip.ip} is in region ${ip.region}, not ${config.digitalocean.region}`,
      `use a reserved IP in ${config.digitalocean.region} (FLOATING_IP) or set DO_REGION=${ip.region}`,
    );
  const repairs: RepairAction[] = [];
  let holder = workers.find((d) => d.id === ip.dropletId);
  if (!holder && ip.dropletId !== null) {
    const expected = observed.taggedProd[0] ?? workers[0];
    return blocked(
      `reserved IP ${ip.ip} points to droplet ${ip.dropletId}, which is neither ${P} nor ${F}`,
      `assign it to the ${P} droplet: doctl compute reserved-ip-action assign ${ip.ip} ${expected.id}`,
    );
  }
  if (!holder) {
    const target = unassignedIpTarget(observed, workers, config);
    if ("fix" in target) return blocked(target.message, target.fix);
    holder = target.droplet;
    findings.push(target.why);
    repairs.push({ kind: "assign-ip", ip: ip.ip, dropletId: holder.id, why: target.why });
  }
  for (const d of workers)
    if (d.region !== ip.region)
      return blocked(
        `droplet ${d.name} is in ${d.region} but reserved IP ${ip.ip} is in ${ip.region}`,
        "reserved IPs only move within one region: recreate the worker in the IP's region",
      );

  const other = workers.find((d) => d.id !== holder!.id)!;
  const roles: Roles = { prod: observed.workers[holder.id], fallback: observed.workers[other.id] };

  const roleTags = (d: Droplet) =>
    d.tags
      .filter((t) => t === P || t === F)
      .sort()
      .join(",");
  if (roleTags(holder) !== P || roleTags(other) !== F) {
    const why =
      holder.tags.includes(P) && other.tags.includes(P)
        ? `two droplets are tagged ${P}: ${holder.name} holds reserved IP ${ip.ip} and keeps ${P}; ${other.name} (tagged [${roleTags(other)}]) becomes ${F} (a replaced worker comes back with the tag it was created with)`
        : `reserved IP ${ip.ip} is on ${holder.name}, tagged [${roleTags(holder)}]; ${other.name} is tagged [${roleTags(other)}] (an interrupted retag): the IP holder is ${P}`;
    findings.push(why);
    repairs.push({ kind: "retag", prodId: holder.id, fallbackId: other.id, why });
  }

  const port = config.app.port;
  const slots = config.haproxy.slots.map((name) => observed.haproxy.find((s) => s.name === name));
  const missing = config.haproxy.slots.filter((_, i) => !slots[i]);
  if (missing.length > 0)
    return blocked(
      `HAProxy backend ${config.haproxy.backend} lacks the server ${missing.join(" and ")} (the balancer runs an older haproxy.cfg)`,
      "run `npm run switch -- balancer apply`: it installs the haproxy.cfg that declares both slots, then any switch run pins them",
    );
  const { prod: prodSlot, fallback: fallbackSlot } = slotRoles([slots[0]!, slots[1]!], holder, port);
  const prodAddress = ownAddress(holder);
  const fallbackAddress = ownAddress(other);
  const settle = (why: string) => {
    findings.push(why);
    repairs.push({ kind: "settle-slots", prodSlot: prodSlot.name, fallbackSlot: fallbackSlot.name, prodAddress, fallbackAddress, port, why });
  };
  if (!targets(prodSlot, prodAddress, port))
    settle(
      prodSlot.address === ip.ip || fallbackSlot.address === ip.ip
        ? `HAProxy's slots are not pinned to the workers yet: ${(prodSlot.address === ip.ip ? prodSlot : fallbackSlot).name} sends traffic through reserved IP ${ip.ip} (a new balancer, or one that ran the floating and spare slots)`
        : `no HAProxy slot targets PROD ${holder.name} (${prodAddress}:${port}): ${prodSlot.name} → ${prodSlot.address}:${prodSlot.port}, ${fallbackSlot.name} → ${fallbackSlot.address}:${fallbackSlot.port} (a replaced worker)`,
    );
  else if (prodSlot.admin !== "ready" || fallbackSlot.admin === "ready")
    settle(`HAProxy is mid-flip: ${prodSlot.name} (PROD ${holder.name}) is ${prodSlot.admin}, ${fallbackSlot.name} is ${fallbackSlot.admin} → ${fallbackSlot.address} (an interrupted cutover)`);
  else if (!isArmedOn(fallbackSlot, other, port))
    settle(
      `rollback is not ready: HAProxy's ${fallbackSlot.name} slot is ${fallbackSlot.admin} → ${fallbackSlot.address}:${fallbackSlot.port}, not armed (drain) on FALLBACK ${other.name} (${fallbackAddress}:${port})`,
    );
  else if (!isServing(fallbackSlot))
    findings.push(
      `rollback is not ready: HAProxy's checks of FALLBACK ${other.name} fail (${fallbackSlot.status}, check ${fallbackSlot.checkStatus ?? "?"}${fallbackSlot.lastCheck ? `: ${fallbackSlot.lastCheck}` : ""}); fix or redeploy its app, since rollback flips to it`,
    );

  if (!runningContainer(roles.prod)) findings.push(`PROD ${holder.name} runs no ${config.app.name} container: its slot serves nothing healthy`);
  const previous = runningContainer(roles.fallback);
  if (!previous) findings.push(`FALLBACK ${other.name} runs no ${config.app.name} container: the previous version is missing, so rollback would fail`);
  else if (isUnfinished(previous, observed))
    findings.push(
      `FALLBACK ${other.name} runs ${previous.image}, started by a cutover that never finished: re-run that cutover to finish it; rollback would first restore the container it replaced`,
    );
  else if (releaseState(previous, observed) === "unknown")
    findings.push(
      `FALLBACK ${other.name} runs ${previous.name} (${previous.image}), started before release marks, and no audit line says whether it finished: rollback would refuse (mark it with docker rename ${previous.name} ${previous.name}${FINISHED_SUFFIX} if it served)`,
    );
  return { roles, slots: { prod: prodSlot.name, fallback: fallbackSlot.name }, repairs, findings };
}

/** What a repair may trust to serve: a running app container, of no unfinished cutover, that Docker does not call unhealthy. */
function servingContainer(worker: WorkerState | undefined, observed: ObservedState): AppContainer | undefined {
  const c = worker && runningContainer(worker);
  return c && c.state === "running" && c.dockerHealth !== "unhealthy" && !isUnfinished(c, observed) ? c : undefined;
}

/**
 * Where an unassigned reserved IP goes: to the one worker tagged PROD that runs the app (its health path is asked again
 * before the assign). Anything else (no such worker, or two) is a person's decision; the fix names the exact command.
 */
function unassignedIpTarget(
  observed: ObservedState,
  workers: readonly Droplet[],
  config: PlanConfig,
): { readonly droplet: Droplet; readonly why: string } | { readonly message: string; readonly fix: string } {
  const { prod: P, fallback: F } = config.tags;
  const ip = observed.reservedIp.ip;
  const serving = (d: Droplet) => servingContainer(observed.workers[d.id], observed);
  const candidates = workers.filter((d) => d.tags.includes(P) && serving(d));
  if (candidates.length === 1) {
    const d = candidates[0];
    return {
      droplet: d,
      why: `reserved IP ${ip} is not assigned to any droplet (the droplet that held it was replaced, or it was unassigned): it goes back to ${d.name}, tagged ${P}, which runs ${serving(d)!.image}`,
    };
  }
  const tagsOf = (d: Droplet) => d.tags.filter((t) => t === P || t === F).join(",");
  const each = workers.map((d) => `${d.name} (${d.id}) is tagged [${tagsOf(d)}] and ${serving(d) ? `runs ${serving(d)!.image}` : `runs no healthy ${config.app.name} container`}`);
  const runners = workers.filter((d) => serving(d));
  const fix =
    runners.length === 1
      ? `to serve ${serving(runners[0])!.image} from ${runners[0].name}: doctl compute reserved-ip-action assign ${ip} ${runners[0].id}, then run \`npm run switch -- repair\``
      : runners.length === 0
        ? `assign it to either worker (doctl compute reserved-ip-action assign ${ip} <droplet id>), then deploy a release: npm run switch -- --image <ref>`
        : `assign it to the worker whose release should serve: doctl compute reserved-ip-action assign ${ip} ${runners.map((d) => d.id).join(" or ")}, then run \`npm run switch -- repair\``;
  return {
    message: `reserved IP ${ip} is not assigned to any droplet, and ${
      candidates.length === 0 ? `no ${P}-tagged worker runs a healthy ${config.app.name} container` : `${candidates.length} ${P}-tagged workers run one`
    }: ${each.join("; ")}`,
    fix,
  };
}

type Decided = Diagnosis & { readonly roles: Roles; readonly slots: NonNullable<Diagnosis["slots"]> };

function decided(observed: ObservedState, config: PlanConfig): Decided {
  const diagnosis = diagnose(observed, config);
  if (diagnosis.blocking) throw new InconsistentStateError(diagnosis.blocking.message, diagnosis.blocking.fix);
  return diagnosis as Decided;
}

const targets = (slot: HaproxyServer, address: string, port: number) => slot.address === address && slot.port === port;

/**
 * Which slot is PROD's and which FALLBACK's: the one pinned to PROD's own address; else one that serves nothing now, so
 * re-pointing it touches no request (a new balancer's disabled slot, or the armed one when PROD's droplet was replaced).
 * Settling makes the choice true.
 */
export function slotRoles(slots: readonly [HaproxyServer, HaproxyServer], prod: Droplet, port: number): { readonly prod: HaproxyServer; readonly fallback: HaproxyServer } {
  const chosen = slots.find((s) => targets(s, ownAddress(prod), port)) ?? slots.find((s) => s.admin !== "ready") ?? slots[1];
  return { prod: chosen, fallback: chosen === slots[0] ? slots[1] : slots[0] };
}

/** A slot targets `droplet`'s own address on the app port, in drain: armed for a flip to it (checks aside). */
export function isArmedOn(slot: HaproxyServer | undefined, droplet: Droplet, port: number): boolean {
  return !!slot && slot.admin === "drain" && targets(slot, ownAddress(droplet), port);
}

/** What HAProxy's own checks say of a slot: passing (UP, or DRAIN while armed). */
export function isServing(server: Pick<HaproxyServer, "status" | "checkStatus">): boolean {
  const passing = !server.checkStatus || /OK/.test(server.checkStatus);
  return /^(UP|DRAIN)/.test(server.status) && passing;
}

interface Sides {
  readonly to: Droplet;
  readonly from: Droplet;
  /** `to`'s slot (armed on it) and `from`'s (serving). */
  readonly toSlot: string;
  readonly fromSlot: string;
  readonly ip: string;
  readonly url: string;
  readonly port: number;
}

/**
 * From the atomic hand-over on, the new release serves. Nothing after it touches a request: the reserved IP only marks
 * PROD, and `from` keeps running the previous version in its armed slot, where its in-flight requests finish.
 */
function handOverAndSettle({ to, from, toSlot, fromSlot, ip, url }: Sides, bake: boolean): Step[] {
  return [
    { name: "hand-over", dropletId: to.id, slot: toSlot, from: fromSlot },
    { name: "move-ip", ip, toDropletId: to.id },
    { name: "retag", prodId: to.id, fallbackId: from.id },
    { name: "verify", dropletId: to.id, url, bake },
  ];
}

/**
 * The undo of a hand-over: first one runtime command sends every new request back to `from`'s slot (still armed on
 * it), then the marks follow. `restoreTo`: the cutover's new container on `to` goes once its requests have finished.
 */
function handBackAndSettle({ to, from, toSlot, fromSlot, ip, port }: Sides, restoreTo: boolean): Step[] {
  return [
    { name: "hand-back", dropletId: from.id, slot: fromSlot, from: toSlot },
    { name: "move-ip", ip, toDropletId: from.id },
    ...(restoreTo
      ? ([
          { name: "drain", slot: toSlot },
          { name: "restore-fallback", dropletId: to.id },
          { name: "arm", slot: toSlot, dropletId: to.id, address: ownAddress(to), port, fresh: true },
        ] as const)
      : []),
    { name: "retag", prodId: from.id, fallbackId: to.id },
  ];
}

/**
 * After verification: the containers that served (the new release, and the previous one) say so in their names. A
 * failure is reported and the release stays live; the next run's finish marks them.
 */
const finishGroup = (dropletIds: readonly number[]): StepGroup => ({ steps: [{ name: "finish", dropletIds }], undo: [], watched: false, onFailure: "report" });

const repairGroups = (d: Diagnosis): StepGroup[] => (d.repairs.length > 0 ? [{ steps: [{ name: "repair", actions: d.repairs }], undo: [], watched: false }] : []);

export function planCutover(observed: ObservedState, config: PlanConfig, release: Release): Plan {
  const d = decided(observed, config);
  const { prod, fallback } = d.roles;
  const ip = observed.reservedIp.ip;
  const url = publicUrl(observed, config);
  const live = runningContainer(prod);
  const port = config.app.port;

  const { hooks } = release.config.app;
  if (isSameRelease(live, release)) {
    return {
      kind: "cutover",
      noop: true,
      from: { droplet: prod.droplet, container: live },
      to: { droplet: prod.droplet, image: release.image, container: live },
      floatingIp: ip,
      groups: [...repairGroups(d), { steps: [{ name: "verify", dropletId: prod.droplet.id, url, bake: false }], undo: [], watched: false }, finishGroup([prod.droplet.id])],
    };
  }

  const to = fallback.droplet;
  const sides: Sides = { to, from: prod.droplet, toSlot: d.slots.fallback, fromSlot: d.slots.prod, ip, url, port };
  return {
    kind: "cutover",
    noop: false,
    from: { droplet: prod.droplet, container: live },
    to: { droplet: to, image: release.image },
    floatingIp: ip,
    groups: [
      ...repairGroups(d),
      {
        // PROD is not touched here: a failure only has to put FALLBACK back as it was.
        steps: [
          { name: "pull", dropletId: to.id, image: release.image },
          ...(hooks.preSwitch ? [{ name: "hook", phase: "preSwitch", dropletId: to.id } as const] : []),
          // Requests a recent flip left in flight on FALLBACK's previous version finish before its container is replaced.
          { name: "drain", slot: sides.toSlot },
          { name: "start", dropletId: to.id, image: release.image },
          { name: "arm", slot: sides.toSlot, dropletId: to.id, address: ownAddress(to), port, fresh: true },
          { name: "gate", dropletId: to.id },
        ],
        undo: [{ name: "restore-fallback", dropletId: to.id }],
        watched: false,
      },
      { steps: handOverAndSettle(sides, true), undo: handBackAndSettle(sides, true), watched: true },
      finishGroup([to.id, prod.droplet.id]),
      ...(hooks.postSwitch ? [{ steps: [{ name: "hook", phase: "postSwitch", dropletId: to.id } as const], undo: [], watched: false, onFailure: "report" } as const] : []),
      { steps: [{ name: "prune", dropletId: to.id, keep: 1 }], undo: [], watched: false },
    ],
  };
}

export function planRollback(observed: ObservedState, config: PlanConfig): Plan {
  const d = decided(observed, config);
  const { prod, fallback } = d.roles;
  const missing = (why: string) =>
    new InconsistentStateError(
      `cannot roll back: FALLBACK ${fallback.droplet.name} ${why} (the previous version is missing)`,
      "deploy a known-good image instead: npm run switch -- --image <ref>",
    );
  let previous = runningContainer(fallback);
  if (!previous) throw missing(`runs no ${config.app.name} container`);
  refuseUnknownHistory(previous, fallback, observed, "roll back");
  const to = fallback.droplet;
  const sides: Sides = { to, from: prod.droplet, toSlot: d.slots.fallback, fromSlot: d.slots.prod, ip: observed.reservedIp.ip, url: publicUrl(observed, config), port: config.app.port };
  const restore: Step[] = [];
  if (isUnfinished(previous, observed)) {
    // An interrupted cutover left its new image on FALLBACK: rolling back means the container it replaced, not that one.
    const replaced = fallback.containers.filter((c) => !c.running && replacedIds(previous!).includes(c.id));
    if (replaced.length === 0) throw missing(`runs only ${previous.image}, started by an interrupted cutover, and the container it replaced is gone`);
    restore.push(
      { name: "restore-previous", dropletId: to.id, remove: previous.id, start: replaced.map((c) => c.id) },
      { name: "arm", slot: sides.toSlot, dropletId: to.id, address: ownAddress(to), port: sides.port, fresh: true },
    );
    previous = replaced[0];
  }
  // The armed slot is normally proven already (observe just read HAProxy's verdict): the hand-over, which checks it once
  // more, then comes right after the lock and observe.
  return {
    kind: "rollback",
    noop: false,
    from: { droplet: prod.droplet, container: runningContainer(prod) },
    to: { droplet: to, image: previous.image, container: previous },
    floatingIp: observed.reservedIp.ip,
    groups: [
      ...repairGroups(d),
      ...(restore.length > 0 ? [{ steps: restore, undo: [], watched: false }] : []),
      { steps: handOverAndSettle(sides, false), undo: handBackAndSettle(sides, false), watched: true },
      finishGroup([to.id, prod.droplet.id]),
    ],
  };
}

export interface RepairRequest {
  /** `--image`: the release to redeploy on a FALLBACK that lost the previous version. */
  readonly release?: Release;
  /** The audit log's newest lines, oldest first: where the previous version's image is known from. */
  readonly audit: readonly AuditEntry[];
}

/**
 * The image that served before PROD's, from the audit log: the `from` of the newest cutover that put PROD's image live.
 * After a rollback (or anything else that changed which release serves) it is not known.
 */
export function previousImageOf(audit: readonly AuditEntry[], live: AppContainer | undefined): string | undefined {
  for (const entry of [...audit].reverse()) {
    if (entry.command === "rollback" && entry.outcome === "rolled-back") return undefined;
    if (entry.command === "cutover" && entry.outcome.startsWith("deployed")) return live && entry.to?.image === live.image ? entry.from?.image : undefined;
  }
  return undefined;
}

/**
 * `switch repair`: what a replaced worker (or a hand) leaves, converged from the observed state alone. The retag, IP and
 * HAProxy repairs are the diagnosis's; on top, FALLBACK gets its previous version back: its stopped container started
 * again, or with `--image` that image redeployed there. FALLBACK without either is reported with the exact fix.
 */
export function planRepair(observed: ObservedState, config: PlanConfig, request: RepairRequest): RepairPlan {
  const d = decided(observed, config);
  const { prod, fallback } = d.roles;
  // A repair ends with an audit line, which would make a cutover's unproven container look finished: that run must end first.
  for (const worker of [prod, fallback]) {
    const c = runningContainer(worker);
    if (c && isUnfinished(c, observed))
      throw new InconsistentStateError(
        `${worker.droplet.name} runs ${c.image}, started by a cutover that never finished`,
        `finish that cutover first (npm run switch -- --image ${c.image}: its repair step runs too) or roll back (npm run switch -- rollback); then repair`,
      );
  }
  const previousImage = previousImageOf(request.audit, runningContainer(prod));
  const actions: RepairAction[] = [...d.repairs];
  const groups: StepGroup[] = [];
  let unresolved: RepairPlan["unresolved"];
  const name = fallback.droplet.name;
  const previous = runningContainer(fallback);
  if (request.release && previous)
    throw new UsageError(
      `FALLBACK ${name} already runs ${previous.image}: --image only redeploys a FALLBACK that lost the previous version`,
      "run `npm run switch -- repair` without --image; to release a new version, cut over: npm run switch -- --image <ref>",
    );
  if (!previous) {
    // Only a container known to have served is the previous version: an unknown history is not guessed at.
    const stopped = fallback.containers.find((c) => !c.running && releaseState(c, observed) === "finished");
    const to = fallback.droplet;
    const port = config.app.port;
    if (request.release) {
      const image = request.release.image;
      groups.push({
        steps: [
          { name: "pull", dropletId: to.id, image },
          { name: "start", dropletId: to.id, image },
          { name: "gate", dropletId: to.id },
          { name: "arm", slot: d.slots.fallback, dropletId: to.id, address: ownAddress(to), port, fresh: false },
        ],
        undo: [{ name: "restore-fallback", dropletId: to.id }],
        watched: false,
      });
      // The operator names it the previous version: rollback may flip to it, so it is recorded as finished.
      groups.push(finishGroup([to.id]));
    } else if (stopped) {
      const why = `FALLBACK ${name} runs no ${config.app.name} container, but its previous one (${stopped.name}, ${stopped.image}) is only stopped: rollback needs it running`;
      actions.push({ kind: "start-previous", dropletId: to.id, containerId: stopped.id, slot: d.slots.fallback, address: ownAddress(to), port, why });
    } else
      unresolved = {
        message: `rollback is unavailable: FALLBACK ${name} runs no ${config.app.name} container (the previous version is missing; a replaced worker starts empty)`,
        fix: previousImage
          ? `redeploy the previous version there: npm run switch -- repair --image ${previousImage} (the image the last cutover replaced, started with today's configuration)`
          : "redeploy a known-good image there: npm run switch -- repair --image <ref>, or release the next version: npm run switch -- --image <ref>",
      };
  }
  if (actions.length > 0) groups.unshift({ steps: [{ name: "repair", actions }], undo: [], watched: false });
  return { groups, ...(unresolved ? { unresolved } : {}), ...(previousImage ? { previousImage } : {}) };
}

/** What one repair action does, for --dry-run (its `why` says why). */
export function describeRepair(action: RepairAction, observed: ObservedState): string {
  const name = (id: number) => observed.workers[id]?.droplet.name ?? String(id);
  switch (action.kind) {
    case "retag":
      return `tag ${name(action.prodId)} PROD and ${name(action.fallbackId)} FALLBACK (never two PRODs on the way)`;
    case "assign-ip":
      return `assign reserved IP ${action.ip} to ${name(action.dropletId)} once its health path answers 200 there`;
    case "settle-slots":
      return `pin HAProxy's ${action.prodSlot} slot to PROD (${action.prodAddress}:${action.port}) and serve from it once its checks pass, then arm ${action.fallbackSlot} on FALLBACK (${action.fallbackAddress}:${action.port}) once no request is in flight on it`;
    case "start-previous":
      return `start the stopped app container ${action.containerId.slice(0, 12)} on ${name(action.dropletId)} again, wait until it answers 200, and arm HAProxy's ${action.slot} slot on it (${action.address}:${action.port})`;
  }
}

/** One line per step, for --dry-run and logs. */
export function describeStep(step: Step, observed: ObservedState): string {
  const name = (id: number) => observed.workers[id]?.droplet.name ?? String(id);
  switch (step.name) {
    case "repair":
      return `repair: ${step.actions.map((a) => a.why).join("; ")}`;
    case "pull":
      return `pull ${step.image} on ${name(step.dropletId)}`;
    case "hook":
      return step.phase === "preSwitch"
        ? `run the preSwitch hook on ${name(step.dropletId)} in a one-off container of the new release (a failure refuses it)`
        : `run the postSwitch hook on ${name(step.dropletId)} in a one-off container of the new release (a failure is reported, never rolled back)`;
    case "start":
      return `start ${step.image} on ${name(step.dropletId)} (the running app container is stopped, kept for restore)`;
    case "arm":
      return `arm HAProxy's ${step.slot} slot on ${name(step.dropletId)} (${step.address}:${step.port}): health-checked, no traffic`;
    case "gate":
      return `wait until ${name(step.dropletId)} answers its health path with 200`;
    case "hand-over":
      return `once HAProxy's checks pass on ${name(step.dropletId)} (${step.slot}), send every new request there in one runtime command; in-flight ones finish on ${step.from}`;
    case "drain":
      return `wait until the requests in flight on HAProxy's ${step.slot} slot finish`;
    case "move-ip":
      return `move reserved IP ${step.ip} to ${name(step.toDropletId)} (it marks PROD; no request goes through it)`;
    case "retag":
      return `tag ${name(step.prodId)} PROD and ${name(step.fallbackId)} FALLBACK`;
    case "verify":
      return step.bake
        ? `verify ${step.url} serves the version ${name(step.dropletId)} runs, watching HAProxy's error rate until the bake window ends`
        : `verify ${step.url} serves the version ${name(step.dropletId)} runs`;
    case "prune":
      return `remove stopped app containers on ${name(step.dropletId)}, keeping the newest ${step.keep}`;
    case "finish":
      return `record on the app containers of ${step.dropletIds.map(name).join(" and ")} that their releases served (rollback's history)`;
    case "restore-fallback":
      return `on ${name(step.dropletId)}, remove the new container and start the one it replaced`;
    case "hand-back":
      return `send every new request back to ${name(step.dropletId)} (HAProxy's ${step.slot} slot, still armed on it) in one runtime command`;
    case "restore-previous":
      return `on ${name(step.dropletId)}, remove the interrupted cutover's container and start the one it replaced`;
  }
}
