import { ImageRejectedError } from "../errors";
import type { HaproxyServer, TrafficCounters } from "../model";
import { isServing } from "../plan";
import type { HaproxyPort } from "../ports";

/**
 * The watchdog's cadence is real time even under a fake clock: a poll loop on a clock whose sleep returns at once
 * would never yield. Unref'd, so a run that ends without stopping it cannot keep the process alive.
 */
const realPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Often enough that a dead release is handed back within a few hundred ms of HAProxy noticing (one SSH round trip a poll). */
export const WATCH_INTERVAL_MS = 100;

export interface TrafficVerdict {
  readonly responses: number;
  readonly errors: number;
  readonly responseTimeMs: number;
}

/** What has been counted of the serving release so far: each slot counts only while it is the one in `ready`. */
export interface TrafficTally {
  readonly closed: TrafficVerdict;
  /** Per slot now serving: its counters when it started to serve. */
  readonly open: ReadonlyMap<string, TrafficCounters>;
  readonly responseTimeMs: number;
}

export const EMPTY_TALLY: TrafficTally = { closed: { responses: 0, errors: 0, responseTimeMs: 0 }, open: new Map(), responseTimeMs: 0 };

// Counters that went back (a reload) restart at 0.
const since = (now: TrafficCounters, then: TrafficCounters): TrafficVerdict => {
  const d = (a: number, b: number) => (a >= b ? a - b : a);
  const failedConnections = d(now.connectionErrors, then.connectionErrors);
  return { responses: d(now.responses, then.responses) + failedConnections, errors: d(now.serverErrors, then.serverErrors) + failedConnections, responseTimeMs: now.responseTimeMs };
};

const add = (a: TrafficVerdict, b: TrafficVerdict): TrafficVerdict => ({ responses: a.responses + b.responses, errors: a.errors + b.errors, responseTimeMs: b.responseTimeMs });

/**
 * Pure: folds one `show stat` reading into the tally. Only the slot in `ready` serves the new release (the other one is
 * draining in-flight requests of the old one, or armed on it), so a slot's counters count from when it became ready.
 */
export function tally(previous: TrafficTally, servers: readonly HaproxyServer[]): TrafficTally {
  let closed = previous.closed;
  const open = new Map<string, TrafficCounters>();
  let responseTimeMs = previous.responseTimeMs;
  for (const s of servers) {
    if (!s.traffic) continue;
    const start = previous.open.get(s.name);
    if (s.admin === "ready") {
      open.set(s.name, start ?? s.traffic);
      responseTimeMs = s.traffic.responseTimeMs;
    } else if (start) closed = add(closed, since(s.traffic, start));
  }
  return { closed, open, responseTimeMs };
}

/** The new release's responses and errors so far, from a tally and the current reading. */
export function verdictOf(t: TrafficTally, servers: readonly HaproxyServer[]): TrafficVerdict {
  let v = t.closed;
  for (const s of servers) {
    const start = t.open.get(s.name);
    if (s.traffic && start) v = add(v, since(s.traffic, start));
  }
  return { ...v, responseTimeMs: t.responseTimeMs };
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
    this.loop = this.watch(tally(EMPTY_TALLY, baseline));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Rejects with the reason once tripped; never resolves otherwise. */
  readonly tripped: Promise<never> = new Promise<never>((_, reject) => {
    this.controller.signal.addEventListener("abort", () => reject(this.controller.signal.reason));
  });

  private async watch(start: TrafficTally): Promise<void> {
    let counted = start;
    this.tripped.catch(() => undefined);
    while (!this.stopped) {
      await this.pause(WATCH_INTERVAL_MS);
      if (this.stopped) return;
      const servers = await this.haproxy.servers().catch(() => undefined);
      if (!servers) continue;
      counted = tally(counted, servers);
      this.last = verdictOf(counted, servers);
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
