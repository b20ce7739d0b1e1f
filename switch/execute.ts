import { RepairAction, Step } from "./model";
import { describeStep } from "./plan";
import { Containers } from "./execute/containers";
import type { RunContext } from "./execute/context";
import { HaproxyFlip } from "./execute/haproxy-flip";
import { moveIp } from "./execute/move-ip";
import { retag } from "./execute/retag";
import { verifyPublicEntry } from "./execute/verify";

export { registryAuthFor } from "./execute/containers";
export type { RunContext } from "./execute/context";

/**
 * Runs plan steps through the ports. Each step is idempotent, so a re-run after a crash at any
 * point repeats at most the step that was interrupted.
 */
export class Executor {
  private readonly containers: Containers;
  private readonly flip: HaproxyFlip;

  constructor(private readonly ctx: RunContext) {
    this.containers = new Containers(ctx);
    this.flip = new HaproxyFlip(ctx);
  }

  digestOn(dropletId: number): string | undefined {
    return this.containers.digestOn(dropletId);
  }

  async run(step: Step): Promise<void> {
    await this.ctx.reporter.step(step.name, describeStep(step, this.ctx.observed), () => this.apply(step));
  }

  restoreFallback(): Promise<void> {
    return this.containers.restoreFallback();
  }

  private async apply(step: Step): Promise<void> {
    switch (step.name) {
      case "repair":
        for (const action of step.actions) await this.repair(action);
        return;
      case "pull":
        return this.containers.pull(step.dropletId, step.image);
      case "start":
        return this.containers.start(step.dropletId, step.image);
      case "gate":
        return this.containers.gate(step.dropletId);
      case "route-to-spare":
        return this.flip.routeToSpare(step.address, step.port);
      case "drain":
        return this.flip.drain();
      case "move-ip":
        return moveIp(this.ctx, step.ip, step.toDropletId);
      case "restore-floating":
        return this.flip.restoreFloating();
      case "release-spare":
        return this.flip.releaseSpare();
      case "retag":
        return retag(this.ctx, step.prodId, step.fallbackId);
      case "verify":
        return verifyPublicEntry(this.ctx, step.url, await this.containers.identityOf(step.dropletId));
      case "prune":
        return this.containers.prune(step.dropletId, step.keep);
      case "restore-previous":
        return this.containers.restorePrevious(step.dropletId, step.remove, step.start);
    }
  }

  private async repair(action: RepairAction): Promise<void> {
    this.ctx.reporter.info(`repairing: ${action.why}`);
    if (action.kind === "retag") return retag(this.ctx, action.prodId, action.fallbackId);
    await this.flip.restoreFloating();
    await this.flip.releaseSpare();
  }
}
