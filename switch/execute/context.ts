import type { Config } from "../../core/config";
import { ExternalError } from "../../core/errors";
import type { Droplet, ObservedState } from "../model";
import type { Ports } from "../ports";
import type { Reporter } from "../progress";
import type { Release } from "../release";

export interface RunContext {
  readonly ports: Ports;
  readonly config: Config;
  readonly reporter: Reporter;
  readonly observed: ObservedState;
  /** user@host or the CI job, for labels and the audit log. */
  readonly who: string;
  /** What a cutover puts live (image and configuration); a rollback starts nothing, so it has none. */
  readonly release?: Release;
  /**
   * Aborted when the watchdog sees the new release fail, or when the run loses its deploy lock: waits end and no
   * further change is made.
   */
  readonly signal?: AbortSignal;
  /** Aborted when the run loses its deploy lock (switch/lock.ts Lease). */
  readonly lockSignal?: AbortSignal;
}

export function workerDroplet(ctx: RunContext, id: number): Droplet {
  const worker = ctx.observed.workers[id];
  if (!worker) throw new ExternalError(`droplet ${id} is not a known worker`, "re-run: the droplets changed during the run");
  return worker.droplet;
}
