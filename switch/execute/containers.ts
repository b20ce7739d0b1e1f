import { randomBytes } from "node:crypto";
import type { Config } from "../../core/config";
import { configFingerprint, HookPhase, newSalt, saltOf } from "../../core/app";
import { ImageRejectedError, MissingCommandError } from "../errors";
import { parseImageRef, versionOf } from "../image-ref";
import { AppContainer, Droplet, HISTORY_IN_NAME, LABEL, PENDING_SUFFIX } from "../model";
import { finishedName, isUnfinished, replacedIds, runningContainer } from "../plan";
import { isSameRelease, Release, runtimeSpecOf } from "../release";
import type { PulledImage, RegistryAuth } from "../ports";
import { InternalError } from "../../core/errors";
import { RunContext, workerDroplet } from "./context";

/** What the app says it is, straight from its own container: verification compares the public entry with this. */
export interface Identity {
  readonly containerId: string;
  readonly version?: string;
}

interface Started {
  readonly dropletId: number;
  containerId?: string;
  /** Containers stopped to make room; a failed gate starts them again. */
  readonly replaces: readonly string[];
}

const LOG_TAIL_LINES = 20;

/**
 * Credentials go only to the registry they belong to (CI_REGISTRY), with each pull; nothing is stored on droplets.
 * Without CI_REGISTRY they go nowhere: an image naming another registry must never receive them.
 */
export function registryAuthFor(image: string, registry: Config["registry"]): RegistryAuth | undefined {
  if (!registry.host || !registry.user || !registry.password) return undefined;
  const host = parseImageRef(image).registry;
  if (registry.host.trim().toLowerCase() !== host.toLowerCase()) return undefined;
  return { username: registry.user, password: registry.password, serveraddress: host };
}

function versionFromLabels(c: AppContainer | undefined): string | undefined {
  return c?.labels[LABEL.version];
}

export class Containers {
  private readonly pulled = new Map<number, PulledImage>();
  private readonly identities = new Map<number, Identity>();
  private started: Started | undefined;
  /** The fingerprint the started container carries, for the audit line. */
  startedFingerprint: string | undefined;

  constructor(private readonly ctx: RunContext) {}

  digestOn(dropletId: number): string | undefined {
    return this.pulled.get(dropletId)?.digest;
  }

  async pull(dropletId: number, image: string): Promise<void> {
    const pulled = await this.ctx.ports
      .docker(workerDroplet(this.ctx, dropletId))
      .pull(image, registryAuthFor(image, this.ctx.config.registry), { timeoutMs: this.ctx.config.timing.pullTimeoutMs });
    this.pulled.set(dropletId, pulled);
    this.ctx.reporter.info(`pulled ${image} (${pulled.digest})`);
  }

  async start(dropletId: number, image: string): Promise<void> {
    const { app } = this.ctx.config;
    const release = this.releaseFor(image);
    const docker = this.ctx.ports.docker(workerDroplet(this.ctx, dropletId));
    const pulled = this.pulled.get(dropletId) ?? (await docker.pull(image, registryAuthFor(image, this.ctx.config.registry), { timeoutMs: this.ctx.config.timing.pullTimeoutMs }));
    const running = (await docker.listAppContainers(app.name)).filter((c) => c.running);
    // A re-run after a crash finds its own container already up: use it rather than start a twin.
    const same = running.find((c) => isSameRelease(c, release) && c.imageId === pulled.id);
    if (same) {
      this.started = { dropletId, containerId: same.id, replaces: replacedIds(same) };
      this.ctx.reporter.info(`${same.name} already runs ${image} with this configuration: reusing it`);
      for (const other of running) if (other.id !== same.id) await docker.stop(other.id);
      return;
    }
    // An unfinished container from an interrupted run is no "previous version": the one it replaced is.
    const replaces = running.flatMap((c) => (isUnfinished(c, this.ctx.observed) && replacedIds(c).length > 0 ? replacedIds(c) : [c.id]));
    this.started = { dropletId, replaces };
    for (const c of running) await docker.stop(c.id);
    for (const c of running) if (!replaces.includes(c.id)) await docker.remove(c.id);
    // Pending until the run's finish step: a container whose release never served keeps this name (releaseState).
    const name = `${app.name}-${randomBytes(4).toString("hex")}${PENDING_SUFFIX}`;
    const fingerprint = this.fingerprint(dropletId, release);
    this.started.containerId = await docker.run({
      ...runtimeSpecOf(release),
      name,
      command: release.config.app.command,
      stopTimeoutSeconds: release.config.app.stopGraceSeconds,
      labels: {
        [LABEL.app]: app.name,
        [LABEL.image]: image,
        [LABEL.version]: pulled.versionLabel ?? versionOf(parseImageRef(image)),
        [LABEL.digest]: pulled.digest,
        [LABEL.config]: fingerprint,
        [LABEL.deployedBy]: this.ctx.who,
        [LABEL.deployedAt]: new Date(this.ctx.ports.clock.now()).toISOString(),
        [LABEL.replaces]: replaces.join(","),
        [LABEL.history]: HISTORY_IN_NAME,
      },
    });
    this.ctx.reporter.info(`started ${name} from ${image} (config ${fingerprint.split(":")[2].slice(0, 12)})`);
  }

  /** Salted with the serving release's salt, so equal configurations show equal fingerprints from release to release. */
  private fingerprint(dropletId: number, release: Release): string {
    const serving = Object.values(this.ctx.observed.workers)
      .filter((w) => w.droplet.id !== dropletId)
      .map((w) => runningContainer(w))
      .find(Boolean);
    this.startedFingerprint = configFingerprint(release.config, saltOf(serving?.labels[LABEL.config]) ?? newSalt());
    return this.startedFingerprint;
  }

