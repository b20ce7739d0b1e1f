import type { CertificateStatus } from "../../../core/tls";
import { ExternalError } from "../../../core/errors";
import { configFingerprint } from "../../../core/app";
import { releaseOf } from "../../../switch/release";
import { renderBalancerHaproxyConfig } from "../../../core/haproxy";
import { BALANCER_SYSCTLS, balancerSysctlText } from "../../../core/cloud-init/balancer-sysctl";
import { testConfig } from "./config";
import { lastLinesOf, missingCommandError } from "../../../switch/adapters/docker";
import { DigitalOceanError, DockerError, RegistryError } from "../../../switch/errors";
import { AppContainer, Droplet, HaproxyServer, LABEL, LockClaim, LockHolder, LockReading, ReservedIp } from "../../../switch/model";
import type {
  AuditEntry,
  AuditPort,
  AuthorizedKeysPort,
  BalancerConfigPort,
  BalancerKernelPort,
  Clock,
  ContainerSpec,
  DeploymentRecorder,
  DigitalOceanPort,
  DockerPort,
  HaproxyPort,
  HealthAnswer,
  ServerChange,
  LockAttempt,
  LockPort,
  LockRenewal,
  LogQuery,
  Mount,
  OneOffIo,
  OneOffResult,
  OneOffSpec,
  Ports,
  PulledImage,
  RegistryAuth,
  RuntimeSpec,
} from "../../../switch/ports";

/** How a fake image behaves once started. */
export interface ImageBehaviour {
  readonly version: string;
  readonly health?: number;
  readonly exitsAtStart?: boolean;
  /** Dies at start and is restarted by its restart policy: "running" between restarts. */
  readonly crashLoops?: boolean;
  /** Health turns 200 only after this many probes. */
  readonly slowStartProbes?: number;
}

export const IMAGES: Record<string, ImageBehaviour> = {
  "registry.test/web:v0": { version: "v0" },
  "registry.test/web:v1": { version: "v1" },
  "registry.test/web:v2": { version: "v2" },
  "registry.test/web:v3": { version: "v3", slowStartProbes: 3 },
  "registry.test/web:health-fails": { version: "bad", health: 500 },
  "registry.test/web:exits-at-start": { version: "bad", exitsAtStart: true },
  "registry.test/web:crash-loop": { version: "bad", crashLoops: true },
};

export class FakeClock implements Clock {
  t = Date.parse("2026-11-22T12:00:00Z");
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(ms, 1);
  }
}

interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  running: boolean;
  exitCode?: number;
  restartCount?: number;
  created: number;
  probes: number;
  /** Environment, mounts, limits and log driver it was started with (what a one-off beside it inherits). */
  runtime: Omit<RuntimeSpec, "image">;
}

/** How a one-off command behaves in a FakeEngine (scripted by its words joined with spaces); unscripted: exit 0, no output. */
export interface OneOffScript {
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  /** Runs until killed: at io.timeoutMs (timed out), or when io.signal aborts (exit 137). */
  readonly hangs?: boolean;
  /** The image lacks the program: the engine refuses to start it, as Docker does. */
  readonly missing?: boolean;
}

/** One one-off container as the engine received it. */
export interface OneOffRun {
  readonly droplet: string;
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly mounts: readonly Mount[];
  readonly memoryBytes?: number;
  readonly cpus?: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly tty: boolean;
  readonly stdin: boolean;
  readonly timeoutMs?: number;
  readonly result?: OneOffResult;
}

interface FakeLogLine {
  readonly at: number;
  readonly stream: "stdout" | "stderr";
  readonly text: string;
}

let stackHaproxyConfig: string | undefined;
/** haproxy.cfg as the stack renders it for the unit tests' configuration and the world's reserved IP. */
export const STACK_HAPROXY_CONFIG = () => (stackHaproxyConfig ??= renderBalancerHaproxyConfig(testConfig(), "198.18.1.100"));

const DEFAULT_RUNTIME: Omit<RuntimeSpec, "image"> = { env: ["PORT=8080"], mounts: [], log: { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } } };

