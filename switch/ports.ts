import type { CertificateStatus } from "../core/tls";
import type { AdminState, AppContainer, Droplet, HaproxyServer, LockClaim, LockHolder, LockReading, ReservedIp } from "./model";

/** The few DigitalOcean calls the switch makes. */
export interface DigitalOceanPort {
  getReservedIp(ip: string): Promise<ReservedIp>;
  listReservedIps(): Promise<ReservedIp[]>;
  /** Every droplet in the account (all pages): one call serves the balancer, PROD and FALLBACK lookups. */
  listDroplets(): Promise<Droplet[]>;
  /** Starts an assign action and returns its id. */
  assignReservedIp(ip: string, dropletId: number): Promise<number>;
  getAction(ip: string, actionId: number): Promise<{ status: "in-progress" | "completed" | "errored" }>;
  tagDroplet(tag: string, dropletId: number): Promise<void>;
  untagDroplet(tag: string, dropletId: number): Promise<void>;
  /** HTTP requests sent so far, retries included (reported in --json to keep an eye on the rate limits). */
  requestCount?(): number;
}

export interface RegistryAuth {
  readonly username: string;
  readonly password: string;
  readonly serveraddress: string;
}

export interface PulledImage {
  readonly id: string;
  /** repo@sha256:... when the registry reported one, else the image id. */
  readonly digest: string;
  /** org.opencontainers.image.version of the image, if it carries one. */
  readonly versionLabel?: string;
}

/** A named volume (`source` is a name) or a host path (`source` starts with /) inside the container. */
export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** Docker's log driver and its options: rotation is on by default (json-file, 10m × 5). */
export interface LogSettings {
  readonly driver: string;
  readonly options: Readonly<Record<string, string>>;
}

/** What a release's containers share, app and one-offs alike: the image, its whole environment, mounts and limits. */
export interface RuntimeSpec {
  readonly image: string;
  /** NAME=value lines, secrets included: they go to the engine and nowhere else. */
  readonly env: readonly string[];
  readonly mounts: readonly Mount[];
  readonly memoryBytes?: number;
  readonly cpus?: number;
  readonly log: LogSettings;
}

export interface ContainerSpec extends RuntimeSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly stopTimeoutSeconds: number;
  /** Overrides the image's CMD. @default the image's own */
  readonly command?: readonly string[];
}

/** A container that runs one command and is removed: a hook, or `exec`. */
export interface OneOffSpec extends RuntimeSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly command: readonly string[];
}

export interface OneOffIo {
  /** Output as it arrives (exec streams it; hooks keep only the tail). */
  readonly onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
  /** Attached when given (exec on a TTY). */
  readonly stdin?: NodeJS.ReadableStream;
  readonly tty?: boolean;
  /** The container is killed once this passes. @default no limit */
  readonly timeoutMs?: number;
  /** Kills the container when aborted (Ctrl-C on `exec`); the result then carries its exit code (137). */
  readonly signal?: AbortSignal;
}

export interface OneOffResult {
  /** The command's exit code; null when it was killed at its timeout. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** The last lines of its output, for an error message. */
  readonly lastLines: string;
}

export interface LogQuery {
  readonly follow: boolean;
  /** Unix seconds. */
  readonly since?: number;
  readonly tail?: number;
}

