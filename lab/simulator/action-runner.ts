/**
 * Drives reserved-IP actions through time, as DigitalOcean's network moves the address while the action runs: an
 * accepted action stays in-progress for the configured delay; halfway through it the AddressMover really moves the
 * address, and at the delay's end the action is completed (later only if the move took longer), or errored when the
 * move failed. So the action lasts what the lab says it simulates, not that plus the time `ip` takes, and clients
 * must poll until it is done.
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
    const ends = this.after(this.delayMs);
    void this.after(this.delayMs / 2).then(async () => {
      if (await this.move(action)) await ends.then(() => this.store.completeAction(action.id));
    });
    return action;
  }

  /** Resolves once `ms` passed; never, once the runner stopped (stop clears the timer; what waits is dropped with it). */
  private after(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Cancels actions that have not completed yet; they stay in-progress in the snapshot. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Moves the address on the wire; false (the action errored, or the runner stopped) when it did not. */
  private async move(action: ActionRecord): Promise<boolean> {
    const from = this.dropletOrNull(action.fromDropletId);
    const to = this.dropletOrNull(action.toDropletId);
    try {
      // Re-assigning to the droplet that already holds the address changes nothing on the wire.
      if (from?.id !== to?.id) await this.mover.move(action.ip, from, to);
    } catch (error) {
      if (!this.stopped) this.store.failAction(action.id, error instanceof Error ? error.message : String(error));
      return false;
    }
    return !this.stopped;
  }

  private dropletOrNull(id: number | null): SimulatedDroplet | null {
    return id === null ? null : this.store.getDroplet(id);
  }
}
