/**
 * Every method runs inside the same shape of load run: the same open-model load (rate, POST share,
 * connections, timeout), a warm-up, the method's own steps (which set marks), then the run is stopped
 * and summarised the same way. Only the target URL differs (which balancer the method uses).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startLoad, summarize, failureReasons, type LoadResult, type StartedLoadRun } from "../../lab/load";
import type { LoadFigures } from "../model";

export interface LoadProfile {
  readonly ratePerSecond: number;
  readonly postRatio: number;
  readonly connections: number;
  readonly timeoutMs: number;
}

/** Long enough for keep-alive pools and HAProxy's health checks to settle before the method starts. */
export const WARM_UP_MS = 2000;
/** After the new version answered the probe, a little more load so the chart shows the steady state. */
export const TAIL_MS = 2000;
/** No method's load run may last longer than this (the load generator stops by itself). */
const MAX_LOAD_MS = 3 * 60_000;

export async function underLoad<T>(url: string, profile: LoadProfile, steps: (load: StartedLoadRun) => Promise<T>): Promise<{ result: LoadResult; value: T }> {
  const load = startLoad({ url, ...profile, maxDurationMs: MAX_LOAD_MS });
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

export function loadFigures(result: LoadResult): LoadFigures {
  const s = summarize(result.samples);
  return { sent: s.sent, failed: s.failed, non2xx: s.non2xx, socketErrors: s.socketErrors, failureReasons: failureReasons(result.samples) };
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
