/**
 * Pure figures of one switch-over under load, shared by every method so they are counted the same way.
 *
 * - "converged run": the requests from the first one after which every request that started before the end
 *   of the observation was a success answered by the target version;
 * - "serving at": the first answer in that run, i.e. the instant from which the target version answered
 *   every request. Answers, not start times: after `docker rm -f; docker run` the balancer holds requests
 *   until the new process listens, so they start early but are served only when it does;
 * - "time to target": serving at - command start, in seconds; null when it never converged in the observation;
 * - "switch window": from the command's start until the command returned or the target version was serving,
 *   whichever is later; latency and failures are over the requests that started in it;
 * - "mixed-version answers": answers from the previous version to requests sent after the first answer from the
 *   target, among those that started from the command's start to the end of the observation (flip-figures.ts).
 */
import { summarize, type Summary } from "../../lab/load/stats";
import { convergedRun, mixedVersionAnswers, servingAt } from "../../lab/load/flip-figures";

export { convergedRun, servingAt };
import type { RequestSample } from "../../lab/load/types";

export interface SwitchObservation {
  /** When the method's command started (ms on the load run's clock). */
  readonly commandStartMs: number;
  /** When the method's command returned. */
  readonly commandEndMs: number;
  /** End of what may be looked at (exclusive): the next phase's start, or the end of the settle period. */
  readonly observeUntilMs: number;
  /** The version every request should be answered by once the method is done. */
  readonly targetVersion: string;
  /** The version that answered before the method started. */
  readonly previousVersion: string;
}

export interface SwitchFigures {
  /** Requests that started in the switch window. */
  readonly window: Summary & { readonly fromMs: number; readonly toMs: number };
  readonly commandSeconds: number;
  /** When the target version started answering every request; null when it never did. */
  readonly servingAtMs: number | null;
  /** Seconds from command start until the target version answered every request; null when it never did. */
  readonly timeToTargetSeconds: number | null;
  /** Previous-version answers to requests sent after the first target-version answer, from command start to the end of the observation. Goal: 0. */
  readonly mixedVersionAnswers: number;
}

export function analyzeSwitch(samples: readonly RequestSample[], o: SwitchObservation): SwitchFigures {
  const serving = servingAt(samples, o.commandStartMs, o.observeUntilMs, o.targetVersion);
  const toMs = serving === null ? o.observeUntilMs : Math.max(o.commandEndMs, serving);
  const window = { ...summarize(samples, { fromMs: o.commandStartMs, toMs }), fromMs: o.commandStartMs, toMs };
  return {
    window,
    commandSeconds: round((o.commandEndMs - o.commandStartMs) / 1000, 2),
    servingAtMs: serving,
    timeToTargetSeconds: serving === null ? null : round(Math.max(0, serving - o.commandStartMs) / 1000, 2),
    mixedVersionAnswers: mixedVersionAnswers(samples, o.previousVersion, o.targetVersion, o.commandStartMs, o.observeUntilMs),
  };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