const SEED_SALT = "5eed5eed5eed5eed5eed5eed5eed5eed";
let seededConfig: string | undefined;
/** The fingerprint of the unit tests' app (fixtures/bluegreen.config.ts) with no secrets: what a cutover with `secrets: {}` starts. */
const SEEDED_CONFIG = () => (seededConfig ??= configFingerprint(releaseOf(testConfig(), "any", {}).config, SEED_SALT));

/** One droplet's Docker engine. */
export class FakeEngine implements DockerPort {
  containers: FakeContainer[] = [];
  /** Every one-off run here, in order (removed afterwards, as the real adapter does). */
  readonly oneOffs: OneOffRun[] = [];
  /** Every streamLogs query, with the container it read. */
  readonly logQueries: { id: string; query: LogQuery }[] = [];
  private readonly scripts = new Map<string, OneOffScript>();
  private readonly logLines = new Map<string, FakeLogLine[]>();
  private readonly followers = new Map<string, Set<{ emit: (line: FakeLogLine) => void; end: () => void }>>();
  constructor(private readonly world: FakeWorld, readonly droplet: Droplet) {}

  /** How `command` (its words joined with spaces, e.g. "sh -c exit 3") behaves when run as a one-off here. */
  script(command: string, behaviour: OneOffScript): this {
    this.scripts.set(command, behaviour);
    return this;
  }

  /** A line the container writes to its log now (followers see it at once). */
  say(id: string, text: string, stream: "stdout" | "stderr" = "stdout"): void {
    const line = { at: this.world.clock.now(), stream, text: text.endsWith("\n") ? text : `${text}\n` };
    this.logLines.set(id, [...(this.logLines.get(id) ?? []), line]);
    for (const f of this.followers.get(id) ?? []) f.emit(line);
  }

  private endFollowers(id: string): void {
    for (const f of this.followers.get(id) ?? []) f.end();
    this.followers.delete(id);
  }

  private toView(c: FakeContainer): AppContainer {
    return {
      id: c.id,
      name: c.name,
      image: c.labels[LABEL.image] ?? c.image,
      imageId: `sha256:id-${c.image}`,
      digest: c.labels[LABEL.digest] ?? "",
      version: c.labels[LABEL.version] ?? "",
      running: c.running,
      state: c.running ? "running" : "exited",
      exitCode: c.exitCode,
      restartCount: c.restartCount,
      createdAt: new Date(c.created).toISOString(),
      labels: c.labels,
    };
  }

  private find(id: string): FakeContainer {
    const c = this.containers.find((x) => x.id === id);
    if (!c) throw new ExternalError(`no such container ${id}`, "");
    return c;
  }

  /** Seeds a container as if a previous deploy had started it, with the test app's configuration (no secrets). */
  seed(image: string, running = true): FakeContainer {
    const c: FakeContainer = {
      id: `c${++this.world.seq}`,
      name: `web-seed${this.world.seq}`,
      image,
      labels: { [LABEL.app]: "web", [LABEL.image]: image, [LABEL.version]: IMAGES[image]?.version ?? "?", [LABEL.digest]: `digest-${image}`, [LABEL.config]: SEEDED_CONFIG() },
      running,
      created: this.world.clock.now() - 1000 * (100 - this.world.seq),
      probes: 0,
      runtime: DEFAULT_RUNTIME,
    };
    this.containers.push(c);
    return c;
  }

  async listAppContainers(app: string): Promise<AppContainer[]> {
    this.world.log(`docker ${this.droplet.name} list`);
    return this.containers
      .filter((c) => c.labels[LABEL.app] === app)
      .sort((a, b) => b.created - a.created)
      .map((c) => this.toView(c));
  }

  async pull(image: string, auth?: RegistryAuth): Promise<PulledImage> {
    this.world.log(`docker ${this.droplet.name} pull ${image}`);
    this.world.lastAuth = auth;
    if (this.world.failOn === `pull`) throw new RegistryError(`registry denied pull of ${image}`, "check credentials");
    if (!IMAGES[image]) throw new RegistryError(`image ${image} not found`, "push it first");
    return { id: `sha256:id-${image}`, digest: `digest-${image}` };
  }

