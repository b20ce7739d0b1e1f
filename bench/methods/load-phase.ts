import type { PublicEntry } from "../../lab/public-entry";
/**
 * Every method runs inside the same shape of load run: the same open-model load (rate, POST share,
 * connections, timeout) with the same long-lived requests beside it, a warm-up, the method's own steps
 * (which set marks), then the run is stopped and summarised the same way. Only the target URL differs
 * (which balancer the method uses).
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  DEFAULT_SLOW_ANSWER_MS,
  DEFAULT_UPLOAD_BYTES,
  failureReasons,
  longLivedCounts,
  startLoad,
  summarize,
  type LoadResult,
  type StartedLoadRun,
} from "../../lab/load";
import type { LoadFigures, LongLivedLoad } from "../model";

export interface LoadProfile {
  readonly ratePerSecond: number;
  readonly postRatio: number;
  readonly connections: number;
  readonly timeoutMs: number;
}

/**
 * The long-lived requests every method's load carries beside the open-model GETs and POSTs, the same for
 * each so the methods stay comparable (and the same as the demo's): a GET /slow the app holds 5 s and a
 * 1 MiB POST /upload every second, and 4 server-sent-event streams held open for the whole run. A slow
 * request or an upload that spans the switch must complete; a stream may only be closed by the server side.
 * Every value is spelled out, so the report states exactly what ran.
 */
export const BENCH_LONG_LIVED: LongLivedLoad = {
  slowEveryMs: 1000,
  slowAnswerMs: DEFAULT_SLOW_ANSWER_MS,
  uploadEveryMs: 1000,
  uploadBytes: DEFAULT_UPLOAD_BYTES,
  streams: 4,
};

/** Long enough for keep-alive pools and HAProxy's health checks to settle before the method starts. */
export const WARM_UP_MS = 2000;
/** After the new version answered the probe, a little more load so the chart shows the steady state. */
export const TAIL_MS = 2000;
/** No method's load run may last longer than this (the load generator stops by itself). */
const MAX_LOAD_MS = 3 * 60_000;

/** `target`: a URL, or the public entry over HTTPS (its URL and the CA and name to check its certificate with). */
export const loadTarget = (target: string | PublicEntry) => (typeof target === "string" ? { url: target } : target);

/** Runs `steps` under the bench's load, long-lived requests included, after the warm-up. */
export async function underLoad<T>(target: string | PublicEntry, profile: LoadProfile, steps: (load: StartedLoadRun) => Promise<T>): Promise<{ result: LoadResult; value: T }> {
  const load = startLoad({ ...loadTarget(target), ...profile, maxDurationMs: MAX_LOAD_MS, longLived: BENCH_LONG_LIVED });
  let value: T;
  try {
    await load.ready;
    await sleep(WARM_UP_MS);
    value = await steps(load);
  } catch (error) {
    await load.stop().catch(() => undefined);
    throw error;
  }
  return { result: await load.stop(), value };
}

/** The whole run's figures: every kind counts in sent and failed; the long-lived kinds are also counted on their own. */
export function loadFigures(result: Pick<LoadResult, "samples">): LoadFigures {
  const s = summarize(result.samples);
  return {
    sent: s.sent,
    failed: s.failed,
    non2xx: s.non2xx,
    socketErrors: s.socketErrors,
    failureReasons: failureReasons(result.samples),
    longLived: longLivedCounts(result.samples),
  };
}

/** The instant of the first mark with `label`, or the end of the run when the phase never got that far. */
export function markOr(result: LoadResult, label: string, fallbackMs: number): number {
  return result.marks.find((m) => m.label === label)?.atMs ?? fallbackMs;
}

/** Just after the last request started: the end of what a run can observe. */
export function runEndMs(result: LoadResult): number {
  let last = 0;
  for (const s of result.samples) if (s.startMs > last) last = s.startMs;
  return last + 1;
}
