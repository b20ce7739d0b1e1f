/**
 * Pure figures of a flip under load, counted the same way by the demo, the bench and the e2e tests:
 * - a "converged run": the short requests (by start time) from the first one after which every one was a success
 *   answered by the target version; long-lived requests started before a flip legitimately finish on the old version;
 * - "serving at": the first answer in that run, the instant from which the target version answered every request;
 *   msToAllVersion is the same instant, as ms since a given start;
 * - mixed-version answers: answers from the old version to requests sent after the first answer from the new one.
 */
import { isFailure, isShort } from "./stats";
import type { RequestSample } from "./types";

function shortIn(samples: readonly RequestSample[], fromMs: number, untilMs: number): RequestSample[] {
  return samples.filter((s) => isShort(s) && s.startMs >= fromMs && s.startMs < untilMs).sort((a, b) => a.startMs - b.startMs);
}

/** The short requests within [fromMs, untilMs) from which on every one was a success from `targetVersion`; null when the last one was not. */
export function convergedRun(samples: readonly RequestSample[], fromMs: number, untilMs: number, targetVersion: string): RequestSample[] | null {
  const observed = shortIn(samples, fromMs, untilMs);
  let lastBad = -1;
  for (let i = 0; i < observed.length; i++) if (isFailure(observed[i]) || observed[i].version !== targetVersion) lastBad = i;
  if (observed.length === 0 || lastBad === observed.length - 1) return null;
  return observed.slice(lastBad + 1);
}

/** The first answer of the converged run: from then on the target version answered every request. */
export function servingAt(samples: readonly RequestSample[], fromMs: number, untilMs: number, targetVersion: string): number | null {
  const run = convergedRun(samples, fromMs, untilMs, targetVersion);
  if (!run) return null;
  return run.reduce((first, s) => Math.min(first, s.endMs), Infinity);
}

/**
 * Ms from `sinceMs` until `version` answered every request from then on (servingAt, looking at the requests that
 * started in [sinceMs, untilMs)); null if it never did, or if the last request looked at was not a success from it.
 */
export function msToAllVersion(samples: readonly RequestSample[], version: string, sinceMs: number, untilMs = Infinity): number | null {
  const serving = servingAt(samples, sinceMs, untilMs, version);
  return serving === null ? null : serving - sinceMs;
}

/**
 * Answers from `oldVersion` to requests sent after the first answer from `newVersion`, among the requests that
 * started in [fromMs, untilMs). Goal: 0. "After" is strict: startMs > that answer's endMs. Every kind counts, so a
 * slow request, an upload or a stream started after the first new answer and answered by the old version is one;
 * those started before legitimately finish on the old version and do not. A stream's endMs is when it ended, not
 * when it was answered, so streams never set the first new answer.
 */
export function mixedVersionAnswers(samples: readonly RequestSample[], oldVersion: string, newVersion: string, fromMs = -Infinity, untilMs = Infinity): number {
  const observed = samples.filter((s) => s.startMs >= fromMs && s.startMs < untilMs);
  let firstNew = Infinity;
  for (const s of observed) if (s.version === newVersion && s.kind !== "stream" && s.endMs < firstNew) firstNew = s.endMs;
  return observed.filter((s) => s.startMs > firstNew && s.version === oldVersion).length;
}