  async run(spec: ContainerSpec): Promise<string> {
    this.world.log(`docker ${this.droplet.name} run ${spec.image}`);
    const c: FakeContainer = {
      id: `c${++this.world.seq}`,
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      running: true,
      created: this.world.clock.now(),
      probes: 0,
      runtime: { env: spec.env, mounts: spec.mounts, memoryBytes: spec.memoryBytes, cpus: spec.cpus, log: spec.log },
    };
    if (IMAGES[spec.image]?.exitsAtStart) Object.assign(c, { running: false, exitCode: 1 });
    if (IMAGES[spec.image]?.crashLoops) Object.assign(c, { restartCount: 2, exitCode: 1 });
    this.containers.push(c);
    this.world.lastSpec = spec;
    return c.id;
  }

  async start(id: string): Promise<void> {
    this.world.log(`docker ${this.droplet.name} start ${id}`);
    this.find(id).running = true;
  }
  async rename(id: string, name: string): Promise<void> {
    this.world.log(`docker ${this.droplet.name} rename ${id} ${name}`);
    if (this.world.failOn === "rename") throw new DockerError(`injected failure renaming ${id}`, "retry");
    this.find(id).name = name;
  }
  async stop(id: string): Promise<void> {
    this.world.log(`docker ${this.droplet.name} stop ${id}`);
    this.find(id).running = false;
    this.endFollowers(id);
  }
  async remove(id: string): Promise<void> {
    this.world.log(`docker ${this.droplet.name} remove ${id}`);
    this.find(id);
    this.containers = this.containers.filter((c) => c.id !== id);
    this.endFollowers(id);
  }
  async inspect(id: string): Promise<AppContainer> {
    return this.toView(this.find(id));
  }
  async logs(id: string): Promise<string> {
    return `log of ${this.find(id).name}\nlistening on 8080`;
  }

  async runOnce(spec: OneOffSpec, io: OneOffIo = {}): Promise<OneOffResult> {
    this.world.log(`docker ${this.droplet.name} run-once ${spec.command.join(" ")}`);
    const { [LABEL.app]: _app, ...labels } = spec.labels;
    const run: OneOffRun = {
      droplet: this.droplet.name,
      name: spec.name,
      image: spec.image,
      command: [...spec.command],
      env: [...spec.env],
      mounts: [...spec.mounts],
      memoryBytes: spec.memoryBytes,
      cpus: spec.cpus,
      labels,
      tty: !!io.tty,
      stdin: !!io.stdin,
      timeoutMs: io.timeoutMs,
    };
    this.oneOffs.push(run);
    if (this.world.failOn === "one-off") throw new DockerError(`Docker on ${this.droplet.name} failed to run ${spec.name} (injected)`, "check that Docker runs on the droplet");
    const script = this.scripts.get(spec.command.join(" ")) ?? {};
    if (script.missing)
      throw missingCommandError(spec.image, spec.command, `OCI runtime create failed: unable to start container process: exec: "${spec.command[0]}": executable file not found in $PATH: unknown`)!;
    let result: OneOffResult;
    if (script.hangs) result = await this.hang(io);
    else {
      if (script.stdout) io.onOutput?.(script.stdout, "stdout");
      // A TTY has one stream, as with Docker.
      if (script.stderr) io.onOutput?.(script.stderr, io.tty ? "stdout" : "stderr");
      result = { exitCode: script.exitCode ?? 0, timedOut: false, lastLines: lastLinesOf(`${script.stdout ?? ""}${script.stderr ?? ""}`) };
    }
    this.oneOffs[this.oneOffs.length - 1] = { ...run, result };
    return result;
  }

