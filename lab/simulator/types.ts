/**
 * The simulator's public contract. The lab builds on exactly these types, so change them
 * only together with lab/ (see docs/decisions/0400-do-api-simulator.md).
 */

export interface SimulatedDroplet {
  id: number;
  name: string;
  tags: string[];
  /** Region slug, e.g. "fra1". */
  region: string;
  publicIpv4: string;
  privateIpv4: string;
  /** @default "s-1vcpu-1gb" */
  sizeSlug?: string;
  /** @default "debian-12-x64" */
  imageSlug?: string;
}

export interface SimulatedReservedIp {
  ip: string;
  /** Region slug; a reserved IP can only be assigned to droplets in this region. */
  region: string;
  dropletId: number | null;
}

export interface SimulatedDomainRecord {
  id: number;
  type: string;
  name: string;
  data: string;
  ttl: number;
}

export interface SimulatedDomain {
  name: string;
  records: SimulatedDomainRecord[];
}

/**
 * The port through which a completed reserved-IP action really moves the address.
 * The lab implements it with `ip addr del/add` + `arping` across network namespaces.
 * A rejection marks the action `errored` and leaves the assignment unchanged.
 */
export interface AddressMover {
  move(ip: string, from: SimulatedDroplet | null, to: SimulatedDroplet | null): Promise<void>;
}

/** Make the next `count` matching /v2 requests fail with `status`. */
export interface FaultSpec {
  status: number;
  count: number;
  /** Matches any method when absent; compared case-insensitively. */
  method?: string;
  /** A regular expression tested against the request's pathname (no query string); any path when absent. */
  pathPattern?: string;
  /** Only for status 429. @default 1 */
  retryAfterSeconds?: number;
}

export interface RequestRecord {
  /** ISO time the request arrived. */
  at: string;
  method: string;
  /** Pathname plus query string, e.g. "/v2/droplets?tag_name=PROD&per_page=200". */
  path: string;
  status: number;
  /** Time to respond, in milliseconds. */
  ms: number;
  /**
   * The request's JSON body, when it had one and reached a route: which droplet a tag or an assign was for (DigitalOcean
   * puts those in the body, not the path). Absent for requests refused before (401, 429, injected faults).
   */
  body?: unknown;
}

export interface SimulatorOptions {
  /** The only bearer token accepted on /v2. */
  token: string;
  droplets: SimulatedDroplet[];
  reservedIps: SimulatedReservedIp[];
  /** @default [] */
  domains?: SimulatedDomain[];
  mover: AddressMover;
  /** How long a reserved-IP action stays in-progress before the address moves. @default 3000 */
  actionDelayMs?: number;
  /** Loopback or an address in 198.18.0.0/15 only. @default "127.0.0.1" */
  host?: string;
  /** @default 0 (ephemeral) */
  port?: number;
  /** Per token, sliding windows. @default { perMinute: 250, perHour: 5000 } */
  rateLimit?: { perMinute: number; perHour: number };
  /** When set, every request record is also appended to this file as one JSON line. */
  requestLogFile?: string;
}

export type ActionStatus = "in-progress" | "completed" | "errored";
export type ActionType = "assign_ip" | "unassign_ip";

export interface SimulatorState {
  droplets: {
    id: number;
    name: string;
    tags: string[];
    region: string;
    publicIpv4: string;
    privateIpv4: string;
  }[];
  reservedIps: { ip: string; region: string; dropletId: number | null; locked: boolean; pendingActionId: number | null }[];
  tags: string[];
  actions: {
    id: number;
    type: ActionType;
    status: ActionStatus;
    ip: string;
    fromDropletId: number | null;
    toDropletId: number | null;
    startedAt: string;
    completedAt: string | null;
    /** Why the action errored (the mover's error message). */
    error?: string;
  }[];
  /** Injected faults not used up yet. */
  pendingFaults: FaultSpec[];
}

export interface RunningSimulator {
  /** Base URL, e.g. "http://127.0.0.1:43121" (append /v2/...). */
  url: string;
  /** Closes the server, cancels pending actions and flushes the request log file. */
  stop(): Promise<void>;
  requests(): RequestRecord[];
  clearRequests(): void;
  injectFaults(f: FaultSpec): void;
  state(): SimulatorState;
  /** The domains with their records as they are now (the lab's DNS server answers from them). */
  domains(): SimulatedDomain[];
}
