import { mixedVersionAnswers, servingAt } from "../load/flip-figures";
import type { LoadResult } from "../load/types";
import type { StepEvent } from "../switch-process";

/** What one switch run (a cutover or a rollback) did to the users, from the load's samples and the switch's step lines. */
export interface FlipFigures {
  /** Old-version answers to requests sent after the first new-version answer. Goal: 0. */
  readonly mixedVersionAnswers: number;
  /** From the command's start until every later request was answered by the target version (msToAllNew / msToAllPrevious). */
  readonly msToAllTarget: number | null;
  /** From the health gate passing until all new (a cutover only). */
  readonly msFromGateToAllNew: number | null;
  readonly commandMs: number;
  readonly apiCalls: number;
}

export interface FlipPhase {
  /** Load-clock ms at which the switch was started and returned. */
  readonly startMs: number;
  readonly endMs: number;
  /** The next phase's start (or the end of the load): what may be looked at. */
  readonly observeUntilMs: number;
  readonly fromVersion: string;
  readonly toVersion: string;
  /** The switch's own step lines; atMs since the process started (≈ startMs on the load's clock). */
  readonly steps: readonly StepEvent[];
  readonly apiCalls: number;
}

export function flipFigures(result: LoadResult, phase: FlipPhase): FlipFigures {
  const serving = servingAt(result.samples, phase.startMs, phase.observeUntilMs, phase.toVersion);
  const gate = phase.steps.find((s) => s.name === "gate" && s.event === "done");
  const gateAt = gate ? phase.startMs + gate.atMs : undefined;
  return {
    mixedVersionAnswers: mixedVersionAnswers(result.samples, phase.fromVersion, phase.toVersion, phase.startMs, phase.observeUntilMs),
    msToAllTarget: serving === null ? null : Math.round(serving - phase.startMs),
    msFromGateToAllNew: serving === null || gateAt === undefined ? null : Math.round(serving - gateAt),
    commandMs: Math.round(phase.endMs - phase.startMs),
    apiCalls: phase.apiCalls,
  };
}
