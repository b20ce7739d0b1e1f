/**
 * The simulated account's state and the rules DigitalOcean applies to it, with no HTTP and no timers:
 * every method is a synchronous state transition that either succeeds or throws an ApiProblem.
 * The action runner decides *when* an action completes; the store only records that it did.
 */
import { ApiProblem } from "./api-problem";
import { recordToCreate, recordUpdated } from "./domain-records";
import type { ActionStatus, ActionType, SimulatedDomain, SimulatedDomainRecord, SimulatedDroplet, SimulatedReservedIp, SimulatorState } from "./types";

export interface ActionRecord {
  id: number;
  type: ActionType;
  status: ActionStatus;
  ip: string;
  region: string;
  fromDropletId: number | null;
  toDropletId: number | null;
  startedAt: number;
  completedAt: number | null;
  error?: string;
}

export type ActionRequest = { type: "assign"; dropletId: number } | { type: "unassign" };

export interface ReservedIpView {
  ip: string;
  region: string;
  dropletId: number | null;
  pendingActionId: number | null;
}

export interface TagResourceRef {
  resource_id: unknown;
  resource_type: unknown;
}

/** DigitalOcean: letters, numbers, colons, dashes and underscores, at most 255 characters. */
const TAG_NAME = /^[A-Za-z0-9:_-]{1,255}$/;

export interface StoreSeed {
  droplets: SimulatedDroplet[];
  reservedIps: SimulatedReservedIp[];
  domains?: SimulatedDomain[];
}

export class SimulatorStore {
  private readonly droplets = new Map<number, SimulatedDroplet>();
  private readonly reservedIps = new Map<string, { ip: string; region: string; dropletId: number | null; pendingActionId: number | null }>();
  /** Canonical tag names, keyed by lower case so a wrong-case lookup can name the right spelling. */
  private readonly tags = new Map<string, string>();
  private readonly actions = new Map<number, ActionRecord>();
  private readonly domains: SimulatedDomain[];
  private nextActionId: number;
  private nextRecordId: number;

  constructor(
    seed: StoreSeed,
    private readonly now: () => number = Date.now,
    firstActionId = 1_900_000_001,
  ) {
    for (const d of seed.droplets) {
      this.droplets.set(d.id, { ...d, tags: [...d.tags] });
      for (const t of d.tags) this.ensureTag(t);
    }
    for (const r of seed.reservedIps) this.reservedIps.set(r.ip, { ...r, pendingActionId: null });
    this.domains = (seed.domains ?? []).map((d) => ({ name: d.name, records: d.records.map((r) => ({ ...r })) }));
    this.nextActionId = firstActionId;
    this.nextRecordId = Math.max(0, ...this.domains.flatMap((d) => d.records.map((r) => r.id))) + 1;
  }

  // ---- droplets -------------------------------------------------------------------------------

  listDroplets(tagName?: string): SimulatedDroplet[] {
    const all = [...this.droplets.values()].sort((a, b) => a.id - b.id);
    const matching = tagName === undefined ? all : all.filter((d) => d.tags.includes(tagName));
    return matching.map(copyDroplet);
  }

  getDroplet(id: number): SimulatedDroplet {
    const droplet = this.droplets.get(id);
    if (!droplet) throw ApiProblem.notFound();
    return copyDroplet(droplet);
  }

  /** The lab's control plane: a droplet made outside the API (another environment's, or one Terraform just created). */
  addDroplet(droplet: SimulatedDroplet): SimulatedDroplet {
    const problem = dropletProblem(droplet, this.droplets);
    if (problem) throw ApiProblem.unprocessable(problem);
    for (const t of droplet.tags) if (!TAG_NAME.test(t)) throw ApiProblem.unprocessable(`tag ${JSON.stringify(t)} is not a valid tag name`);
    this.droplets.set(droplet.id, copyDroplet(droplet));
    for (const t of droplet.tags) this.ensureTag(t);
    return copyDroplet(droplet);
  }

