import { randomBytes } from "node:crypto";
import type { Config } from "../core/config";
import { ExternalError } from "../core/errors";
import { HaproxyError, ImageRejectedError } from "./errors";
import { parseImageRef, versionOf } from "./image-ref";
import { AppContainer, Droplet, LABEL, ObservedState, RepairAction, Step } from "./model";
import { describeStep, isUnfinished, replacedIds } from "./plan";
import type { Ports, PulledImage, RegistryAuth } from "./ports";
import type { Reporter } from "./progress";

export interface RunContext {
  readonly ports: Ports;
  readonly config: Config;
  readonly reporter: Reporter;
  readonly observed: ObservedState;
  /** user@host or the CI job, for labels and the audit log. */
  readonly who: string;
}

/** What the app says it is, straight from its own container: verification compares the public entry with this. */
interface Identity {
  readonly containerId: string;
  readonly version?: string;
}

interface Started {
  readonly dropletId: number;
  containerId?: string;
  /** Containers stopped to make room; a failed gate starts them again. */
  readonly replaces: readonly string[];
  readonly created: boolean;
}

const LOG_TAIL_LINES = 20;
const STOP_TIMEOUT_SECONDS = 30;
/** Consecutive good answers from the public entry before verification passes. */
const VERIFY_STREAK = 3;
/** Longer than one HAProxy check interval (core/haproxy renders `inter 1s`). */
const SPARE_CONFIRM_MS = 1500;

/** Credentials go only to the registry they belong to, with each pull; nothing is stored on droplets. */
export function registryAuthFor(image: string, registry: Config["registry"]): RegistryAuth | undefined {
  if (!registry.user || !registry.password) return undefined;
  const host = parseImageRef(image).registry;
  if (registry.host && registry.host !== host) return undefined;
  return { username: registry.user, password: registry.password, serveraddress: host };
}

function versionFromLabels(c: AppContainer | undefined): string | undefined {
  return c?.labels[LABEL.version];
}

/**
 * Runs plan steps through the ports. Each step is idempotent, so a re-run after a crash at any
 * point repeats at most the step that was interrupted.
 */
export class Executor {
  private readonly pulled = new Map<number, PulledImage>();
  private readonly identities = new Map<number, Identity>();
  private started: Started | undefined;

  constructor(private readonly ctx: RunContext) {}

  get startedContainerId(): string | undefined {
    return this.started?.containerId;
  }

  digestOn(dropletId: number): string | undefined {
    return this.pulled.get(dropletId)?.digest;
  }

  async run(step: Step): Promise<void> {
    await this.ctx.reporter.step(step.name, describeStep(step, this.ctx.observed), () => this.apply(step));
  }

  private droplet(id: number): Droplet {
    const worker = this.ctx.observed.workers[id];
    if (!worker) throw new ExternalError(`droplet ${id} is not a known worker`, "re-run: the droplets changed during the run");
    return worker.droplet;
  }

  private get haproxy() {
    return this.ctx.ports.haproxy(this.ctx.observed.balancer);
  }

  private async apply(step: Step): Promise<void> {
    switch (step.name) {
      case "repair":
        for (const action of step.actions) await this.repair(action);
        return;
      case "pull":
        return this.pull(step.dropletId, step.image);
      case "start":
        return this.start(step.dropletId, step.image);
      case "gate":
        return this.gate(step.dropletId);
      case "route-to-spare":
        return this.routeToSpare(step.address, step.port);
      case "drain":
        return this.drain();
      case "move-ip":
        return this.moveIp(step.ip, step.toDropletId);
      case "restore-floating":
        return this.restoreFloating();
      case "release-spare":
        return this.releaseSpare();
      case "retag":
        return this.retag(step.prodId, step.fallbackId);
      case "verify":
        return this.verify(step.dropletId, step.url);
      case "prune":
        return this.prune(step.dropletId, step.keep);
      case "restore-previous":
        return this.restorePrevious(step.dropletId, step.remove, step.start);
    }
  }

  private async repair(action: RepairAction): Promise<void> {
    this.ctx.reporter.info(`repairing: ${action.why}`);
    if (action.kind === "retag") return this.retag(action.prodId, action.fallbackId);
    await this.restoreFloating();
    await this.releaseSpare();
  }

  private async pull(dropletId: number, image: string): Promise<void> {
    const pulled = await this.ctx.ports.docker(this.droplet(dropletId)).pull(image, registryAuthFor(image, this.ctx.config.registry));
    this.pulled.set(dropletId, pulled);
    this.ctx.reporter.info(`pulled ${image} (${pulled.digest})`);
  }

