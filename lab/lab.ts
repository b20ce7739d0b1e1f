import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { balancerSysctlText } from "../core/cloud-init/balancer-sysctl";
import { Config, loadConfig } from "../core/config";
import { describeCertificate } from "../core/tls";
import { ExternalError, UsageError } from "../core/errors";
import { networkDownCommands, networkUpCommands } from "./network/topology";
import { allHosts, LabPlan, planLab, workerPaths } from "./plan";
import { isAlive, spawnDetached, terminate, waitFor } from "./processes/daemon";
import { mountsUnder, pidsInNamespaces, pidsMentioning } from "./processes/leftovers";
import { CommandRunner, ExecRunner, runAll } from "./runner";
import { dockerdArgv } from "./services/dockerd";
import { ensureMaintenanceMap, ensureServerStateFile, haproxyArgv, labHaproxyConfig, labMaintenanceMap, labServerStateFile, openFilesHardLimit } from "./services/haproxy";
import { htpasswdCommand, registryArgv, registryConfig, registryPaths } from "./services/registry";
import { keygenCommand, knownHostsLine, sshdArgv, sshdConfig, sshPaths } from "./services/sshd";
import { listenerCertificateCommands, pebbleArgv, pebbleConfig, pebbleEnv, pebblePaths } from "./services/pebble";
import { fetchPebbleRoot } from "./services/pebble-client";
import { certificateStatus, labTlsPaths, obtainArgv, prepareCertificateFiles, writeCertificateScripts } from "./services/certbot";
import { buildAndPushDemoImages } from "./images/build-demo-images";
import { RegistryClient } from "./images/registry-client";
import { httpOverUnixSocket, httpStatus, sshBanner, unixSocketAccepts } from "./readiness";
import { readLabState, writeLabState, LabState } from "./state";
import { exportLines, labSwitchEnv, LabSecrets, SECRET_FILES } from "./switch-env";
import { ipCommands } from "./network/ip-commands";
import { removeCgroups } from "./processes/cgroups";
import { claimFreeIndex, discoverLabIndices } from "./discovery";

export { discoverLabIndices };

export const REPO_ROOT = resolve(__dirname, "..");
const READY_TIMEOUT_MS = 60_000;

/** Progress lines for a person (the CLI prints them, the demo shows them in its task list). */
export type LabReporter = (message: string) => void;

export interface LabDeps {
  readonly runner: CommandRunner;
  readonly report: LabReporter;
}

export interface LabUpResult {
  readonly plan: LabPlan;
  /** Values, secrets included: for processes the lab starts (switch, tests). Never print them. */
  readonly env: Record<string, string>;
  /** `export` lines safe to print: secrets are read from root-only files. */
  readonly exportLines: string[];
  readonly images: LabState["images"];
  /** From HAProxy's start (the balancer's boot) until the deploy hook reported the CA's certificate served. */
  readonly certificateServedMs: number;
}

export class LabNotFoundError extends UsageError {}
export class LabStartError extends ExternalError {}
/** `up` was interrupted (Ctrl-C, SIGTERM) and stops at the next checkpoint. */
export class LabAbortedError extends UsageError {}

/**
 * One lab: three droplet namespaces, two Docker engines, three sshds, a registry, HAProxy and the
 * DigitalOcean API simulator. `up` builds it, `down` removes everything it (or a crashed run) left.
 */
export class Lab {
  constructor(
    readonly plan: LabPlan,
    private readonly deps: LabDeps = { runner: new ExecRunner(), report: () => undefined },
  ) {}

  /** Claims the first free index (atomic mkdir of its state dir) and returns that lab, not yet up. */
  static claimFree(deps?: LabDeps, runner: CommandRunner = deps?.runner ?? new ExecRunner()): Promise<Lab> {
    return claimFreeIndex(runner).then((index) => new Lab(planLab(index), deps));
  }