  /** The lab's control plane: a destroyed droplet. DigitalOcean unassigns a reserved IP whose droplet is destroyed. */
  removeDroplet(id: number): void {
    if (!this.droplets.delete(id)) throw ApiProblem.notFound();
    for (const r of this.reservedIps.values()) if (r.dropletId === id) r.dropletId = null;
  }

  /** The lab's control plane: a reserved IP made outside the API, assigned as given (no address moves). */
  addReservedIp(reserved: SimulatedReservedIp): ReservedIpView {
    if (!reserved || typeof reserved.ip !== "string" || typeof reserved.region !== "string") throw ApiProblem.unprocessable("a reserved IP needs ip and region");
    if (this.reservedIps.has(reserved.ip)) throw ApiProblem.unprocessable(`reserved IP ${reserved.ip} already exists`);
    const dropletId = reserved.dropletId ?? null;
    if (dropletId !== null && !this.droplets.has(dropletId)) throw ApiProblem.unprocessable(`Droplet ${dropletId} was not found.`);
    this.reservedIps.set(reserved.ip, { ip: reserved.ip, region: reserved.region, dropletId, pendingActionId: null });
    return this.getReservedIp(reserved.ip);
  }

  removeReservedIp(ip: string): void {
    const reserved = this.reservedIps.get(ip);
    if (!reserved) throw ApiProblem.notFound();
    if (reserved.pendingActionId !== null) throw ApiProblem.unprocessable(`The reserved IP ${ip} has a pending event (action ${reserved.pendingActionId}).`);
    this.reservedIps.delete(ip);
  }

  // ---- tags -----------------------------------------------------------------------------------

  /** Idempotent like DigitalOcean: creating an existing tag returns it (in its original case). */
  createTag(name: unknown): { name: string; created: boolean } {
    if (typeof name !== "string" || !TAG_NAME.test(name)) {
      throw ApiProblem.badRequest(
        "tag name must be 1-255 characters: letters, numbers, colons, dashes and underscores",
      );
    }
    const existing = this.tags.get(name.toLowerCase());
    if (existing !== undefined) return { name: existing, created: false };
    this.ensureTag(name);
    return { name, created: true };
  }

  getTag(name: string): { name: string; dropletIds: number[] } {
    const canonical = this.canonicalTag(name);
    const dropletIds = this.listDroplets(canonical).map((d) => d.id);
    return { name: canonical, dropletIds };
  }

  tagResources(tagName: string, resources: unknown): void {
    const tag = this.canonicalTag(tagName);
    for (const droplet of this.resolveTagResources(resources)) {
      if (!droplet.tags.includes(tag)) droplet.tags.push(tag);
    }
  }

  untagResources(tagName: string, resources: unknown): void {
    const tag = this.canonicalTag(tagName);
    for (const droplet of this.resolveTagResources(resources)) {
      droplet.tags = droplet.tags.filter((t) => t !== tag);
    }
  }

  // ---- reserved IPs -----------------------------------------------------------------------------

  listReservedIps(): ReservedIpView[] {
    return [...this.reservedIps.values()].map((r) => ({ ...r }));
  }

  getReservedIp(ip: string): ReservedIpView {
    const reserved = this.reservedIps.get(ip);
    if (!reserved) throw ApiProblem.notFound();
    return { ...reserved };
  }

