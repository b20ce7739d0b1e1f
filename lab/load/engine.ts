import { Pool } from "undici";
import { monotonicMs } from "./clock";
import type { HttpMethod, RequestSample } from "./types";
import type { ResolvedLoadOptions } from "./options";

/**
 * The open-model request loop. Requests are issued on a fixed schedule (request i is due at
 * i / ratePerSecond seconds) whatever the state of earlier ones, so a stalled server shows up as
 * timeouts and latency rather than as fewer requests. Runs in whatever thread calls it; startLoad()
 * runs it in a worker so the caller's event loop cannot delay the schedule.
 */
export interface EngineRun {
  /** Epoch ms of the run's start, for display. */
  readonly startedAt: number;
  /** The run's start on the process-wide monotonic clock (clock.ts); sample times are relative to it. */
  readonly startedAtMonotonicMs: number;
  /** Resolves once issuing has ended (stop() or maxDurationMs) and every issued request has settled. */
  readonly done: Promise<RequestSample[]>;
  /** Ends issuing now; requests in flight still get up to timeoutMs each. */
  stop(): void;
}

interface InFlight {
  readonly deadline: number;
  readonly controller: AbortController;
  timedOut: boolean;
}

const IDLE_SOCKET_MS = 2_000;

/** Extra time, past a request's own deadline, before it is recorded as timed out without its promise settling. */
const SETTLE_GRACE_MS = 1_000;

export function runOpenModel(options: ResolvedLoadOptions): EngineRun {
  const target = new URL(options.url);
  const getPath = `${target.pathname}${target.search}`;
  const pool = new Pool(target.origin, {
    connections: options.connections,
    pipelining: 1,
    connectTimeout: options.timeoutMs,
    // Our own per-request deadline (issue time + timeoutMs) governs; undici's phase timers would only muddle it.
    headersTimeout: 0,
    bodyTimeout: 0,
    // Close idle sockets well before the server would (HAProxy's http-keep-alive and Node's keepAliveTimeout are 5 s),
    // so a reused socket is never one the server is closing: that race would be a failure the cutover did not cause.
    keepAliveTimeout: IDLE_SOCKET_MS,
    keepAliveMaxTimeout: IDLE_SOCKET_MS,
  });

  const t0 = monotonicMs();
  const startedAt = Date.now();
  const elapsed = () => monotonicMs() - t0;
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
          samples[index] = { startMs, endMs: elapsed(), method, ...outcome, ...(error ? { error } : {}) };
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

  const done = (async () => {
    await issuingEnded;
    await Promise.race([Promise.all(settling), delay(options.timeoutMs + SETTLE_GRACE_MS)]);
    clearInterval(sweeper);
    // A request whose promise never settled (it should not happen: the sweeper aborts it) is still a sample.
    const end = elapsed();
    for (const [index, entry] of inFlight) {
      samples[index] = {
        startMs: entry.deadline - options.timeoutMs,
        endMs: end,
        method: isPost(index, options.postRatio) ? "POST" : "GET",
        status: null,
        error: "timeout",
      };
    }
    await pool.destroy().catch(() => undefined);
    return samples;
  })();

  schedule();
  return { startedAt, startedAtMonotonicMs: t0, done, stop: endIssuing };
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
    const header = response.headers["x-app-version"];
    const fromHeader = Array.isArray(header) ? header[0] : header;
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

function versionFromBody(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "version" in parsed && typeof parsed.version === "string") return parsed.version;
  } catch {
    // Not JSON: the version stays unknown, which the caller's assertions will notice.
  }
  return undefined;
}

function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === "string" && code) return code;
    if (typeof name === "string" && name) return name;
  }
  return String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
