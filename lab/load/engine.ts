import type { Pool } from "undici";
import { monotonicMs } from "./clock";
import { errorCode, headerVersion, labPool, versionFromBody } from "./client";
import { runLongLived, type LongLivedRun } from "./long-lived";
import type { HttpMethod, RequestSample } from "./types";
import type { ResolvedLoadOptions } from "./options";

/**
 * The open-model request loop. Requests are issued on a fixed schedule (request i is due at
 * i / ratePerSecond seconds) whatever the state of earlier ones, so a stalled server shows up as
 * timeouts and latency rather than as fewer requests. Runs in whatever thread calls it; startLoad()
 * runs it in a worker so the caller's event loop cannot delay the schedule. The long-lived requests
 * (options.longLived) run beside it in the same thread, on their own pool (long-lived.ts).
 */
export interface EngineRun {
  /** Epoch ms of the run's start, for display. */
  readonly startedAt: number;
  /** The run's start on the process-wide monotonic clock (clock.ts); sample times are relative to it. */
  readonly startedAtMonotonicMs: number;
  /**
   * Resolves once issuing has ended (stop() or maxDurationMs) and every issued request has settled: the short
   * requests in issue order, then the long-lived ones in the order they ended.
   */
  readonly done: Promise<RequestSample[]>;
  /** Ends issuing now and ends the streams; requests in flight still get up to their timeout each. */
  stop(): void;
}

interface InFlight {
  readonly deadline: number;
  readonly controller: AbortController;
  timedOut: boolean;
}

/** Extra time, past a request's own deadline, before it is recorded as timed out without its promise settling. */
const SETTLE_GRACE_MS = 1_000;

export function runOpenModel(options: ResolvedLoadOptions): EngineRun {
  const target = new URL(options.url);
  const getPath = `${target.pathname}${target.search}`;
  // Our own per-request deadline (issue time + timeoutMs) governs, through the sweeper below.
  const pool = labPool(options.url, options.connections, options.timeoutMs, options.tls);

  const t0 = monotonicMs();
  const startedAt = Date.now();
  const elapsed = () => monotonicMs() - t0;
  const longLived: LongLivedRun | undefined = options.longLived
    ? runLongLived({ ...options.longLived, url: options.url, timeoutMs: options.timeoutMs, tls: options.tls }, elapsed)
    : undefined;
  const intervalMs = 1000 / options.ratePerSecond;
  const lastIndex = Math.ceil(options.maxDurationMs / intervalMs) - 1;

  const samples: RequestSample[] = [];
  const inFlight = new Map<number, InFlight>();
  const settling: Promise<void>[] = [];
  let issued = 0;
  let stopping = false;
  let scheduleTimer: NodeJS.Timeout | undefined;
  let resolveIssuingEnded!: () => void;
  const issuingEnded = new Promise<void>((resolve) => (resolveIssuingEnded = resolve));

  const issue = (index: number): void => {
    const method: HttpMethod = isPost(index, options.postRatio) ? "POST" : "GET";
    const startMs = elapsed();
    const entry: InFlight = { deadline: startMs + options.timeoutMs, controller: new AbortController(), timedOut: false };
    inFlight.set(index, entry);
    settling.push(
      send(pool, method, method === "POST" ? options.postPath : getPath, index, startMs, entry.controller.signal).then(
        (outcome) => {
          inFlight.delete(index);
          const error = entry.timedOut ? "timeout" : outcome.error;
          samples[index] = { startMs, endMs: elapsed(), method, kind: kindOfMethod(method), ...outcome, ...(error ? { error } : {}) };
        },
      ),
    );
  };

  const schedule = (): void => {
    scheduleTimer = undefined;
    if (stopping) return;
    const now = elapsed();
    const due = Math.min(Math.floor(now / intervalMs), lastIndex);
    while (issued <= due) issue(issued++);
    if (issued > lastIndex || now >= options.maxDurationMs) {
      endIssuing();
      return;
    }
    scheduleTimer = setTimeout(schedule, Math.max(1, issued * intervalMs - now));
  };

  const endIssuing = (): void => {
    stopping = true;
    if (scheduleTimer) clearTimeout(scheduleTimer);
    longLived?.stop();
    resolveIssuingEnded();
  };

  // Deadlines grow with the issue index and a Map iterates in insertion order, so the sweep stops at the first live one.
  const sweeper = setInterval(
    () => {
      const now = elapsed();
      for (const entry of inFlight.values()) {
        if (entry.deadline > now) break;
        if (!entry.timedOut) {
          entry.timedOut = true;
          entry.controller.abort();
        }
      }
    },
    Math.min(50, Math.max(5, options.timeoutMs / 4)),
  );

  const short = (async () => {
    await issuingEnded;
    await Promise.race([Promise.all(settling), delay(options.timeoutMs + SETTLE_GRACE_MS)]);
    clearInterval(sweeper);
    // A request whose promise never settled (it should not happen: the sweeper aborts it) is still a sample.
    const end = elapsed();
    for (const [index, entry] of inFlight) {
      const method = isPost(index, options.postRatio) ? "POST" : "GET";
      samples[index] = { startMs: entry.deadline - options.timeoutMs, endMs: end, method, kind: kindOfMethod(method), status: null, error: "timeout" };
    }
    await pool.destroy().catch(() => undefined);
    return samples;
  })();
  const done = Promise.all([short, longLived?.done ?? []]).then(([shortSamples, longSamples]) => [...shortSamples, ...longSamples]);

  schedule();
  return { startedAt, startedAtMonotonicMs: t0, done, stop: endIssuing };
}

function kindOfMethod(method: HttpMethod): "get" | "post" {
  return method === "POST" ? "post" : "get";
}

/** Spreads POSTs evenly: request i is a POST when it crosses the next multiple of 1/postRatio. */
export function isPost(index: number, postRatio: number): boolean {
  return Math.floor((index + 1) * postRatio) > Math.floor(index * postRatio);
}

interface Outcome {
  readonly status: number | null;
  readonly error?: string;
  readonly version?: string;
}

async function send(
  pool: Pool,
  method: HttpMethod,
  path: string,
  index: number,
  startMs: number,
  signal: AbortSignal,
): Promise<Outcome> {
  let status: number | null = null;
  try {
    const response = await pool.request({
      method,
      path,
      signal,
      ...(method === "POST"
        ? { headers: { "content-type": "application/json" }, body: JSON.stringify({ seq: index, sentAtMs: Math.round(startMs) }) }
        : {}),
    });
    status = response.statusCode;
    const fromHeader = headerVersion(response.headers);
    if (fromHeader) {
      await response.body.dump();
      return { status, version: fromHeader };
    }
    const version = versionFromBody(await response.body.text());
    return version === undefined ? { status } : { status, version };
  } catch (error) {
    return { status, error: errorCode(error) };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
