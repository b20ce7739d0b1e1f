import { ImageRejectedError } from "../errors";
import type { HaproxyServer, TrafficCounters } from "../model";
import { isServing } from "../plan";
import type { HaproxyPort } from "../ports";

/**
 * The watchdog's cadence is real time even under a fake clock: a poll loop on a clock whose sleep returns at once
 * would never yield. Unref'd, so a run that ends without stopping it cannot keep the process alive.
 */
const realPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Often enough that a dead release is handed back within a few hundred ms of HAProxy noticing. */
export const WATCH_INTERVAL_MS = 200;

export interface TrafficVerdict {
  readonly responses: number;
  readonly errors: number;
  readonly responseTimeMs: number;
}

/** Errors and responses of every slot since `baseline` (per server name); counters that went back (a reload) restart at 0. */
export function trafficSince(baseline: ReadonlyMap<string, TrafficCounters>, servers: readonly HaproxyServer[]): TrafficVerdict {
  let responses = 0;
  let errors = 0;
  let responseTimeMs = 0;
  for (const s of servers) {
    if (!s.traffic) continue;
    const base = baseline.get(s.name);
    const delta = (now: number, then = 0) => (now >= then ? now - then : now);
    const failedConnections = delta(s.traffic.connectionErrors, base?.connectionErrors);
    responses += delta(s.traffic.responses, base?.responses) + failedConnections;
    errors += delta(s.traffic.serverErrors, base?.serverErrors) + failedConnections;
    if (s.admin === "ready") responseTimeMs = s.traffic.responseTimeMs;
  }
  return { responses, errors, responseTimeMs };
}

export interface Trigger {
  readonly errorRatio: number;
  readonly minResponses: number;
}

/** Pure: why the serving release must be handed back now, or undefined while it looks fine. */
export function tripReason(servers: readonly HaproxyServer[], traffic: TrafficVerdict, trigger: Trigger): string | undefined {
  const serving = servers.find((s) => s.admin === "ready");
  if (!serving) return "no HAProxy slot is serving";
  if (!isServing(serving))
    return `HAProxy marked the serving slot ${serving.name} (${serving.address}:${serving.port}) ${serving.status}${serving.checkStatus ? `, check ${serving.checkStatus}` : ""}${
      serving.lastCheck ? `: ${serving.lastCheck}` : ""
    }`;
  if (traffic.responses >= trigger.minResponses && traffic.errors / traffic.responses > trigger.errorRatio)
    return `the new release failed ${traffic.errors} of ${traffic.responses} requests (${((100 * traffic.errors) / traffic.responses).toFixed(1)}% > ${(
      100 * trigger.errorRatio
    ).toFixed(1)}%: 5xx or connection errors, HAProxy's counters), response time ${traffic.responseTimeMs} ms`;
  return undefined;
}

/**
 * Watches HAProxy's own view of the new release from the hand-over until the run ends: the serving slot going DOWN,
 * or its error rate passing the trigger, aborts the run's signal with the reason, so the plan's undo hands back.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private stopped = false;
  private readonly loop: Promise<void>;
  last: TrafficVerdict = { responses: 0, errors: 0, responseTimeMs: 0 };

  constructor(
    private readonly haproxy: HaproxyPort,
    private readonly trigger: Trigger,
    baseline: readonly HaproxyServer[],
    private readonly pause: (ms: number) => Promise<void> = realPause,
  ) {
    const base = new Map(baseline.filter((s) => s.traffic).map((s) => [s.name, s.traffic!]));
    this.loop = this.watch(base);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Rejects with the reason once tripped; never resolves otherwise. */
  readonly tripped: Promise<never> = new Promise<never>((_, reject) => {
    this.controller.signal.addEventListener("abort", () => reject(this.controller.signal.reason));
  });

  private async watch(baseline: Map<string, TrafficCounters>): Promise<void> {
    this.tripped.catch(() => undefined);
    while (!this.stopped) {
      await this.pause(WATCH_INTERVAL_MS);
      if (this.stopped) return;
      const servers = await this.haproxy.servers().catch(() => undefined);
      if (!servers) continue;
      this.last = trafficSince(baseline, servers);
      const reason = tripReason(servers, this.last, this.trigger);
      if (reason && !this.stopped) {
        this.controller.abort(new ImageRejectedError(reason, "fix the release (its logs: `docker logs` on FALLBACK) and deploy a new tag; the previous version serves"));
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}