  get secrets(): LabSecrets {
    const read = (file: string) => readFileSync(`${this.plan.paths.secretsDir}/${file}`, "utf8").trim();
    return { token: read(SECRET_FILES.DIGITALOCEAN_TOKEN), registryPassword: read(SECRET_FILES.CI_REGISTRY_PASSWORD), demoApiKey: read(SECRET_FILES.DEMO_API_KEY) };
  }

  env(): Record<string, string> {
    return labSwitchEnv(this.plan, this.secrets);
  }

  private aborted = false;

  /** Makes a running `up` stop at its next checkpoint (and tear down); for signal handlers. */
  abort(): void {
    this.aborted = true;
  }

  private checkpoint(): void {
    if (this.aborted) throw new LabAbortedError(`lab ${this.plan.index}: start interrupted`, `nothing to do: the lab is being removed`);
  }

  async up(): Promise<LabUpResult> {
    const { plan } = this;
    const report = this.deps.report;
    try {
      this.checkpoint();
      this.makeDirectories();
      report(`lab ${plan.index}: network ${plan.subnet} (namespaces ${allHosts(plan).map((h) => h.namespace).join(", ")})`);
      for (const command of networkUpCommands(plan)) {
        this.checkpoint();
        await this.deps.runner.run(command);
      }
      report("keys, configs and secrets");
      const secrets = this.writeSecrets();
      await this.writeSshFiles();
      await this.writeRegistryFiles(secrets);
      await this.writeAcmeFiles();
      const env = labSwitchEnv(plan, secrets);
      const labConfig = loadConfig(env, "stack");
      writeFileSync(plan.paths.haproxyConfig, labHaproxyConfig(plan, labConfig));
      ensureMaintenanceMap(labMaintenanceMap(labConfig));
      ensureServerStateFile(labServerStateFile(labConfig));
      // The file the balancer's cloud-init writes (the namespace already runs its values: networkUpCommands).
      mkdirSync(dirname(plan.paths.balancerSysctl), { recursive: true });
      writeFileSync(plan.paths.balancerSysctl, balancerSysctlText());
      await this.deps.runner.run({ argv: prepareCertificateFiles(labConfig) });
      writeCertificateScripts(plan, labConfig);

      const pids: Record<string, number> = {};
      const state = (phase: LabState["phase"], images: LabState["images"] = []): LabState => ({ index: plan.index, createdAt: new Date().toISOString(), pids, images, phase });
      const start = (name: string, argv: string[], env: NodeJS.ProcessEnv = process.env) => {
        this.checkpoint();
        pids[name] = spawnDetached(argv, { logFile: `${plan.paths.logDir}/${name}.log`, env, cwd: REPO_ROOT });
        writeLabState(plan, state("starting"));
      };
      report("starting registry, 2 dockerd, 3 sshd, haproxy, DigitalOcean API simulator and DNS, Pebble ACME server");
      start("registry", registryArgv(plan));
      for (const worker of plan.workers) start(`dockerd-${worker.role}`, dockerdArgv(plan, worker));
      for (const host of allHosts(plan)) start(`sshd-${host.role}`, sshdArgv(plan, host));
      start("haproxy", haproxyArgv(plan, openFilesHardLimit(readFileSync("/proc/self/limits", "utf8"))));
      const haproxyStartedAt = Date.now();
      start("simulator", [process.execPath, "--import", "tsx", resolve(__dirname, "processes", "simulator-main.ts"), String(plan.index), plan.paths.stateFile], {
        ...process.env,
        NODE_NO_WARNINGS: "1",
      });
      // After the simulator, whose process serves the DNS that Pebble resolves the app's domain with.
      start("pebble", pebbleArgv(plan), { ...process.env, ...pebbleEnv() });

      const registry = new RegistryClient(plan.registry.address, plan.registry.user, secrets.registryPassword);
      await this.waitReady("registry", pids, async () => (await registry.ping()) === 200);
      report("building (or reusing cached) demo images and pushing them to the lab registry");
      const built = await buildAndPushDemoImages({
        runner: this.deps.runner,
        cacheDir: plan.paths.cacheDir,
        registry,
        registryAddress: plan.registry.address,
        repository: plan.registry.repository,
      });
      this.checkpoint();
      report(`images: ${built.images.map((i) => i.tag).join(", ")} (${built.cachedLayers} cached layer(s), ${built.builtLayers} built)`);

      await Promise.all([
        ...plan.workers.map((w) => this.waitReady(`dockerd-${w.role}`, pids, async () => (await httpOverUnixSocket(workerPaths(plan, w).socket, "/_ping")).body === "OK")),
        ...allHosts(plan).map((h) => this.waitReady(`sshd-${h.role}`, pids, () => sshBanner(h.publicIp))),
        this.waitReady("haproxy", pids, () => unixSocketAccepts(plan.paths.haproxyAdminSocket)),
        this.waitReady("simulator", pids, async () => (await httpStatus(`${plan.simulator.url}/_lab/state`)) === 200),
        this.fetchAcmeRoot(pids),
      ]);
      // As the droplet's systemd unit starts the obtain loop once HAProxy runs; `up` returns once the CA's certificate
      // is served, so everything after it (the demo, the tests) sees the site as users will: HTTPS, HTTP redirected.
      start("certificate", obtainArgv(plan));
      await this.waitCertificate(labConfig, pids);
      // Its work is done (it exits): the droplet's unit is a one-shot too. Renewals are `certbot renew`.
      delete pids["certificate"];
      const certificateServedMs = Date.now() - haproxyStartedAt;
      report(`certificate for ${labConfig.tls.names.join(", ")} issued by the lab's Pebble and served ${(certificateServedMs / 1000).toFixed(1)} s after HAProxy started`);
      this.checkpoint();
      const lines = exportLines(plan, env);
      writeFileSync(plan.paths.envFile, `# do-bluegreen lab ${plan.index}: source this file, then run \`npm run switch -- --image "$LAB_IMAGE_V1"\`\n${lines.join("\n")}\n`, { mode: 0o600 });
      const images = built.images.map((i) => ({ tag: i.tag, ref: i.ref, digest: i.digest }));
      writeLabState(plan, state("up", images));
      report(`lab ${plan.index} is up; environment in ${plan.paths.envFile}`);
      return { plan, env, exportLines: lines, images, certificateServedMs };
    } catch (error) {
      report(`lab ${plan.index}: start failed, tearing down what was started`);
      await this.down().catch(() => undefined);
      throw error instanceof UsageError || error instanceof ExternalError
        ? error
        : new LabStartError(`lab ${plan.index} failed to start: ${error instanceof Error ? error.message : String(error)}`, `see the logs printed above; \`npm run lab -- down ${plan.index}\` cleans up`, { cause: error });
    }
  }