  /** A one-off that never ends on its own: killed at its timeout (clock advanced), or when its signal aborts. */
  private async hang(io: OneOffIo): Promise<OneOffResult> {
    if (io.timeoutMs !== undefined) {
      this.world.clock.t += io.timeoutMs;
      return { exitCode: null, timedOut: true, lastLines: "" };
    }
    const signal = io.signal;
    if (!signal) throw new Error("fake one-off hangs forever: give it a timeoutMs or a signal");
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    return { exitCode: 137, timedOut: false, lastLines: "" };
  }

  async runBeside(id: string, name: string, command: readonly string[], io: OneOffIo = {}): Promise<OneOffResult> {
    const app = this.find(id);
    return this.runOnce({ name, image: `sha256:id-${app.image}`, labels: { [LABEL.oneOff]: id }, command, ...app.runtime }, io);
  }

  async streamLogs(id: string, query: LogQuery, sink: (chunk: string, stream: "stdout" | "stderr") => void, signal?: AbortSignal): Promise<void> {
    const c = this.find(id);
    this.logQueries.push({ id, query });
    const past = (this.logLines.get(id) ?? []).filter((l) => query.since === undefined || l.at >= query.since * 1000);
    for (const l of query.tail === undefined ? past : query.tail === 0 ? [] : past.slice(-query.tail)) sink(l.text, l.stream);
    if (!query.follow || !c.running || signal?.aborted) return;
    // Following ends when the container stops or goes, or when the caller aborts.
    await new Promise<void>((resolve) => {
      const follower = { emit: (l: FakeLogLine) => sink(l.text, l.stream), end: () => resolve() };
      const set = this.followers.get(id) ?? new Set();
      this.followers.set(id, set.add(follower));
      signal?.addEventListener("abort", () => (set.delete(follower), resolve()), { once: true });
    });
  }

  /** What GET /health on this droplet answers right now. */
  health(): HealthAnswer {
    const c = this.containers.find((x) => x.running);
    if (!c) throw new ExternalError("connection refused", "");
    const b = IMAGES[c.image];
    c.probes++;
    if (b.slowStartProbes && c.probes <= b.slowStartProbes) throw new ExternalError("connection refused", "");
    const status = b.health ?? 200;
    return { status, version: b.version, body: JSON.stringify({ version: b.version }) };
  }
}

export interface WorldOptions {
  prodImage?: string;
  fallbackImage?: string | null;
}

/**
 * An in-memory DigitalOcean + two Docker engines + HAProxy + lock + audit, consistent with each other:
 * HAProxy's slots serve the droplet whose own address they target (a slot still on the reserved IP, as a new balancer
 * boots, serves whatever droplet holds it), and the public probe answers with the version behind the active slot.
 */
