/**
 * (a) This project's switch, run as CI runs it (the real CLI as a subprocess against the lab):
 * a bootstrap deploy of v1 without load, then under load a cutover to v2 and a rollback to v1.
 * Besides the switch figures every method has, (a) reports the flip figures the demo reports
 * (lab/demo/flip-report.ts), counted the same way, for the cutover and the rollback.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { flipFigures, type FlipFigures } from "../../lab/demo/flip-report";
import { runPhase, type PhaseResult } from "../../lab/demo/scenario";
import type { LoadResult, StartedLoadRun } from "../../lab/load";
import { LAB_ACTION_DELAY_MS } from "../../lab/simulated-cloud";
import { SWITCH_BUNDLE } from "../../scripts/build-switch";
import { parseStepLine, type StepEvent, type SwitchRun } from "../../lab/switch-process";
import type { MethodResult } from "../model";
import { analyzeSwitch } from "../measure/analysis";
import { samplePeakMemory } from "../measure/peak-memory";
import { errorText, writeChart, type MethodContext } from "./context";
import { loadFigures, markOr, runEndMs, TAIL_MS, underLoad } from "./load-phase";

const TITLE = "(a) do-bluegreen switch: cutover v1 → v2, then rollback";

/**
 * Steps drawn on the chart (the switch prints `step <name> done` for each; docs/operations.md lists them): the
 * health gate, the one HAProxy command from which every new request goes to the new version, and the IP move.
 */
export const CHARTED_STEPS: readonly string[] = ["gate", "hand-over", "move-ip"];

/** The chart mark for one line of the switch's output: the step's name when a charted step is done, else nothing. */
export function chartMarkFor(line: string): string | undefined {
  const step = parseStepLine(line);
  return step?.event === "done" && CHARTED_STEPS.includes(step.name) ? step.name : undefined;
}

async function timedSwitch(ctx: MethodContext, name: string, args: string[], load?: StartedLoadRun): Promise<{ phase: PhaseResult; peakKiB: number | null }> {
  const sampler = samplePeakMemory(SWITCH_BUNDLE);
  const onLine = (line: string) => {
    const mark = chartMarkFor(line);
    if (load && mark) load.mark(mark);
  };
  try {
    const phase = await runPhase(ctx.bench.lab, name, args, onLine);
    return { phase, peakKiB: sampler.stop() };
  } finally {
    sampler.stop();
  }
}

/** "pull 1.2 s, start 0.4 s, ..." from the switch's own step lines. */
export function stepDurations(steps: readonly StepEvent[]): string {
  const started = new Map<string, number>();
  const parts: string[] = [];
  for (const step of steps) {
    if (step.event === "started") started.set(step.name, step.atMs);
    else if (started.has(step.name)) parts.push(`${step.name} ${((step.atMs - started.get(step.name)!) / 1000).toFixed(1)} s${step.event === "failed" ? " (failed)" : ""}`);
  }
  return parts.join(", ");
}

/** How long step `name` took, from its started line to its done or failed line; null when it has no such pair. */
export function stepMs(steps: readonly StepEvent[], name: string): number | null {
  const started = steps.find((s) => s.name === name && s.event === "started");
  const ended = started && steps.find((s) => s.name === name && s.event !== "started" && s.atMs >= started.atMs);
  return started && ended ? ended.atMs - started.atMs : null;
}

/** What the flip figures need of one switch run. */
export type SwitchPhase = { readonly run: Pick<SwitchRun, "code" | "steps" | "json">; readonly apiCalls: number };

/** One switch run's span on the load's clock: its marks, and the end of what may be looked at (the next run's start, or the end of the load). */
export interface SwitchSpan {
  readonly startMs: number;
  readonly endMs: number;
  readonly observeUntilMs: number;
}

/**
 * The flip figures of one switch run (mixed-version answers, ms to all target, from the gate to all new, command ms,
 * API calls); null when the run did not happen or did not succeed. The run's start mark is taken just before the
 * simulator's request log is cleared and the switch spawned, so its step times (atMs since the spawn), and with them
 * msFromGateToAllNew, are placed a few ms early: that figure errs long, never short.
 */
export function switchFlip(result: LoadResult, phase: SwitchPhase | undefined, span: SwitchSpan, fromVersion: string, toVersion: string): FlipFigures | null {
  if (!phase || phase.run.code !== 0) return null;
  return flipFigures(result, { ...span, fromVersion, toVersion, steps: phase.run.steps, apiCalls: phase.apiCalls });
}

/** Sessions the switch closed when SWITCH_DRAIN_TIMEOUT_SECONDS ran out (its --json last line); null when it did not say. */
export function closedAtDrainDeadline(phase: SwitchPhase | undefined): number | null {
  const closed = phase?.run.json?.sessionsClosedAtDrainDeadline;
  return typeof closed === "number" ? closed : null;
}