  /**
   * Idempotent and crash-proof: works from the state file when there is one, and from names and
   * paths when there is not (processes in the lab's namespaces or naming its directories, mounts
   * under them), so it also cleans up after a run that was killed with SIGKILL.
   */
  down(): Promise<void> {
    // A signal handler and a failing `up` may both ask at once: one teardown, shared.
    this.downInFlight ??= this.tearDown().finally(() => (this.downInFlight = undefined));
    return this.downInFlight;
  }

  private downInFlight: Promise<void> | undefined;

  private async tearDown(): Promise<void> {
    const { plan } = this;
    const state = readLabState(plan);
    const namespaces = allHosts(plan).map((h) => h.namespace);
    const roots = [plan.paths.stateDir, plan.paths.dataDir];
    // dockerd first, gracefully: it stops its containers (the app drains) and unmounts its layers.
    const recorded = Object.entries(state?.pids ?? {});
    await Promise.all(recorded.filter(([name]) => name.startsWith("dockerd")).map(([, pid]) => terminate(pid, 15_000)));
    await Promise.all(recorded.map(([, pid]) => terminate(pid, 5_000)));
    for (let round = 0; round < 5; round++) {
      const leftovers = [...new Set([...pidsInNamespaces(namespaces), ...pidsMentioning(roots)])].filter((pid) => pid !== process.pid);
      if (leftovers.length === 0) break;
      await Promise.all(leftovers.map((pid) => terminate(pid, round === 0 ? 2_000 : 0)));
    }
    for (const mount of mountsUnder(roots)) {
      await this.deps.runner.run({ argv: ["umount", mount], tolerate: /./ }).then((r) => (r.code !== 0 ? this.deps.runner.run({ argv: ["umount", "-l", mount], tolerate: /./ }) : r));
    }
    await runAll(this.deps.runner, networkDownCommands(plan));
    removeCgroups(plan);
    rmSync(plan.paths.dataDir, { recursive: true, force: true });
    rmSync(plan.paths.stateDir, { recursive: true, force: true });
  }