export class FakeWorld {
  seq = 0;
  readonly clock = new FakeClock();
  readonly calls: string[] = [];
  failOn?: string;
  lastAuth?: RegistryAuth;
  lastSpec?: ContainerSpec;
  droplets: Droplet[];
  readonly engines = new Map<number, FakeEngine>();
  ip: ReservedIp = { ip: "198.18.1.100", region: "nyc3", dropletId: 1, locked: false };
  servers: HaproxyServer[];
  /** Sessions a slot that stopped serving still reports until they finish (decremented per poll): requests in flight at a flip. */
  leftoverSessions = 2;
  /** The slot that served last before the one serving now: the one the leftover sessions are on. */
  private servedBefore?: string;
  /** Streams open on a slot that never end by themselves (until maint or a shutdown), by slot. */
  streams: Record<string, number> = {};
  lockHolder: LockHolder | null = null;
  lockDirWithoutHolder = false;
  /** The balancer's clock minus this world's (the runners'): every lock time is the balancer's. */
  balancerClockSkewMs = 0;
  /** When the lock last changed, by the balancer's clock (a lock record that cannot be trusted is stale a TTL after). */
  lockChangedAt = Date.parse("2026-11-22T12:00:00Z");
  audit: AuditEntry[] = [];
  deployments: { image: string; states: string[] }[] = [];
  publicOverride?: (answer: HealthAnswer) => HealthAnswer;
  actionPolls = 0;
  /** HAProxy's checks of this slot fail (e.g. a firewall between the balancer and that worker). */
  unreachableSlot?: string;
  /** Each runtime-API socket command, as HAProxy would receive it (a list of changes is one transaction). */
  readonly haproxyCommands: string[][] = [];
  /** Called after each single change of a runtime command: HAProxy runs them one by one, and requests arrive in between. */
  onHaproxyChange?: () => void;
  /** Per-slot traffic counters HAProxy reports (the bake window's error rate), when a test sets them. */
  traffic: Record<string, { responses: number; serverErrors: number; connectionErrors: number; responseTimeMs: number }> = {};
  /** Runs after every poll of HAProxy's servers: lets a test change the world mid-step (a container dies...). */
  onServersPoll?: () => void;
  /** HAProxy's maintenance map: whether visitors get the 503 page, and its message (plain text). */
  maintenance: { on: boolean; message?: string } = { on: false };
  /** TLS=auto: what the balancer's certificate status file says. */
  certificate: CertificateStatus = { state: "unknown" };
  /**
   * haproxy.cfg on the balancer: its text (null: none), whether the running worker loaded it, and that worker's pid.
   * It starts as the stack renders it for the test configuration, so `status` finds it up to date.
   */
  haproxyConfig: { text: string | null; loaded: boolean; worker: number } = { text: STACK_HAPROXY_CONFIG(), loaded: true, worker: 4242 };
  /** The balancer's kernel settings: as cloud-init leaves them. `refuses`: sysctl's message when the kernel refuses the file. */
  kernel: { file: string | null; live: Record<string, string>; refuses?: string } = { file: balancerSysctlText(), live: { ...BALANCER_SYSCTLS } };
  /** `haproxy -c` refuses a text this matches, with HAProxy's reason. */
  refuseConfig?: { readonly when: RegExp; readonly reason: string };
  /** Each droplet's authorized_keys by droplet id; absent: no file. */
  readonly authorizedKeyFiles = new Map<number, string>();

  constructor(options: WorldOptions = {}) {
    this.droplets = [
      { id: 1, name: "web-blue", tags: ["PROD"], region: "nyc3", publicIp: "198.18.1.11", privateIp: "198.18.2.11" },
      { id: 2, name: "web-green", tags: ["FALLBACK"], region: "nyc3", publicIp: "198.18.1.12", privateIp: "198.18.2.12" },
      { id: 9, name: "web-lb", tags: ["BALANCER"], region: "nyc3", publicIp: "198.18.1.10" },
    ];
    for (const d of this.droplets.slice(0, 2)) this.engines.set(d.id, new FakeEngine(this, d));
    this.engine(1).seed(options.prodImage ?? "registry.test/web:v1");
    if (options.fallbackImage !== null) this.engine(2).seed(options.fallbackImage ?? "registry.test/web:v0");
    // Pinned to the workers' own (VPC) addresses, as every run leaves them: PROD web-blue's serves, FALLBACK web-green's is armed.
    this.servers = [
      { name: "blue", address: "198.18.2.11", port: 8080, status: "UP", admin: "ready", currentSessions: 0 },
      { name: "green", address: "198.18.2.12", port: 8080, status: "DRAIN", admin: "drain", currentSessions: 0 },
    ];
  }

  log(call: string): void {
    this.calls.push(call);
  }

  engine(id: number): FakeEngine {
    return this.engines.get(id)!;
  }

  droplet(id: number): Droplet {
    return this.droplets.find((d) => d.id === id)!;
  }

  tagsOf(id: number): string[] {
    return [...this.droplet(id).tags].sort();
  }

  private fail(op: string): void {
    if (this.failOn === op) throw new ExternalError(`injected failure in ${op}`, "retry");
  }

  private healthOf(dropletId: number | null): HealthAnswer | undefined {
    if (dropletId === null) return undefined;
    try {
      return this.engine(dropletId).health();
    } catch {
      return undefined;
    }
  }

