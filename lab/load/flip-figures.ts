/**
 * Pure figures of a flip under load, counted the same way by the demo, the bench and the e2e tests:
 * - a "converged run": the short requests (by start time) from the first one after which every one was a success
 *   answered by the target version; long-lived requests started before a flip legitimately finish on the old version;
 * - "serving at": the first answer in that run, the instant from which the target version answered every request;
 * - mixed-version answers: answers from the old version to requests sent after the first answer from the new one.
 */
import { isFailure } from "./stats";
import type { RequestKind, RequestSample } from "./types";

const isShort = (s: RequestSample) => s.kind === undefined;

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

/** Answers from `oldVersion` to short requests sent (within the window) after the first answer from `newVersion`. Goal: 0. */
export function mixedVersionAnswers(samples: readonly RequestSample[], oldVersion: string, newVersion: string, fromMs: number, untilMs: number): number {
  const observed = shortIn(samples, fromMs, untilMs);
  const firstNew = observed.filter((s) => s.version === newVersion).reduce((first, s) => Math.min(first, s.endMs), Infinity);
  return observed.filter((s) => s.startMs > firstNew && s.version === oldVersion).length;
}

export interface KindCounts {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
}

export interface LongLivedCounts {
  readonly slow: KindCounts;
  readonly upload: KindCounts;
  /** ok: streams that got their 200 and events; closedByServer: of those, ended by the server side (the drain deadline), not a failure. */
  readonly stream: KindCounts & { readonly closedByServer: number };
}

/** Per long-lived kind, the requests that started within [fromMs, untilMs) (all by default). */
export function longLivedCounts(samples: readonly RequestSample[], fromMs = -Infinity, untilMs = Infinity): LongLivedCounts {
  const of = (kind: RequestKind): KindCounts => {
    const selected = samples.filter((s) => s.kind === kind && s.startMs >= fromMs && s.startMs < untilMs);
    const failed = selected.filter(isFailure).length;
    return { sent: selected.length, ok: selected.length - failed, failed };
  };
  const closedByServer = samples.filter((s) => s.kind === "stream" && s.streamEnd === "server-closed" && s.startMs >= fromMs && s.startMs < untilMs).length;
  return { slow: of("slow"), upload: of("upload"), stream: { ...of("stream"), closedByServer } };
}