/** The simulated reserved-IP action time, as the lab's simulator reads it (lab/processes/simulator-main.ts: the env, else LAB_ACTION_DELAY_MS). */
export function simulatedActionMs(env: NodeJS.ProcessEnv = process.env): number {
  return Number(env.LAB_ACTION_DELAY_MS ?? LAB_ACTION_DELAY_MS);
}

function failedRun(phase: PhaseResult): string | undefined {
  if (phase.run.code === 0) return undefined;
  const tail = (phase.run.stderr || phase.run.stdout).trim().split("\n").slice(-2).join(" | ");
  return `switch ${phase.name} exited ${phase.run.code}: ${tail}`;
}

export async function runSwitchMethod(ctx: MethodContext): Promise<MethodResult> {
  const { bench } = ctx;
  const notes: string[] = [];
  const base = { id: "a" as const, title: TITLE, charts: [] as string[] };
  ctx.log("(a) bootstrap: switch --image v1 (no load)");
  const bootstrap = await runPhase(bench.lab, "bootstrap", ["--image", bench.image("v1"), "--json"]);
  const bootFailure = failedRun(bootstrap);
  if (bootFailure) {
    return { ...base, outcome: "error", notes: [`bootstrap deploy of v1 failed, so (a) was not measured: ${bootFailure}`], load: null, cutover: null, rollback: null, apiCalls: { cutover: null, rollback: null } };
  }
  const publicUrl = bench.entry();
  await bench.waitServes(publicUrl, "v1");

  ctx.log("(a) under load: switch --image v2, then switch rollback");
  const { result, value } = await underLoad(publicUrl, ctx.profile, async (load) => {
    load.mark("cutover-start");
    const cutover = await timedSwitch(ctx, "cutover", ["--image", bench.image("v2"), "--json"], load);
    load.mark("cutover-done");
    if (failedRun(cutover.phase)) return { cutover };
    await bench.waitServes(publicUrl, "v2").catch((e: unknown) => notes.push(`after the cutover: ${errorText(e)}`));
    await sleep(TAIL_MS);
    load.mark("rollback-start");
    const rollback = await timedSwitch(ctx, "rollback", ["rollback", "--json"], load);
    load.mark("rollback-done");
    await bench.waitServes(publicUrl, "v1").catch((e: unknown) => notes.push(`after the rollback: ${errorText(e)}`));
    await sleep(TAIL_MS);
    return { cutover, rollback };
  });

  const end = runEndMs(result);
  const cutoverFailure = failedRun(value.cutover.phase);
  const rollbackFailure = value.rollback ? failedRun(value.rollback.phase) : undefined;
  for (const failure of [cutoverFailure, rollbackFailure]) if (failure) notes.push(failure);
  notes.push(`cutover steps (the switch's own step lines): ${stepDurations(value.cutover.phase.run.steps) || "none printed"}`);
  if (value.rollback) notes.push(`rollback steps: ${stepDurations(value.rollback.phase.run.steps) || "none printed"}`);
  const cutoverSpan: SwitchSpan = { startMs: markOr(result, "cutover-start", end), endMs: markOr(result, "cutover-done", end), observeUntilMs: markOr(result, "rollback-start", end) };
  const rollbackSpan: SwitchSpan = { startMs: markOr(result, "rollback-start", end), endMs: markOr(result, "rollback-done", end), observeUntilMs: end };
  const observation = (span: SwitchSpan, previousVersion: string, targetVersion: string) => ({
    commandStartMs: span.startMs,
    commandEndMs: span.endMs,
    observeUntilMs: span.observeUntilMs,
    previousVersion,
    targetVersion,
  });
  const rollbackPhase = value.rollback?.phase;
  return {
    ...base,
    outcome: cutoverFailure ? "error" : "measured",
    notes,
    load: loadFigures(result),
    cutover: analyzeSwitch(result.samples, observation(cutoverSpan, "v1", "v2")),
    rollback: rollbackPhase ? analyzeSwitch(result.samples, observation(rollbackSpan, "v2", "v1")) : null,
    apiCalls: { cutover: value.cutover.phase.apiCalls, rollback: rollbackPhase?.apiCalls ?? null },
    flips: { cutover: switchFlip(result, value.cutover.phase, cutoverSpan, "v1", "v2"), rollback: switchFlip(result, rollbackPhase, rollbackSpan, "v2", "v1") },
    simulatedActionMs: simulatedActionMs(),
    sessionsClosedAtDrainDeadline: { cutover: closedAtDrainDeadline(value.cutover.phase), rollback: closedAtDrainDeadline(rollbackPhase) },
    rollbackDrainMs: rollbackPhase ? stepMs(rollbackPhase.run.steps, "drain") : null,
    peakRssKiB: { cutover: value.cutover.peakKiB, rollback: value.rollback?.peakKiB ?? null },
    charts: [writeChart(ctx, "a-switch.svg", TITLE, result)],
  };
}