  private serverStatus(s: HaproxyServer): HaproxyServer {
    if (s.admin === "maint") return { ...s, status: "MAINT", currentSessions: 0, checkStatus: undefined };
    const target = this.targetOf(s);
    const healthy = this.healthOf(target)?.status === 200 && s.name !== this.unreachableSlot;
    const status = !healthy ? "DOWN" : s.admin === "drain" ? "DRAIN" : "UP";
    let sessions = this.streams[s.name] ?? 0;
    if (s.name === this.servedBefore && s.admin !== "ready" && this.leftoverSessions > 0) sessions += this.leftoverSessions--;
    const traffic = this.traffic[s.name];
    return { ...s, status, currentSessions: sessions, checkStatus: healthy ? "L7OK" : "L4CON", lastCheck: healthy ? undefined : "Connection refused", ...(traffic ? { traffic } : {}) };
  }

  /** The droplet a slot's traffic reaches: by its own address, or through the reserved IP. */
  private targetOf(s: HaproxyServer): number | null {
    if (s.address === this.ip.ip) return this.ip.dropletId;
    return this.droplets.find((d) => d.privateIp === s.address || d.publicIp === s.address)?.id ?? null;
  }

  readonly digitalocean: DigitalOceanPort = {
    listDroplets: async () => {
      this.log("do list");
      this.fail("list");
      return this.droplets.map((d) => ({ ...d, tags: [...d.tags] }));
    },
    getReservedIp: async (ip) => {
      this.log(`do get-ip ${ip}`);
      return { ...this.ip };
    },
    listReservedIps: async () => [{ ...this.ip }],
    assignReservedIp: async (ip, dropletId) => {
      this.log(`do assign ${ip} ${dropletId}`);
      if (this.failOn === "assign") throw new DigitalOceanError(422, "DigitalOcean refused assigning the IP (422: injected)", "wait and re-run");
      this.ip = { ...this.ip, dropletId };
      return 77;
    },
    getAction: async () => {
      this.actionPolls++;
      this.fail("action");
      return { status: this.actionPolls < 2 ? "in-progress" : "completed" };
    },
    tagDroplet: async (tag, id) => {
      this.log(`do tag ${tag} ${id}`);
      this.fail(`tag ${tag} ${id}`);
      const d = this.droplet(id);
      if (!d.tags.includes(tag)) this.droplets = this.droplets.map((x) => (x.id === id ? { ...x, tags: [...x.tags, tag] } : x));
    },
    untagDroplet: async (tag, id) => {
      this.log(`do untag ${tag} ${id}`);
      this.fail(`untag ${tag} ${id}`);
      this.droplets = this.droplets.map((x) => (x.id === id ? { ...x, tags: x.tags.filter((t) => t !== tag) } : x));
    },
  };

  private change(c: ServerChange): void {
    if (c.address) this.log(`haproxy ${c.server} addr ${c.address.ip}:${c.address.port}`);
    if (c.state) {
      this.log(`haproxy ${c.server} ${c.state}`);
      this.fail(`haproxy ${c.server} ${c.state}`);
    }
    if (c.health) this.log(`haproxy ${c.server} health ${c.health}`);
    const serving = this.servers.find((s) => s.admin === "ready")?.name;
    this.servers = this.servers.map((s) =>
      s.name === c.server ? { ...s, ...(c.address ? { address: c.address.ip, port: c.address.port } : {}), ...(c.state ? { admin: c.state } : {}) } : s,
    );
    if (c.state === "maint") this.streams[c.server] = 0;
    const now = this.servers.find((s) => s.admin === "ready")?.name;
    if (serving && now !== serving) this.servedBefore = serving;
  }

