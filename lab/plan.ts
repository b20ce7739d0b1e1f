import { UsageError } from "../core/errors";

/**
 * Everything about one lab that follows from its index N, as data: names, addresses, paths.
 * Several labs may run on one machine at once (helpers, CI), so each gets its own /24 inside
 * 198.18.0.0/15 (RFC 2544 benchmarking space: never routed, never anyone else's) and its own name prefix.
 */
export const MIN_LAB_INDEX = 1;
export const MAX_LAB_INDEX = 250;
export const LAB_STATE_ROOT = "/run/do-bluegreen-lab";
export const LAB_DATA_ROOT = "/var/lib/do-bluegreen-lab";
export const LAB_CACHE_ROOT = "/var/cache/do-bluegreen-lab";
/** `.test` is reserved (RFC 6761): the lab's names can never be anyone's real domain. */
export const LAB_PARENT_DOMAIN = "bluegreen.test";
/** Pebble's documented ports: the ACME directory and the management API (its roots). */
export const PEBBLE_ACME_PORT = 14000;
export const PEBBLE_MANAGEMENT_PORT = 15000;
/** Names of every lab-made namespace, bridge and veth start with this, then the index. */
export const NAME_PREFIX = "dbg";

export type HostRole = "balancer" | "worker-a" | "worker-b";

export interface LabHost {
  readonly role: HostRole;
  /** The simulated droplet's id and name. */
  readonly dropletId: number;
  readonly dropletName: string;
  /** Initial DigitalOcean tag. */
  readonly tag: "PROD" | "FALLBACK" | "BALANCER";
  /** Network namespace = the droplet. */
  readonly namespace: string;
  /** Host side of the veth pair, enslaved to the bridge. The namespace side is always eth0. */
  readonly hostVeth: string;
  /** Fixed MAC of the namespace's eth0, so the address mover can refresh neighbour entries without asking. */
  readonly mac: string;
  readonly publicIp: string;
  readonly privateIp: string;
}

export interface LabPlan {
  readonly index: number;
  readonly prefix: string;
  readonly subnet: string;
  readonly bridge: { readonly name: string; readonly ip: string };
  readonly balancer: LabHost;
  readonly workers: readonly [LabHost, LabHost];
  readonly floatingIp: string;
  readonly region: string;
  readonly registry: { readonly host: string; readonly port: number; readonly address: string; readonly user: string; readonly repository: string };
  readonly simulator: { readonly host: string; readonly port: number; readonly url: string };
  readonly app: { readonly port: number; readonly healthPath: string };
  /** The app's domain, served by the simulator (A record `@` → the balancer) and by the lab DNS server. */
  readonly domain: string;
  /** Pebble, the lab's ACME server, on the host side of the bridge: it must reach the balancer's port 80 for HTTP-01. */
  readonly acme: { readonly host: string; readonly port: number; readonly directoryUrl: string; readonly managementPort: number; readonly managementUrl: string };
  /** The lab DNS server (UDP), answering from the simulator's domains; Pebble's only resolver. */
  readonly dns: { readonly host: string; readonly port: number };
  readonly paths: LabPaths;
}

export interface LabPaths {
  /** Small runtime files: pids, sockets, configs, keys, logs, the env file. Removed by `down`. */
  readonly stateDir: string;
  readonly stateFile: string;
  readonly envFile: string;
  readonly logDir: string;
  readonly sshDir: string;
  readonly secretsDir: string;
  /** Large files: docker data roots, registry storage. Removed by `down`. */
  readonly dataDir: string;
  /** Built image layers, kept between labs (keyed by content hash). */
  readonly cacheDir: string;
  readonly haproxyConfig: string;
  readonly haproxyAdminSocket: string;
  /** HAProxy's master writes its pid here (`-p`); the lab's reload command signals it. */
  readonly haproxyPidFile: string;
  /** The balancer's kernel settings file (BALANCER_SYSCTL_FILE): the lab's namespaces share the host's /etc. */
  readonly balancerSysctl: string;
  readonly switchStateDir: string;
  /** Pebble's config, its listener's key and certificate, and the lab CA that signed them. */
  readonly acmeDir: string;
  /** The lab CA that signed Pebble's listener certificate: what an ACME client trusts (certbot's REQUESTS_CA_BUNDLE). */
  readonly acmeListenerCa: string;
  /** Pebble's issuing root, fetched after Pebble starts (it makes a new one each start): what HTTPS clients of the app trust. */
  readonly acmeRootCa: string;
}

export interface WorkerPaths {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly pidFile: string;
  readonly socket: string;
  readonly cgroupParent: string;
}

