/**
 * Drives reserved-IP actions through time: an accepted action stays in-progress for the configured
 * delay, then the AddressMover really moves the address, and only then is the action completed
 * (or errored when the mover fails). This mirrors DigitalOcean, where the address moves while the
 * action runs and clients must poll until it is done.
 */
import type { ActionRecord, ActionRequest, SimulatorStore } from "./store";
import type { AddressMover, SimulatedDroplet } from "./types";

export class ActionRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly store: SimulatorStore,
    private readonly mover: AddressMover,
    private readonly delayMs: number,
  ) {}

  start(ip: string, request: ActionRequest): ActionRecord {
    const action = this.store.startAction(ip, request);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.finish(action);
    }, this.delayMs);
    this.timers.add(timer);
    return action;
  }

  /** Cancels actions that have not reached their move yet; they stay in-progress in the snapshot. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async finish(action: ActionRecord): Promise<void> {
    const from = this.dropletOrNull(action.fromDropletId);
    const to = this.dropletOrNull(action.toDropletId);
    try {
      // Re-assigning to the droplet that already holds the address changes nothing on the wire.
      if (from?.id !== to?.id) await this.mover.move(action.ip, from, to);
    } catch (error) {
      if (!this.stopped) this.store.failAction(action.id, error instanceof Error ? error.message : String(error));
      return;
    }
    if (!this.stopped) this.store.completeAction(action.id);
  }

  private dropletOrNull(id: number | null): SimulatedDroplet | null {
    return id === null ? null : this.store.getDroplet(id);
  }
}