  readonly haproxyPort: HaproxyPort = {
    servers: async () => {
      const servers = this.servers.map((s) => this.serverStatus(s));
      this.onServersPoll?.();
      return servers;
    },
    apply: async (changes) => {
      this.haproxyCommands.push(changes.map((c) => [c.server, c.address && `addr ${c.address.ip}`, c.state, c.health && `health ${c.health}`].filter(Boolean).join(" ")));
      for (const c of changes) {
        this.change(c);
        this.onHaproxyChange?.();
      }
    },
    shutdownSessions: async (server) => {
      this.log(`haproxy ${server} shutdown sessions`);
      this.streams[server] = 0;
      if (server === this.servedBefore) this.leftoverSessions = 0;
    },
    maintenance: async () => {
      this.log("haproxy maintenance read");
      this.fail("haproxy maintenance read");
      return { ...this.maintenance };
    },
    setMaintenance: async (state) => {
      this.log(`haproxy maintenance ${state.on ? "on" : "off"}`);
      this.fail(`haproxy maintenance ${state.on ? "on" : "off"}`);
      this.maintenance = state.on ? { on: true, message: state.message } : { on: false };
    },
    certificate: async () => {
      this.log("haproxy certificate read");
      return this.certificate;
    },
  };

  balancerNow(): number {
    return this.clock.now() + this.balancerClockSkewMs;
  }

  /** The lock as LockDir's script reports it: judged by the balancer's clock; a set `lockHolder` counts as a valid lease. */
  lockReading(): LockReading | null {
    if (!this.lockHolder && !this.lockDirWithoutHolder) return null;
    const now = this.balancerNow();
    const base = { readAt: new Date(now).toISOString(), ageMs: Math.max(0, now - this.lockChangedAt), version: JSON.stringify(this.lockHolder) };
    if (!this.lockHolder) return { ...base, problem: "it has no holder record (a run died while taking it)" };
    return { ...base, holder: this.lockHolder, expiresInMs: Date.parse(this.lockHolder.expiresAt) - now };
  }

  private grantLock(claim: LockClaim, ttlMs: number): LockAttempt {
    const now = this.balancerNow();
    this.lockDirWithoutHolder = false;
    this.lockChangedAt = now;
    this.lockHolder = { ...claim, acquiredAt: new Date(now).toISOString(), expiresAt: new Date(now + ttlMs).toISOString() };
    return { acquired: true, holder: this.lockHolder };
  }

  readonly lockPort: LockPort = {
    read: async () => this.lockReading(),
    tryAcquire: async (claim, ttlMs): Promise<LockAttempt> => {
      this.log("lock acquire");
      if (this.lockHolder || this.lockDirWithoutHolder) return { acquired: false, current: this.lockReading() };
      return this.grantLock(claim, ttlMs);
    },
    takeOver: async (seen, claim, ttlMs): Promise<LockAttempt> => {
      this.log("lock takeover");
      const current = this.lockReading();
      if (current && current.version !== seen.version) return { acquired: false, current };
      return this.grantLock(claim, ttlMs);
    },
    renew: async (id, ttlMs): Promise<LockRenewal> => {
      this.log("lock renew");
      this.fail("lock renew");
      if (this.lockHolder?.id !== id) return { renewed: false, current: this.lockReading() };
      const now = this.balancerNow();
      this.lockChangedAt = now;
      this.lockHolder = { ...this.lockHolder, expiresAt: new Date(now + ttlMs).toISOString(), renewedAt: new Date(now).toISOString() };
      return { renewed: true, holder: this.lockHolder };
    },
    release: async (id, force) => {
      this.log("lock release");
      if (!this.lockHolder && !this.lockDirWithoutHolder) return false;
      if (!force && this.lockHolder?.id !== id) return false;
      this.lockHolder = null;
      this.lockDirWithoutHolder = false;
      return true;
    },
    releaseIfUnchanged: async (seen) => {
      this.log("lock release-if-unchanged");
      const current = this.lockReading();
      if (!current || current.version !== seen.version) return { released: false, current };
      this.lockHolder = null;
      this.lockDirWithoutHolder = false;
      return { released: true, current: null };
    },
  };

  private checkConfig(text: string) {
    return this.refuseConfig?.when.test(text) ? { accepted: false as const, reason: this.refuseConfig.reason, alerts: [this.refuseConfig.reason] } : { accepted: true as const, warnings: [] };
  }