/** The Docker engine of one worker droplet. */
export interface DockerPort {
  listAppContainers(appName: string): Promise<AppContainer[]>;
  /** `timeoutMs`: a pull still running then is stopped (its connection closed, which cancels it) and fails. @default no limit */
  pull(image: string, auth?: RegistryAuth, options?: { readonly timeoutMs?: number }): Promise<PulledImage>;
  /** Creates and starts; returns the container id. */
  run(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  /** Renames a container (running or not): how a container records that its release finished. */
  rename(id: string, name: string): Promise<void>;
  inspect(id: string): Promise<AppContainer>;
  logs(id: string, tail: number): Promise<string>;
  /** Runs a one-off container to completion (waits, then removes it); a command missing from the image is a DockerError naming it. */
  runOnce(spec: OneOffSpec, io?: OneOffIo): Promise<OneOffResult>;
  /** A one-off beside container `id`: its image, environment, mounts and limits, with another command (`exec`). */
  runBeside(id: string, name: string, command: readonly string[], io?: OneOffIo): Promise<OneOffResult>;
  /** Streams a container's logs to `sink` until they end (or, following, until `signal` aborts). */
  streamLogs(id: string, query: LogQuery, sink: (chunk: string, stream: "stdout" | "stderr") => void, signal?: AbortSignal): Promise<void>;
}

export interface HealthAnswer {
  readonly status: number;
  /** X-App-Version, else the JSON body's `version`. */
  readonly version?: string;
  readonly body: string;
}

/** GET <path> on a droplet's own address, from the droplet itself (the app port is firewalled from outside). */
export interface HealthProbe {
  probe(droplet: Droplet, path: string): Promise<HealthAnswer>;
}

/** GET the public entry (through HAProxy), as users see it. */
export interface PublicProbe {
  get(url: string): Promise<HealthAnswer>;
}

/** One server's runtime change; `apply` sends a list of them as one socket command. */
export interface ServerChange {
  readonly server: string;
  readonly address?: { readonly ip: string; readonly port: number };
  readonly state?: AdminState;
  readonly health?: "up" | "down";
}

export interface HaproxyPort {
  servers(): Promise<HaproxyServer[]>;
  /**
   * Applies the changes in order in one runtime-API session: HAProxy runs them back to back, so no request sees
   * a state in between (an atomic hand-over is `[{green ready}, {blue drain}]`).
   */
  apply(changes: readonly ServerChange[]): Promise<void>;
  /** Closes every session still open on a server (long-lived streams past the drain deadline). */
  shutdownSessions(server: string): Promise<void>;
  /** Whether HAProxy answers visitors with the maintenance page, and its message. */
  maintenance(): Promise<MaintenanceState>;
  /** Switches the maintenance page live (runtime API) and on disk (so a reload or restart keeps it). */
  setMaintenance(state: MaintenanceState): Promise<void>;
  /** TLS=auto: the balancer's certificate scripts' last word (issued, or pending and why). */
  certificate(): Promise<CertificateStatus>;
}

export interface MaintenanceState {
  readonly on: boolean;
  /** Shown on the 503 page; plain text. */
  readonly message?: string;
}

/** haproxy.cfg on the HAProxy droplet: what is installed, HAProxy's verdict on a new text, and its hitless replacement. */
export interface BalancerConfigPort {
  /** The installed file, and whether the running HAProxy worker started after it was written (so runs it). */
  read(): Promise<InstalledConfig>;
  /** `haproxy -c` of `text` on the droplet, from a temp file beside the installed one. Installs nothing. */
  check(text: string): Promise<ConfigCheck>;
  /**
   * Checks `text` the same way; when HAProxy accepts it, saves the slots' runtime state to the server-state file,
   * installs the file atomically and reloads HAProxy (HAPROXY_RELOAD_COMMAND), then waits for the new worker.
   * A refused text changes nothing; a reload that never produced a new worker puts the previous file back.
   */
  install(text: string): Promise<InstallResult>;
}

export interface InstalledConfig {
  /** The file's text; null when there is none. */
  readonly text: string | null;
  /** false: the file changed after HAProxy's worker started (a reload is pending), or HAProxy did not say when it started. */
  readonly loaded: boolean;
}

export type ConfigCheck =
  | { readonly accepted: true; readonly warnings: readonly string[] }
  /** `reason`: HAProxy's first alert, naming the real config path rather than the temp file. */
  | { readonly accepted: false; readonly reason: string; readonly alerts: readonly string[] };

export type InstallResult =
  | Extract<ConfigCheck, { accepted: false }>
  | (Extract<ConfigCheck, { accepted: true }> & {
      /** The worker's pid before and after the reload: a new worker runs the new file, the master (and its sockets) stayed. */
      readonly worker: { readonly before: number; readonly after: number };
    });

/** What the balancer's kernel runs with, and the settings file that makes it survive a reboot (BALANCER_SYSCTL_FILE). */
export interface KernelSettings {
  /** The file's text; null when there is none. */
  readonly file: string | null;
  /** Each asked key's value as `sysctl -n` prints it (a range with a tab); `?` when this kernel has no such key. */
  readonly live: Readonly<Record<string, string>>;
}

/** The balancer's kernel settings (as root: see rootShell). */
export interface BalancerKernelPort {
  read(keys: readonly string[]): Promise<KernelSettings>;
  /** Replaces the file atomically (a temp file beside it, renamed over it) and loads it with `sysctl -p`; a refusal puts the previous file back. */
  install(text: string): Promise<void>;
}

/** The SSH user's authorized_keys on one droplet (SSH_AUTHORIZED_KEYS_FILE). */
export interface AuthorizedKeysPort {
  /** The file's text; null when there is none. */
  read(): Promise<string | null>;
  /** Replaces the file atomically (a temp file beside it, mode 600, renamed over it). */
  write(text: string): Promise<void>;
}

/** `current`: the lock as the same atomic script found it (null: there was none). */
export type LockAttempt = { readonly acquired: true; readonly holder: LockHolder } | { readonly acquired: false; readonly current: LockReading | null };

export type LockRenewal = { readonly renewed: true; readonly holder: LockHolder } | { readonly renewed: false; readonly current: LockReading | null };

/**
 * The deploy lock on the balancer. Every call is one atomic script there, and every time in it (acquired, expiry,
 * renewal, age) is the balancer's clock: no caller's clock is ever compared with another's.
 */
export interface LockPort {
  /** null when no lock exists. */
  read(): Promise<LockReading | null>;
  /** Creates the lock for `claim`, expiring `ttlMs` from the balancer's now, unless one exists. */
  tryAcquire(claim: LockClaim, ttlMs: number): Promise<LockAttempt>;
  /** Replaces the lock `seen` (judged stale) with `claim`, unless it changed since it was read (compare-and-swap on its version). */
  takeOver(seen: LockReading, claim: LockClaim, ttlMs: number): Promise<LockAttempt>;
  /** Extends `id`'s lease to `ttlMs` from the balancer's now, if `id` still holds the lock (compare-and-swap on the id). */
  renew(id: string, ttlMs: number): Promise<LockRenewal>;
  /** Removes the lock if `id` holds it (any holder with force). Returns whether a lock was removed. */
  release(id: string | null, force: boolean): Promise<boolean>;
  /** Removes the lock only if it is still exactly `seen` (compare and delete in one script): `lock release` of a stale holder. */
  releaseIfUnchanged(seen: LockReading): Promise<{ readonly released: boolean; readonly current: LockReading | null }>;
}

export interface AuditEntry {
  readonly at: string;
  readonly who: string;
  readonly command: string;
  readonly outcome: string;
  readonly from?: { readonly droplet: string; readonly image?: string; readonly digest?: string; readonly config?: string };
  readonly to?: { readonly droplet: string; readonly image?: string; readonly digest?: string; readonly config?: string };
  readonly durationMs: number;
  readonly message?: string;
  readonly error?: string;
  /** What a command other than a cutover did, in one line (e.g. `balancer apply`: the config hashes and the keys). */
  readonly detail?: string;
}

export interface AuditPort {
  append(entry: AuditEntry): Promise<void>;
  tail(lines: number): Promise<AuditEntry[]>;
}

export interface DeploymentRecorder {
  /** Returns a handle passed to finish(); never throws (reporting must not break a deploy). */
  start(image: string, description: string): Promise<number | undefined>;
  finish(handle: number | undefined, state: "success" | "failure", description: string): Promise<void>;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Everything the switch touches, injected: real adapters in production and the lab, fakes in unit tests. */
export interface Ports {
  readonly digitalocean: DigitalOceanPort;
  docker(droplet: Droplet): DockerPort;
  readonly health: HealthProbe;
  readonly publicProbe: PublicProbe;
  /** The balancer-side ports need the balancer droplet, which observe finds. */
  haproxy(balancer: Droplet): HaproxyPort;
  lock(balancer: Droplet): LockPort;
  balancerConfig(balancer: Droplet): BalancerConfigPort;
  balancerKernel(balancer: Droplet): BalancerKernelPort;
  authorizedKeys(droplet: Droplet): AuthorizedKeysPort;
  audit(balancer: Droplet): AuditPort;
  readonly deployments: DeploymentRecorder;
  readonly clock: Clock;
  /** Closes SSH connections. */
  close(): Promise<void>;
}