  async status(): Promise<LabStatus> {
    const { plan } = this;
    const state = readLabState(plan);
    const processes = Object.fromEntries(Object.entries(state?.pids ?? {}).map(([name, pid]) => [name, { pid, alive: isAlive(pid) }]));
    const namespaces = await this.existingNamespaces();
    let floatingIpOn: string | null = null;
    for (const host of allHosts(plan)) {
      if (!namespaces.includes(host.namespace)) continue;
      const out = await this.deps.runner.run(ipCommands.showAddresses(host.namespace, "eth0")).catch(() => undefined);
      if (out?.stdout.includes(`"${plan.floatingIp}"`)) floatingIpOn = host.dropletName;
    }
    let simulator: unknown = null;
    try {
      const res = await fetch(`${plan.simulator.url}/_lab/state`, { signal: AbortSignal.timeout(2000) });
      simulator = await res.json();
    } catch {
      simulator = null;
    }
    return { index: plan.index, phase: state?.phase ?? "absent", createdAt: state?.createdAt ?? null, processes, namespaces, floatingIpOn, envFile: existsSync(plan.paths.envFile) ? plan.paths.envFile : null, simulator };
  }

  private async existingNamespaces(): Promise<string[]> {
    const out = await this.deps.runner.run(ipCommands.listNamespaces());
    const names = out.stdout.trim() ? (JSON.parse(out.stdout) as { name: string }[]).map((n) => n.name) : [];
    return names.filter((n) => n.startsWith(`${this.plan.prefix}-`));
  }

  private makeDirectories(): void {
    const p = this.plan.paths;
    for (const dir of [p.stateDir, p.logDir, p.sshDir, p.secretsDir, p.dataDir, p.cacheDir, p.switchStateDir, `${p.stateDir}/haproxy`, `${p.stateDir}/registry`, p.acmeDir, labTlsPaths(this.plan).dir, "/run/sshd"]) {
      mkdirSync(dir, { recursive: true });
    }
    chmodSync(p.secretsDir, 0o700);
    chmodSync(p.sshDir, 0o700);
    for (const w of this.plan.workers) mkdirSync(workerPaths(this.plan, w).execRoot, { recursive: true });
    for (const h of allHosts(this.plan)) mkdirSync(sshPaths(this.plan).home(h), { recursive: true });
  }

  private writeSecrets(): LabSecrets {
    const secrets = {
      token: `dop_v1_lab${this.plan.index}_${randomBytes(24).toString("hex")}`,
      registryPassword: randomBytes(18).toString("base64url"),
      demoApiKey: `demo_${randomBytes(18).toString("base64url")}`,
    };
    writeFileSync(`${this.plan.paths.secretsDir}/${SECRET_FILES.DIGITALOCEAN_TOKEN}`, secrets.token + "\n", { mode: 0o600 });
    writeFileSync(`${this.plan.paths.secretsDir}/${SECRET_FILES.CI_REGISTRY_PASSWORD}`, secrets.registryPassword + "\n", { mode: 0o600 });
    writeFileSync(`${this.plan.paths.secretsDir}/${SECRET_FILES.DEMO_API_KEY}`, secrets.demoApiKey + "\n", { mode: 0o600 });
    return secrets;
  }