  /**
   * The balancer's haproxy.cfg. An install that HAProxy accepts replaces the file and starts a new worker; the server
   * slots keep their runtime state, as the server-state file makes them do on a real HAProxy.
   */
  readonly balancerConfigPort: BalancerConfigPort = {
    read: async () => {
      this.log("balancer config read");
      return { text: this.haproxyConfig.text, loaded: this.haproxyConfig.loaded };
    },
    check: async (text) => {
      this.log("balancer config check");
      return this.checkConfig(text);
    },
    install: async (text) => {
      this.log("balancer config install");
      const check = this.checkConfig(text);
      if (!check.accepted) return check;
      this.fail("balancer reload");
      const before = this.haproxyConfig.worker;
      this.haproxyConfig = { text, loaded: true, worker: before + 1 };
      return { ...check, worker: { before, after: before + 1 } };
    },
  };

  readonly balancerKernelPort: BalancerKernelPort = {
    read: async (keys) => {
      this.log("balancer kernel read");
      return this.kernelReading(keys);
    },
    install: async (text) => {
      this.log("balancer kernel install");
      this.fail("balancer kernel install");
      if (this.kernel.refuses)
        throw new ExternalError(`the kernel on web-lb refused ${testConfig().haproxy.sysctlFile} (${this.kernel.refuses}); the previous file is back`, "check `sysctl -p` there");
      const written = text
        .split("\n")
        .map((line) => /^([a-z0-9_.]+) = (.+)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null);
      this.kernel = { ...this.kernel, file: text, live: { ...this.kernel.live, ...Object.fromEntries(written.map((m) => [m[1], m[2]])) } };
    },
  };

  private kernelReading(keys: readonly string[]) {
    return { file: this.kernel.file, live: Object.fromEntries(keys.map((k) => [k, this.kernel.live[k] ?? "?"])) };
  }

  authorizedKeysPort(droplet: Droplet): AuthorizedKeysPort {
    return {
      read: async () => this.authorizedKeyFiles.get(droplet.id) ?? null,
      write: async (text) => {
        this.log(`keys write ${droplet.name}`);
        this.fail(`keys write ${droplet.name}`);
        this.authorizedKeyFiles.set(droplet.id, text);
      },
    };
  }

  readonly auditPort: AuditPort = {
    append: async (entry) => void this.audit.push(entry),
    tail: async (n) => this.audit.slice(-n),
  };

  readonly recorder: DeploymentRecorder = {
    start: async (image) => this.deployments.push({ image, states: ["in_progress"] }) - 1,
    finish: async (handle, state) => void this.deployments[handle!].states.push(state),
  };

  /** Where HAProxy would send a new request now: the slot in `ready` (a drained slot takes none). */
  publicAnswer(): HealthAnswer {
    const active = this.servers.find((s) => s.admin === "ready");
    if (!active) return { status: 503, body: "no server available" };
    const target = this.targetOf(active);
    const answer = this.healthOf(target) ?? { status: 503, body: "down" };
    return this.publicOverride ? this.publicOverride(answer) : answer;
  }

  ports(): Ports {
    return {
      digitalocean: this.digitalocean,
      docker: (d) => this.engine(d.id),
      health: { probe: async (d) => this.engine(d.id).health() },
      publicProbe: { get: async () => this.publicAnswer() },
      haproxy: () => this.haproxyPort,
      lock: () => this.lockPort,
      balancerConfig: () => this.balancerConfigPort,
      balancerKernel: () => this.balancerKernelPort,
      authorizedKeys: (d) => this.authorizedKeysPort(d),
      audit: () => this.auditPort,
      deployments: this.recorder,
      clock: this.clock,
      close: async () => undefined,
    };
  }

  /** The IP holder, what it runs, and the tags: the facts the tests assert on. */
  snapshot() {
    const running = (id: number) =>
      this.engine(id)
        .containers.filter((c) => c.running)
        .map((c) => c.image);
    return {
      ipOn: this.ip.dropletId,
      tags: { 1: this.tagsOf(1), 2: this.tagsOf(2) },
      running: { 1: running(1), 2: running(2) },
      haproxy: Object.fromEntries(this.servers.map((s) => [s.name, s.admin])),
      locked: !!this.lockHolder,
    };
  }
}