  private releaseFor(image: string): Release {
    const release = this.ctx.release;
    if (!release || release.image !== image) throw new InternalError(`no release to start for ${image}`);
    return release;
  }

  /**
   * A hook runs in a one-off container of the release on `dropletId`: the new image, the app's whole environment and
   * volumes. Its output is kept to its last lines, shown when it fails.
   */
  async hook(dropletId: number, phase: HookPhase): Promise<void> {
    const release = this.ctx.release;
    const hook = release?.config.app.hooks[phase];
    if (!release || !hook) throw new InternalError(`no ${phase} hook to run`);
    const droplet = workerDroplet(this.ctx, dropletId);
    const what = `${phase} hook ${JSON.stringify(hook.command)} (${release.config.app.source} hooks.${phase}.command)`;
    const untouched = phase === "preSwitch" ? "; PROD was not touched" : "; the release stays live";
    const result = await this.ctx.ports
      .docker(droplet)
      .runOnce(
        {
          ...runtimeSpecOf(release),
          name: `${this.ctx.config.app.name}-${phase.toLowerCase()}-${randomBytes(4).toString("hex")}`,
          labels: { [LABEL.hook]: phase },
          command: hook.command,
        },
        { timeoutMs: hook.timeoutMs },
      )
      .catch((error: unknown) => {
        // The image decides whether the command exists: that refuses the release, as a failing hook does.
        if (error instanceof MissingCommandError) throw new ImageRejectedError(`${what}: ${error.message}${untouched}`, `fix hooks.${phase}.command or the image: ${error.fix}`);
        throw error;
      });
    const tail = result.lastLines.trimEnd();
    if (result.exitCode === 0) return this.ctx.reporter.info(`${what} exited 0 on ${droplet.name}`);
    this.ctx.reporter.info(`last lines of the ${phase} hook on ${droplet.name}:\n${tail || "(no output)"}`);
    if (result.timedOut)
      throw new ImageRejectedError(`${what} ran past its timeout of ${hook.timeoutMs / 1000} s on ${droplet.name} and was killed${untouched}`, `make the hook finish sooner, or raise hooks.${phase}.timeoutSeconds`);
    throw new ImageRejectedError(`${what} exited with ${result.exitCode} on ${droplet.name}${untouched}`, "fix the hook (see its last lines above) and deploy again");
  }

  /** Undo of `start`: the new container goes, the previous one runs again. A no-op when this run started nothing there. */
  async restoreFallback(dropletId: number): Promise<void> {
    const started = this.started;
    if (!started || started.dropletId !== dropletId) return this.ctx.reporter.info("this run started no container there: nothing to restore");
    const docker = this.ctx.ports.docker(workerDroplet(this.ctx, started.dropletId));
    if (started.containerId) {
      await docker.stop(started.containerId).catch(() => undefined);
      await docker.remove(started.containerId);
    }
    for (const id of started.replaces) await docker.start(id);
    this.started = undefined;
  }

  private async runningContainerId(droplet: Droplet): Promise<string | undefined> {
    if (this.started?.dropletId === droplet.id && this.started.containerId) return this.started.containerId;
    const containers = await this.ctx.ports.docker(droplet).listAppContainers(this.ctx.config.app.name);
    return containers.find((c) => c.running)?.id;
  }

  async gate(dropletId: number): Promise<void> {
    const { ports, config, reporter } = this.ctx;
    const droplet = workerDroplet(this.ctx, dropletId);
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
      // A lost deploy lock ends the wait: the next change (the hand-over) must not follow.
      this.ctx.signal?.throwIfAborted();
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

  /** The identity the gate recorded; a plan with no gate (the image is already live) asks the running container directly. */
  async identityOf(dropletId: number): Promise<Identity> {
    const { ports, config } = this.ctx;
    const droplet = workerDroplet(this.ctx, dropletId);
    const known = this.identities.get(dropletId);
    if (known) return known;
    const containerId = await this.runningContainerId(droplet);
    const answer = await ports.health.probe(droplet, config.app.healthPath);
    const container = containerId ? await ports.docker(droplet).inspect(containerId) : undefined;
    return { containerId: containerId ?? "", version: answer.version ?? versionFromLabels(container) };
  }

  async restorePrevious(dropletId: number, remove: string, start: readonly string[]): Promise<void> {
    const docker = this.ctx.ports.docker(workerDroplet(this.ctx, dropletId));
    await docker.stop(remove);
    await docker.remove(remove);
    for (const id of start) await docker.start(id);
  }

  /** The running app containers on these droplets served: their names say so now (a rename; labels cannot change). */
  async finish(dropletIds: readonly number[]): Promise<void> {
    for (const id of dropletIds) {
      const droplet = workerDroplet(this.ctx, id);
      const docker = this.ctx.ports.docker(droplet);
      for (const c of (await docker.listAppContainers(this.ctx.config.app.name)).filter((x) => x.running)) {
        const name = finishedName(c);
        if (!name) continue;
        await docker.rename(c.id, name);
        this.ctx.reporter.info(`${droplet.name}: ${c.name} served, now ${name}`);
      }
    }
  }

  async prune(dropletId: number, keep: number): Promise<void> {
    const docker = this.ctx.ports.docker(workerDroplet(this.ctx, dropletId));
    const stopped = (await docker.listAppContainers(this.ctx.config.app.name)).filter((c) => !c.running);
    for (const c of stopped.slice(keep)) await docker.remove(c.id);
  }
}