function assertIndex(index: number): void {
  if (!Number.isInteger(index) || index < MIN_LAB_INDEX || index > MAX_LAB_INDEX) {
    throw new UsageError(`lab index ${index} is out of range`, `use an integer from ${MIN_LAB_INDEX} to ${MAX_LAB_INDEX}`);
  }
}

function mac(index: number, octet: number): string {
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  // 02: locally administered, unicast.
  return `02:db:${hex(index)}:00:00:${hex(octet)}`;
}

export function labPrefix(index: number): string {
  return `${NAME_PREFIX}${index}`;
}

export function planLab(index: number): LabPlan {
  assertIndex(index);
  const prefix = labPrefix(index);
  const net = `198.18.${index}`;
  const host = (role: HostRole, short: string, octet: number, id: number, tag: LabHost["tag"]): LabHost => ({
    role,
    dropletId: index * 1000 + id,
    dropletName: `lab${index}-${role}`,
    tag,
    namespace: `${prefix}-${short}`,
    hostVeth: `${prefix}-${short}`,
    mac: mac(index, octet),
    publicIp: `${net}.${octet}`,
    privateIp: `${net}.${octet + 100}`,
  });
  const stateDir = `${LAB_STATE_ROOT}/${index}`;
  const registryPort = 5000;
  const simulatorPort = 8099;
  const hostSide = `${net}.1`;
  return {
    index,
    prefix,
    subnet: `${net}.0/24`,
    bridge: { name: prefix, ip: `${net}.1` },
    balancer: host("balancer", "lb", 2, 3, "BALANCER"),
    workers: [host("worker-a", "wa", 11, 1, "PROD"), host("worker-b", "wb", 12, 2, "FALLBACK")],
    floatingIp: `${net}.100`,
    region: "nyc3",
    registry: { host: `${net}.1`, port: registryPort, address: `${net}.1:${registryPort}`, user: "lab", repository: "demo" },
    simulator: { host: `${net}.1`, port: simulatorPort, url: `http://${net}.1:${simulatorPort}` },
    app: { port: 8080, healthPath: "/health" },
    domain: `lab${index}.${LAB_PARENT_DOMAIN}`,
    acme: {
      host: hostSide,
      port: PEBBLE_ACME_PORT,
      directoryUrl: `https://${hostSide}:${PEBBLE_ACME_PORT}/dir`,
      managementPort: PEBBLE_MANAGEMENT_PORT,
      managementUrl: `https://${hostSide}:${PEBBLE_MANAGEMENT_PORT}`,
    },
    dns: { host: hostSide, port: 53 },
    paths: {
      stateDir,
      stateFile: `${stateDir}/state.json`,
      envFile: `${stateDir}/env.sh`,
      logDir: `${stateDir}/logs`,
      sshDir: `${stateDir}/ssh`,
      secretsDir: `${stateDir}/secrets`,
      dataDir: `${LAB_DATA_ROOT}/${index}`,
      cacheDir: LAB_CACHE_ROOT,
      haproxyConfig: `${stateDir}/haproxy/haproxy.cfg`,
      haproxyAdminSocket: `${stateDir}/haproxy/admin.sock`,
      haproxyPidFile: `${stateDir}/haproxy/haproxy.pid`,
      balancerSysctl: `${stateDir}/balancer/60-do-bluegreen-balancer.conf`,
      switchStateDir: `${stateDir}/switch-state`,
      acmeDir: `${stateDir}/acme`,
      acmeListenerCa: `${stateDir}/acme/listener-ca.pem`,
      acmeRootCa: `${stateDir}/acme/pebble-root.pem`,
    },
  };
}

export function allHosts(plan: LabPlan): LabHost[] {
  return [plan.balancer, ...plan.workers];
}

export function workerPaths(plan: LabPlan, worker: LabHost): WorkerPaths {
  const run = `${plan.paths.stateDir}/${worker.role}`;
  return {
    dataRoot: `${plan.paths.dataDir}/${worker.role}/docker`,
    execRoot: `${run}/exec`,
    pidFile: `${run}/dockerd.pid`,
    socket: `${run}/docker.sock`,
    cgroupParent: `/${plan.prefix}-${worker.role}`,
  };
}

export function hostByDropletId(plan: LabPlan, dropletId: number): LabHost | undefined {
  return allHosts(plan).find((h) => h.dropletId === dropletId);
}

/** Parses "dbg12-wa" / "dbg12" into 12; undefined for names the lab did not make. */
export function labIndexFromName(name: string): number | undefined {
  const match = new RegExp(`^${NAME_PREFIX}(\\d{1,3})(-[a-z]+)?$`).exec(name);
  if (!match) return undefined;
  const index = Number(match[1]);
  return index >= MIN_LAB_INDEX && index <= MAX_LAB_INDEX ? index : undefined;
}
