import { InternalError } from "../core/errors";
import { RepairAction, Step } from "./model";
import { describeStep } from "./plan";
import { Containers } from "./execute/containers";
import type { RunContext } from "./execute/context";
import { HaproxyFlip } from "./execute/haproxy-flip";
import { assignIp } from "./execute/assign-ip";
import { workerDroplet } from "./execute/context";
import { IpWhereabouts, moveIp } from "./execute/move-ip";
import { retag } from "./execute/retag";
import { verifyPublicEntry } from "./execute/verify";
import { Watchdog } from "./execute/watchdog";

export { registryAuthFor } from "./execute/containers";
export type { RunContext } from "./execute/context";

function assertNever(step: never): never {
  throw new InternalError(`no executor for step ${JSON.stringify(step)}`);
}

/**
 * Runs plan steps through the ports. Each step is idempotent, so a re-run after a crash at any
 * point repeats at most the step that was interrupted.
 */
export class Executor {
  private readonly containers: Containers;
  readonly flip: HaproxyFlip;
  private readonly ctx: RunContext;
  private watchdog: Watchdog | undefined;
  /** When the new release started to serve: the bake window runs from here. */
  private handedOverAt: number | undefined;
  private readonly ip: IpWhereabouts;

  /** The watchdog's signal joined with the lock's, made once per watch. */
  private joined: { readonly watchdog: Watchdog | undefined; readonly signal: AbortSignal | undefined } | undefined;

  constructor(base: Omit<RunContext, "signal">) {
    const self = this;
    this.ctx = {
      ...base,
      get signal() {
        return self.signal();
      },
    };
    this.ip = new IpWhereabouts(base.observed.reservedIp.dropletId);
    this.containers = new Containers(this.ctx);
    this.flip = new HaproxyFlip(this.ctx);
  }

  private signal(): AbortSignal | undefined {
    const watchdog = this.watchdog;
    if (!this.joined || this.joined.watchdog !== watchdog) {
      const signals = [watchdog?.signal, this.ctx.lockSignal].filter((s): s is AbortSignal => !!s);
      this.joined = { watchdog, signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] };
    }
    return this.joined?.signal;
  }

  digestOn(dropletId: number): string | undefined {
    return this.containers.digestOn(dropletId);
  }

  /** The configuration fingerprint of the container this run started, if it started one. */
  get startedFingerprint(): string | undefined {
    return this.containers.startedFingerprint;
  }

  /** Rejects with the watchdog's reason once it trips (never while no watch runs). */
  get tripped(): Promise<never> | undefined {
    return this.watchdog?.tripped;
  }

  get hasTripped(): boolean {
    return !!this.watchdog?.signal.aborted;
  }

  /** The watchdog's last reading of the new release's traffic (responses, errors) since the hand-over. */
  get watchedTraffic() {
    return this.watchdog?.last;
  }

  /** `before`: runs inside the step, ahead of its change (the cutover renews the deploy lock there). */
  async run(step: Step, before?: () => Promise<void>): Promise<void> {
    await this.ctx.reporter.step(step.name, describeStep(step, this.ctx.observed), async () => {
      await before?.();
      return this.apply(step);
    });
  }

  /** From here to stopWatching, HAProxy's view of the serving release can end the run. */
  async startWatching(): Promise<void> {
    const haproxy = this.ctx.ports.haproxy(this.ctx.observed.balancer);
    this.watchdog = new Watchdog(haproxy, this.ctx.config.rollbackTrigger, await haproxy.servers());
  }

  async stopWatching(): Promise<void> {
    const watchdog = this.watchdog;
    this.watchdog = undefined;
    await watchdog?.stop();
  }

  private async apply(step: Step): Promise<void> {
    switch (step.name) {
      case "repair":
        for (const action of step.actions) await this.repair(action);
        return;
      case "pull":
        return this.containers.pull(step.dropletId, step.image);
      case "hook":
        return this.containers.hook(step.dropletId, step.phase);
      case "start":
        return this.containers.start(step.dropletId, step.image);
      case "arm":
        return this.flip.arm(step.slot, step.address, step.port, step.fresh);
      case "gate":
        return this.containers.gate(step.dropletId);
      case "hand-over":
        await this.flip.handOver(step.slot, step.from);
        this.handedOverAt = this.ctx.ports.clock.now();
        return;
      case "drain":
        return this.flip.drain(step.slot);
      case "move-ip":
        return moveIp(this.ctx, step.ip, step.toDropletId, this.ip);
      case "retag":
        return retag(this.ctx, step.prodId, step.fallbackId);
      case "verify":
        return verifyPublicEntry(this.ctx, step.url, await this.containers.identityOf(step.dropletId), step.bake ? this.handedOverAt : undefined);
      case "prune":
        return this.containers.prune(step.dropletId, step.keep);
      case "finish":
        return this.containers.finish(step.dropletIds);
      case "restore-previous":
        return this.containers.restorePrevious(step.dropletId, step.remove, step.start);
      case "restore-fallback":
        return this.containers.restoreFallback(step.dropletId);
      case "hand-back":
        return this.flip.handBack(step.slot, step.from);
      default:
        return assertNever(step);
    }
  }

  private async repair(action: RepairAction): Promise<void> {
    this.ctx.reporter.info(`repairing: ${action.why}`);
    switch (action.kind) {
      case "retag":
        return retag(this.ctx, action.prodId, action.fallbackId);
      case "settle-slots":
        return this.flip.settle(action.prodSlot, action.fallbackSlot, action.prodAddress, action.fallbackAddress, action.port);
      case "assign-ip":
        return assignIp(this.ctx, action.ip, action.dropletId, this.ip);
      case "start-previous":
        await this.ctx.ports.docker(workerDroplet(this.ctx, action.dropletId)).start(action.containerId);
        await this.containers.gate(action.dropletId);
        return this.flip.arm(action.slot, action.address, action.port, true);
      default:
        return assertNever(action);
    }
  }
}