  private async writeSshFiles(): Promise<void> {
    const { plan } = this;
    const ssh = sshPaths(plan);
    const keys = [{ path: ssh.clientKey, comment: `do-bluegreen-lab-${plan.index}-switch` }, ...allHosts(plan).map((h) => ({ path: ssh.hostKey(h), comment: h.dropletName }))];
    for (const k of keys) rmSync(k.path, { force: true }), rmSync(`${k.path}.pub`, { force: true });
    await Promise.all(keys.map((k) => this.deps.runner.run(keygenCommand(k.path, k.comment))));
    writeFileSync(ssh.authorizedKeys, readFileSync(`${ssh.clientKey}.pub`, "utf8"), { mode: 0o600 });
    writeFileSync(ssh.knownHosts, allHosts(plan).map((h) => knownHostsLine(h, readFileSync(`${ssh.hostKey(h)}.pub`, "utf8"))).join("\n") + "\n", { mode: 0o644 });
    for (const h of allHosts(plan)) writeFileSync(ssh.config(h), sshdConfig(plan, h), { mode: 0o600 });
  }

  private async writeRegistryFiles(secrets: LabSecrets): Promise<void> {
    const paths = registryPaths(this.plan);
    const line = await this.deps.runner.run(htpasswdCommand(this.plan.registry.user, secrets.registryPassword));
    writeFileSync(paths.htpasswd, line.stdout.trim() + "\n", { mode: 0o600 });
    writeFileSync(paths.config, registryConfig(this.plan));
    mkdirSync(paths.storage, { recursive: true });
  }

  private async writeAcmeFiles(): Promise<void> {
    await runAll(this.deps.runner, listenerCertificateCommands(this.plan));
    writeFileSync(pebblePaths(this.plan).config, pebbleConfig(this.plan));
  }

  /** The obtain loop exits 0 once the deploy hook installed the certificate and HAProxy's new worker serves it. */
  private async waitCertificate(config: Config, pids: Record<string, number>): Promise<void> {
    const logFile = `${this.plan.paths.logDir}/certificate.log`;
    await waitFor(
      "certificate",
      async () => {
        this.checkpoint();
        if (certificateStatus(config).state === "issued") return true;
        if (!isAlive(pids["certificate"])) throw new LabStartError(`the certificate loop ended without a certificate: ${tail(logFile)}`, `read ${logFile}`);
        return false;
      },
      READY_TIMEOUT_MS,
      `${describeCertificate(certificateStatus(config))}; log: ${logFile}`,
    );
  }

  /** Pebble is ready when it serves its root; the root changes at every Pebble start, so it is fetched, never kept. */
  private async fetchAcmeRoot(pids: Record<string, number>): Promise<void> {
    let root: string | undefined;
    await this.waitReady("pebble", pids, async () => (root = await fetchPebbleRoot(this.plan)) !== undefined);
    writeFileSync(this.plan.paths.acmeRootCa, root!);
  }

  private waitReady(name: string, pids: Record<string, number>, probe: () => Promise<boolean>): Promise<void> {
    const logFile = `${this.plan.paths.logDir}/${name}.log`;
    return waitFor(
      name,
      async () => {
        this.checkpoint();
        if (!isAlive(pids[name])) throw new LabStartError(`${name} exited during start: ${tail(logFile)}`, `read ${logFile}`);
        return probe();
      },
      READY_TIMEOUT_MS,
      `log: ${logFile}`,
    ).catch((error: unknown) => {
      if (error instanceof LabStartError || error instanceof LabAbortedError) throw error;
      throw new LabStartError(`${name} did not become ready: ${tail(logFile)}`, `read ${logFile}`, { cause: error });
    });
  }
}

export interface LabStatus {
  readonly index: number;
  readonly phase: LabState["phase"] | "absent";
  readonly createdAt: string | null;
  readonly processes: Record<string, { pid: number; alive: boolean }>;
  readonly namespaces: string[];
  readonly floatingIpOn: string | null;
  readonly envFile: string | null;
  readonly simulator: unknown;
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-3).join(" | ");
  } catch {
    return "(no log)";
  }
}

export function openLab(index: number, deps?: LabDeps): Lab {
  return new Lab(planLab(index), deps);
}