  private async start(dropletId: number, image: string): Promise<void> {
    const { app } = this.ctx.config;
    const docker = this.ctx.ports.docker(this.droplet(dropletId));
    const pulled = this.pulled.get(dropletId) ?? (await docker.pull(image, registryAuthFor(image, this.ctx.config.registry)));
    const running = (await docker.listAppContainers(app.name)).filter((c) => c.running);
    // A re-run after a crash finds its own container already up: use it rather than start a twin.
    const same = running.find((c) => c.image === image && c.imageId === pulled.id);
    if (same) {
      this.started = { dropletId, containerId: same.id, replaces: replacedIds(same), created: false };
      this.ctx.reporter.info(`${same.name} already runs ${image}: reusing it`);
      for (const other of running) if (other.id !== same.id) await docker.stop(other.id);
      return;
    }
    // An unfinished container from an interrupted run is no "previous version": the one it replaced is.
    const replaces = running.flatMap((c) => (isUnfinished(c, this.ctx.observed) && replacedIds(c).length > 0 ? replacedIds(c) : [c.id]));
    this.started = { dropletId, replaces, created: true };
    for (const c of running) await docker.stop(c.id);
    for (const c of running) if (!replaces.includes(c.id)) await docker.remove(c.id);
    const name = `${app.name}-${randomBytes(4).toString("hex")}`;
    this.started.containerId = await docker.run({
      name,
      image,
      env: [`PORT=${app.port}`],
      stopTimeoutSeconds: STOP_TIMEOUT_SECONDS,
      labels: {
        [LABEL.app]: app.name,
        [LABEL.image]: image,
        [LABEL.version]: pulled.versionLabel ?? versionOf(parseImageRef(image)),
        [LABEL.digest]: pulled.digest,
        [LABEL.deployedBy]: this.ctx.who,
        [LABEL.deployedAt]: new Date(this.ctx.ports.clock.now()).toISOString(),
        [LABEL.replaces]: replaces.join(","),
      },
    });
    this.ctx.reporter.info(`started ${name} from ${image}`);
  }

  /** Undo `start` after a failed gate: the new container goes, the previous one runs again. PROD was never touched. */
  async restoreFallback(): Promise<void> {
    const started = this.started;
    if (!started) return;
    await this.ctx.reporter.step("restore", "remove the rejected container and restart the previous one on FALLBACK", async () => {
      const docker = this.ctx.ports.docker(this.droplet(started.dropletId));
      if (started.containerId) {
        await docker.stop(started.containerId).catch(() => undefined);
        await docker.remove(started.containerId);
      }
      for (const id of started.replaces) await docker.start(id);
      this.started = undefined;
    });
  }

  private async runningContainerId(droplet: Droplet): Promise<string | undefined> {
    if (this.started?.dropletId === droplet.id && this.started.containerId) return this.started.containerId;
    const containers = await this.ctx.ports.docker(droplet).listAppContainers(this.ctx.config.app.name);
    return containers.find((c) => c.running)?.id;
  }