  /**
   * Validates and records a new in-progress action; the assignment itself changes only in
   * completeAction, because DigitalOcean moves the address while the action runs, not when it is accepted.
   */
  startAction(ip: string, request: ActionRequest): ActionRecord {
    const reserved = this.reservedIps.get(ip);
    if (!reserved) throw ApiProblem.notFound();
    if (reserved.pendingActionId !== null) {
      throw ApiProblem.unprocessable(
        `The reserved IP ${ip} has a pending event (action ${reserved.pendingActionId}); wait until it completes.`,
      );
    }
    let toDropletId: number | null = null;
    if (request.type === "assign") {
      const target = this.droplets.get(request.dropletId);
      if (!target) throw ApiProblem.unprocessable(`Droplet ${request.dropletId} was not found.`);
      if (target.region !== reserved.region) {
        throw ApiProblem.unprocessable(
          `Reserved IP ${ip} is in region ${reserved.region} but droplet ${target.id} (${target.name}) is in ${target.region}: ` +
            "a reserved IP can only be assigned to a droplet in the same region.",
        );
      }
      if (this.dropletHasPendingEvent(target.id)) {
        throw ApiProblem.unprocessable(`Droplet ${target.id} already has a pending event.`);
      }
      const other = [...this.reservedIps.values()].find((r) => r.ip !== ip && r.dropletId === target.id);
      if (other) {
        throw ApiProblem.unprocessable(`Droplet ${target.id} already has reserved IP ${other.ip} assigned.`);
      }
      toDropletId = target.id;
    } else if (reserved.dropletId === null) {
      throw ApiProblem.unprocessable(`The reserved IP ${ip} is not assigned to a droplet.`);
    }
    const action: ActionRecord = {
      id: this.nextActionId++,
      type: request.type === "assign" ? "assign_ip" : "unassign_ip",
      status: "in-progress",
      ip,
      region: reserved.region,
      fromDropletId: reserved.dropletId,
      toDropletId,
      startedAt: this.now(),
      completedAt: null,
    };
    this.actions.set(action.id, action);
    reserved.pendingActionId = action.id;
    return { ...action };
  }

  completeAction(id: number): ActionRecord {
    const action = this.pendingAction(id);
    const reserved = this.reservedIps.get(action.ip)!;
    reserved.dropletId = action.toDropletId;
    reserved.pendingActionId = null;
    action.status = "completed";
    action.completedAt = this.now();
    return { ...action };
  }

  /** The address did not move: the assignment stays as it was and the IP is unlocked. */
  failAction(id: number, reason: string): ActionRecord {
    const action = this.pendingAction(id);
    this.reservedIps.get(action.ip)!.pendingActionId = null;
    action.status = "errored";
    action.completedAt = this.now();
    action.error = reason;
    return { ...action };
  }

  getAction(id: number): ActionRecord {
    const action = this.actions.get(id);
    if (!action) throw ApiProblem.notFound();
    return { ...action };
  }

  listActionsForIp(ip: string): ActionRecord[] {
    this.getReservedIp(ip);
    return [...this.actions.values()].filter((a) => a.ip === ip).map((a) => ({ ...a }));
  }

  // ---- domains ----------------------------------------------------------------------------------

  listDomains(): SimulatedDomain[] {
    return this.domains.map(copyDomain);
  }

  getDomain(name: string): SimulatedDomain {
    return copyDomain(this.domain(name));
  }

  getDomainRecord(domainName: string, id: number): SimulatedDomainRecord {
    return { ...this.record(domainName, id) };
  }

  createDomainRecord(domainName: string, body: unknown): SimulatedDomainRecord {
    const domain = this.domain(domainName);
    const created = { id: this.nextRecordId++, ...recordToCreate(body, domain.records) };
    domain.records.push(created);
    return { ...created };
  }

  updateDomainRecord(domainName: string, id: number, body: unknown): SimulatedDomainRecord {
    const record = this.record(domainName, id);
    Object.assign(record, recordUpdated(record, body, this.domain(domainName).records));
    return { ...record };
  }

  deleteDomainRecord(domainName: string, id: number): void {
    const domain = this.domain(domainName);
    const index = domain.records.findIndex((r) => r.id === id);
    if (index < 0) throw ApiProblem.notFound();
    domain.records.splice(index, 1);
  }

  private domain(name: string): SimulatedDomain {
    const domain = this.domains.find((d) => d.name === name.toLowerCase());
    if (!domain) throw ApiProblem.notFound();
    return domain;
  }

  private record(domainName: string, id: number): SimulatedDomainRecord {
    const record = this.domain(domainName).records.find((r) => r.id === id);
    if (!record) throw ApiProblem.notFound();
    return record;
  }

  // ---- snapshot ---------------------------------------------------------------------------------

