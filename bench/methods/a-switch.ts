/**
 * (a) This project's switch, run as CI runs it (the real CLI as a subprocess against the lab):
 * a bootstrap deploy of v1 without load, then under load a cutover to v2 and a rollback to v1.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { runPhase, type PhaseResult } from "../../lab/demo/scenario";
import type { StartedLoadRun } from "../../lab/load";
import { parseStepLine, type StepEvent } from "../../lab/switch-process";
import type { MethodResult } from "../model";
import { analyzeSwitch } from "../measure/analysis";
import { samplePeakMemory } from "../measure/peak-memory";
import { errorText, writeChart, type MethodContext } from "./context";
import { loadFigures, markOr, runEndMs, TAIL_MS, underLoad } from "./load-phase";

const TITLE = "(a) do-bluegreen switch: cutover v1 → v2, then rollback";

/** Steps drawn on the chart (the switch prints `step <name> done` for each; docs/operations.md lists them). */
const CHARTED_STEPS = new Set(["gate", "route-to-spare", "move-ip"]);

async function timedSwitch(ctx: MethodContext, name: string, args: string[], load?: StartedLoadRun): Promise<{ phase: PhaseResult; peakKiB: number | null }> {
  const sampler = samplePeakMemory("switch/cli.ts");
  const onLine = (line: string) => {
    const step = parseStepLine(line);
    if (load && step?.event === "done" && CHARTED_STEPS.has(step.name)) load.mark(`${step.name}`);
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
  const publicUrl = `http://${bench.plan.balancer.publicIp}/`;
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
  const cutover = analyzeSwitch(result.samples, {
    commandStartMs: markOr(result, "cutover-start", end),
    commandEndMs: markOr(result, "cutover-done", end),
    observeUntilMs: markOr(result, "rollback-start", end),
    targetVersion: "v2",
    previousVersion: "v1",
  });
  const rollback = value.rollback
    ? analyzeSwitch(result.samples, {
        commandStartMs: markOr(result, "rollback-start", end),
        commandEndMs: markOr(result, "rollback-done", end),
        observeUntilMs: end,
        targetVersion: "v1",
        previousVersion: "v2",
      })
    : null;
  return {
    ...base,
    outcome: cutoverFailure ? "error" : "measured",
    notes,
    load: loadFigures(result),
    cutover,
    rollback,
    apiCalls: { cutover: value.cutover.phase.apiCalls, rollback: value.rollback?.phase.apiCalls ?? null },
    peakRssKiB: { cutover: value.cutover.peakKiB, rollback: value.rollback?.peakKiB ?? null },
    charts: [writeChart(ctx, "a-switch.svg", TITLE, result)],
  };
}