  private async gate(dropletId: number): Promise<void> {
    const { ports, config, reporter } = this.ctx;
    const droplet = this.droplet(dropletId);
    const docker = ports.docker(droplet);
    const containerId = await this.runningContainerId(droplet);
    const path = config.app.healthPath;
    if (!containerId) throw new ImageRejectedError(`${droplet.name} runs no ${config.app.name} container`, "deploy an image first: npm run switch -- --image <ref>");
    const deadline = ports.clock.now() + config.timing.healthTimeoutMs;
    const rejected = async (what: string) => {
      const logs = (await docker.logs(containerId, LOG_TAIL_LINES).catch((e: Error) => `(logs unavailable: ${e.message})`)).trimEnd();
      reporter.info(`last ${LOG_TAIL_LINES} log lines of ${containerId.slice(0, 12)} on ${droplet.name}:\n${logs || "(empty)"}`);
      return new ImageRejectedError(`${what} on ${droplet.name}`, "fix the image (see the log lines above) and deploy a new tag; PROD was not touched");
    };
    let delay = 250;
    let last = "no answer yet";
    for (;;) {
      const container = await docker.inspect(containerId);
      if (!container.running) throw await rejected(`container ${container.name} exited at start (state ${container.state}, exit code ${container.exitCode ?? "?"})`);
      if ((container.restartCount ?? 0) > 0)
        throw await rejected(`container ${container.name} exited at start and was restarted ${container.restartCount} times by its restart policy`);
      try {
        const answer = await ports.health.probe(droplet, path);
        if (answer.status === 200) {
          this.identities.set(dropletId, { containerId, version: answer.version ?? versionFromLabels(container) });
          reporter.info(`${droplet.name} is healthy${answer.version ? ` and reports version ${answer.version}` : ""}`);
          return;
        }
        last = `${path} answered ${answer.status} ${answer.body.slice(0, 120).replace(/\s+/g, " ")}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (ports.clock.now() >= deadline) throw await rejected(`health check timed out after ${config.timing.healthTimeoutMs / 1000} s (last: ${last})`);
      await ports.clock.sleep(Math.min(delay, Math.max(0, deadline - ports.clock.now())));
      delay = Math.min(delay * 2, 2000);
    }
  }

  private async waitFor(timeoutMs: number, done: () => Promise<boolean>): Promise<boolean> {
    const { clock } = this.ctx.ports;
    const deadline = clock.now() + timeoutMs;
    let delay = 50;
    for (;;) {
      if (await done()) return true;
      if (clock.now() >= deadline) return false;
      await clock.sleep(delay);
      delay = Math.min(delay * 2, 500);
    }
  }

  private async server(name: string) {
    const server = (await this.haproxy.servers()).find((s) => s.name === name);
    if (!server) throw new HaproxyError(`HAProxy has no server ${this.ctx.config.haproxy.backend}/${name}`, "render haproxy.cfg with core/haproxy and reload HAProxy");
    return server;
  }

  /** drain, wait for in-flight sessions to finish, then maint. Long-lived connections past the timeout are cut, with a warning. */
  private async drainThenDisable(name: string): Promise<void> {
    await this.haproxy.setState(name, "drain");
    const drained = await this.waitFor(this.ctx.config.timing.drainTimeoutMs, async () => (await this.server(name)).currentSessions === 0);
    if (!drained)
      this.ctx.reporter.warn(
        `${(await this.server(name)).currentSessions} sessions still open on ${name} after ${this.ctx.config.timing.drainTimeoutMs / 1000} s: they will be cut`,
      );
    await this.haproxy.setState(name, "maint");
  }

  private async routeToSpare(address: string, port: number): Promise<void> {
    const { spareServer } = this.ctx.config.haproxy;
    await this.haproxy.setAddress(spareServer, address, port);
    await this.haproxy.setState(spareServer, "ready");
    await this.haproxy.setHealth(spareServer, "up");
    // `health up` only lends the slot the benefit of the doubt. HAProxy checks a slot as soon as it leaves maint:
    // before floating is drained, the spare must pass real checks on the path users will take.
    const proven = async () => {
      const spare = await this.server(spareServer);
      const check = spare.checkStatus ?? "";
      if (check && check !== "INI" && !/OK/.test(check))
        throw new HaproxyError(
          `HAProxy cannot reach the new droplet at ${address}:${port} (check ${check}${spare.lastCheck ? `: ${spare.lastCheck}` : ""})`,
          "let the HAProxy droplet reach APP_PORT on the workers (firewall, VPC), then re-run; PROD still serves",
        );
      return spare.status === "UP" && (!spare.checkStatus || /OK/.test(check));
    };
    const up = await this.waitFor(this.ctx.config.timing.healthTimeoutMs, proven);
    if (!up)
      throw new HaproxyError(
        `HAProxy's ${spareServer} slot (${address}:${port}) did not pass a health check`,
        "check that the HAProxy droplet can reach the worker's app port (firewall, VPC), then re-run",
      );
    // One more check interval (core/haproxy: inter 1s): a single lucky check is not a healthy path.
    await this.ctx.ports.clock.sleep(SPARE_CONFIRM_MS);
    if (!(await proven()))
      throw new HaproxyError(
        `HAProxy's ${spareServer} slot (${address}:${port}) went down right after enabling`,
        "check the new droplet's app and network, then re-run; PROD still serves",
      );
  }

  private drain(): Promise<void> {
    return this.drainThenDisable(this.ctx.config.haproxy.floatingServer);
  }

  private async moveIp(ip: string, toDropletId: number): Promise<void> {
    const { digitalocean, clock } = this.ctx.ports;
    const current = await digitalocean.getReservedIp(ip);
    if (current.dropletId === toDropletId) return this.ctx.reporter.info(`${ip} already points to ${this.droplet(toDropletId).name}`);
    const actionId = await digitalocean.assignReservedIp(ip, toDropletId);
    const deadline = clock.now() + this.ctx.config.timing.actionTimeoutMs;
    let delay = 250;
    for (;;) {
      const { status } = await digitalocean.getAction(ip, actionId);
      if (status === "completed") return;
      if (status === "errored")
        throw new ExternalError(
          `DigitalOcean reported action ${actionId} (assign ${ip}) as errored`,
          "run `npm run switch -- status`, then re-run: traffic still flows through HAProxy's spare slot",
        );
      if (clock.now() >= deadline)
        throw new ExternalError(
          `assigning ${ip} did not complete within ${this.ctx.config.timing.actionTimeoutMs / 1000} s (action ${actionId})`,
          "re-run once the action completes; traffic still flows through HAProxy's spare slot",
        );
      await clock.sleep(delay);
      delay = Math.min(delay * 2, 1000);
    }
  }

  private async restoreFloating(): Promise<void> {
    const { floatingServer, spareServer } = this.ctx.config.haproxy;
    await this.haproxy.setState(floatingServer, "ready");
    // Leaving maint, HAProxy counts a server UP before any check ran. While the spare slot still serves,
    // demand `rise` passing checks through the moved IP before floating takes traffic.
    if ((await this.server(spareServer)).status === "UP") await this.haproxy.setHealth(floatingServer, "down");
    const up = await this.waitFor(this.ctx.config.timing.healthTimeoutMs, async () => (await this.server(floatingServer)).status === "UP");
    // The spare slot keeps serving until floating is proven: never release it onto a DOWN server.
    if (!up)
      throw new HaproxyError(
        `HAProxy's ${floatingServer} slot did not come UP`,
        `check the app behind the reserved IP (status shows it); traffic still flows through the ${this.ctx.config.haproxy.spareServer} slot`,
      );
  }

  private releaseSpare(): Promise<void> {
    return this.drainThenDisable(this.ctx.config.haproxy.spareServer);
  }

  /**
   * Order chosen so that an interruption never leaves two PRODs and never leaves a worker untagged:
   * both droplets stay findable by tag, and `diagnose` restores the rest from where the IP points.
   */
  private async retag(prodId: number, fallbackId: number): Promise<void> {
    const { digitalocean } = this.ctx.ports;
    const { prod, fallback } = this.ctx.config.tags;
    await digitalocean.tagDroplet(fallback, fallbackId);
    await digitalocean.untagDroplet(prod, fallbackId);
    await digitalocean.tagDroplet(prod, prodId);
    await digitalocean.untagDroplet(fallback, prodId);
  }

  private async verify(dropletId: number, url: string): Promise<void> {
    const { ports, config, reporter } = this.ctx;
    const droplet = this.droplet(dropletId);
    let identity = this.identities.get(dropletId);
    if (!identity) {
      const containerId = await this.runningContainerId(droplet);
      const answer = await ports.health.probe(droplet, config.app.healthPath);
      const container = containerId ? await ports.docker(droplet).inspect(containerId) : undefined;
      identity = { containerId: containerId ?? "", version: answer.version ?? versionFromLabels(container) };
    }
    const expected = identity.version;
    if (!expected) reporter.warn(`the app reports no version (X-App-Version header or JSON "version"): verifying only that ${url} answers 2xx`);
    const deadline = ports.clock.now() + config.timing.bakeMs;
    let streak = 0;
    let last = "no answer yet";
    for (;;) {
      try {
        const answer = await ports.publicProbe.get(url);
        const good = answer.status >= 200 && answer.status < 300 && (!expected || answer.version === expected);
        streak = good ? streak + 1 : 0;
        if (!good) last = `HTTP ${answer.status}, version ${answer.version ?? "(none)"}`;
      } catch (error) {
        streak = 0;
        last = error instanceof Error ? error.message : String(error);
      }
      if (streak >= VERIFY_STREAK) return reporter.info(`${url} serves ${expected ?? "2xx"}`);
      if (ports.clock.now() >= deadline)
        throw new ImageRejectedError(
          `${url} did not serve version ${expected ?? "(any)"} within ${config.timing.bakeMs / 1000} s (last: ${last})`,
          "see `npm run switch -- status`; check HAProxy and the app's logs on the new PROD",
        );
      await ports.clock.sleep(200);
    }
  }

  private async restorePrevious(dropletId: number, remove: string, start: readonly string[]): Promise<void> {
    const docker = this.ctx.ports.docker(this.droplet(dropletId));
    await docker.stop(remove);
    await docker.remove(remove);
    for (const id of start) await docker.start(id);
  }

  private async prune(dropletId: number, keep: number): Promise<void> {
    const docker = this.ctx.ports.docker(this.droplet(dropletId));
    const stopped = (await docker.listAppContainers(this.ctx.config.app.name)).filter((c) => !c.running);
    for (const c of stopped.slice(keep)) await docker.remove(c.id);
  }
}