  snapshot(): Omit<SimulatorState, "pendingFaults"> {
    return {
      droplets: this.listDroplets().map(({ id, name, tags, region, publicIpv4, privateIpv4 }) => ({
        id,
        name,
        tags,
        region,
        publicIpv4,
        privateIpv4,
      })),
      reservedIps: this.listReservedIps().map((r) => ({ ...r, locked: r.pendingActionId !== null })),
      tags: [...this.tags.values()].sort(),
      actions: [...this.actions.values()].map((a) => ({
        id: a.id,
        type: a.type,
        status: a.status,
        ip: a.ip,
        fromDropletId: a.fromDropletId,
        toDropletId: a.toDropletId,
        startedAt: new Date(a.startedAt).toISOString(),
        completedAt: a.completedAt === null ? null : new Date(a.completedAt).toISOString(),
        ...(a.error === undefined ? {} : { error: a.error }),
      })),
    };
  }

  // ---- internals --------------------------------------------------------------------------------

  private ensureTag(name: string): void {
    if (!this.tags.has(name.toLowerCase())) this.tags.set(name.toLowerCase(), name);
  }

  /** Tag names in URLs must use the case the tag was created with. */
  private canonicalTag(name: string): string {
    const canonical = this.tags.get(name.toLowerCase());
    if (canonical === name) return canonical;
    if (canonical !== undefined) {
      throw ApiProblem.notFound(`Tag "${name}" was not found; tags keep the case they were created with: use "${canonical}".`);
    }
    throw ApiProblem.notFound(`Tag "${name}" was not found.`);
  }

  private resolveTagResources(resources: unknown): SimulatedDroplet[] {
    if (!Array.isArray(resources) || resources.length === 0) {
      throw ApiProblem.unprocessable('"resources" must be a non-empty array of {resource_id, resource_type}.');
    }
    // Validate every entry before changing anything, so a bad request leaves no partial tagging.
    return resources.map((entry: TagResourceRef, index) => {
      if (entry === null || typeof entry !== "object") {
        throw ApiProblem.unprocessable(`resources[${index}] must be an object.`);
      }
      if (entry.resource_type !== "droplet") {
        throw ApiProblem.unprocessable(
          `resources[${index}].resource_type ${JSON.stringify(entry.resource_type)} is not supported by the simulator; use "droplet".`,
        );
      }
      if (typeof entry.resource_id !== "string" || !/^\d+$/.test(entry.resource_id)) {
        throw ApiProblem.unprocessable(
          `resources[${index}].resource_id must be the droplet id as a string, e.g. "123"; got ${JSON.stringify(entry.resource_id)}.`,
        );
      }
      const droplet = this.droplets.get(Number(entry.resource_id));
      if (!droplet) throw ApiProblem.unprocessable(`resources[${index}]: droplet ${entry.resource_id} was not found.`);
      return droplet;
    });
  }

  private dropletHasPendingEvent(dropletId: number): boolean {
    return [...this.actions.values()].some(
      (a) => a.status === "in-progress" && (a.fromDropletId === dropletId || a.toDropletId === dropletId),
    );
  }

  private pendingAction(id: number): ActionRecord {
    const action = this.actions.get(id);
    if (!action) throw ApiProblem.notFound();
    if (action.status !== "in-progress") throw new Error(`action ${id} is already ${action.status}`);
    return action;
  }
}

function dropletProblem(d: SimulatedDroplet, existing: ReadonlyMap<number, SimulatedDroplet>): string | undefined {
  if (!d || typeof d !== "object") return "body must be a droplet {id, name, tags, region, publicIpv4, privateIpv4}";
  if (!Number.isInteger(d.id) || d.id <= 0) return "id must be a positive integer";
  if (existing.has(d.id)) return `droplet ${d.id} already exists`;
  for (const field of ["name", "region", "publicIpv4", "privateIpv4"] as const) if (typeof d[field] !== "string" || !d[field]) return `${field} must be a non-empty string`;
  if (!Array.isArray(d.tags) || d.tags.some((t) => typeof t !== "string")) return "tags must be an array of strings";
  return undefined;
}

function copyDroplet(d: SimulatedDroplet): SimulatedDroplet {
  return { ...d, tags: [...d.tags] };
}

function copyDomain(d: SimulatedDomain): SimulatedDomain {
  return { name: d.name, records: d.records.map((r) => ({ ...r })) };
}
