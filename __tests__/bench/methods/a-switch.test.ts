import { chartMarkFor, closedAtDrainDeadline, simulatedActionMs, stepDurations, stepMs, switchFlip, type SwitchPhase } from "../../../bench/methods/a-switch";
import { LAB_ACTION_DELAY_MS } from "../../../lab/simulated-cloud";
import type { StepEvent } from "../../../lab/switch-process";
import { longLived, ok } from "../fixtures";

const done = (name: string, atMs: number): StepEvent => ({ name, event: "done", atMs });

function phase(over: { code?: number | null; steps?: StepEvent[]; json?: Record<string, unknown>; apiCalls?: number } = {}): SwitchPhase {
  return { run: { code: over.code === undefined ? 0 : over.code, steps: over.steps ?? [], json: over.json }, apiCalls: over.apiCalls ?? 4 };
}

describe("chartMarkFor", () => {
  it.each([
    { name: "the health gate passing", line: "step gate done", mark: "gate" },
    { name: "the atomic hand-over", line: "step hand-over done", mark: "hand-over" },
    { name: "the IP move", line: "step move-ip done", mark: "move-ip" },
    { name: "a charted step starting", line: "step hand-over started", mark: undefined },
    { name: "a step that is not charted", line: "step drain done", mark: undefined },
    { name: "the old route-to-spare step", line: "step route-to-spare done", mark: undefined },
    { name: "a line that is no step", line: "pulling demo:v2", mark: undefined },
  ])("GIVEN $name ($line) WHEN the line is read THEN the chart mark is $mark", ({ line, mark }) => {
    expect(chartMarkFor(line)).toBe(mark);
  });

  // The switch's step lines, in the order it prints them (docs/operations.md).
  const CUTOVER = ["lock", "observe", "pull", "start", "arm-spare", "gate", "hand-over", "drain", "move-ip", "restore-floating", "arm-spare", "retag", "verify", "finish", "prune", "record", "unlock"];
  const ROLLBACK = ["lock", "observe", "arm-spare", "hand-over", "drain", "move-ip", "restore-floating", "arm-spare", "retag", "verify", "finish", "record", "unlock"];
  it.each([
    { name: "a cutover", steps: CUTOVER, marks: ["gate", "hand-over", "move-ip"] },
    { name: "a rollback", steps: ROLLBACK, marks: ["hand-over", "move-ip"] },
  ])("GIVEN $name's step lines WHEN charted THEN the chart marks $marks", ({ steps, marks }) => {
    const lines = steps.flatMap((step) => [`step ${step} started`, `step ${step} done`]);
    expect(lines.map(chartMarkFor).filter(Boolean)).toEqual(marks);
  });
});

describe("stepDurations", () => {
  it("GIVEN started and done lines WHEN summarised THEN each finished step has its duration, failures marked", () => {
    const steps: StepEvent[] = [
      { name: "gate", event: "started", atMs: 1000 },
      done("gate", 1400),
      { name: "hand-over", event: "started", atMs: 1400 },
      done("hand-over", 1450),
      { name: "drain", event: "started", atMs: 1450 },
      { name: "drain", event: "failed", atMs: 11_450 },
    ];
    expect(stepDurations(steps)).toBe("gate 0.4 s, hand-over 0.1 s, drain 10.0 s (failed)");
  });
});

describe("stepMs", () => {
  const steps: StepEvent[] = [
    { name: "hand-over", event: "started", atMs: 1400 },
    done("hand-over", 1450),
    { name: "drain", event: "started", atMs: 1450 },
    done("drain", 11_700),
    { name: "move-ip", event: "started", atMs: 11_700 },
  ];
  it.each([
    ["a finished step", "drain", 10_250],
    ["a step that never ended", "move-ip", null],
    ["a step that never started", "verify", null],
  ])("GIVEN %s WHEN timed THEN %s took %p ms", (_case, name, expected) => {
    expect(stepMs(steps, name)).toBe(expected);
  });
});

describe("switchFlip", () => {
  // The cutover starts at 1000 on the load's clock; the gate passes 800 ms later; v2 answers from 2000 on.
  const result = {
    samples: [ok(900, "v1"), ok(1500, "v1"), longLived("slow", 1600, "v1"), ok(1999, "v2"), ok(2100, "v2"), ok(2200, "v2")],
    marks: [],
    startedAt: 0,
  };
  const span = { startMs: 1000, endMs: 8000, observeUntilMs: 9000 };

  it("GIVEN a cutover that succeeded WHEN its flip is figured THEN every figure comes from the load and the step lines", () => {
    expect(switchFlip(result, phase({ steps: [done("gate", 800), done("hand-over", 950)], apiCalls: 6 }), span, "v1", "v2")).toEqual({
      mixedVersionAnswers: 0,
      msToAllTarget: 1000,
      msFromGateToAllNew: 200,
      commandMs: 7000,
      apiCalls: 6,
    });
  });

  it("GIVEN a rollback, which has no gate, WHEN its flip is figured THEN it has no gate-to-all figure", () => {
    expect(switchFlip(result, phase({ steps: [done("hand-over", 100)] }), span, "v1", "v2")?.msFromGateToAllNew).toBeNull();
  });

  it.each([
    { name: "a slow request sent before the first v2 answer, finishing on v1 afterwards", extra: [], expected: 0 },
    { name: "a v1 answer at the end of the observation (the next run's start)", extra: [ok(9000, "v1")], expected: 0 },
    { name: "v1 answering a request sent after the first v2 answer", extra: [ok(2150, "v1")], expected: 1 },
    { name: "v1 answering an upload sent after the first v2 answer", extra: [longLived("upload", 2300, "v1")], expected: 1 },
  ])("GIVEN $name WHEN the flip is figured THEN mixedVersionAnswers is $expected", ({ extra, expected }) => {
    const samples = [...result.samples, ...extra];
    expect(switchFlip({ ...result, samples }, phase(), span, "v1", "v2")?.mixedVersionAnswers).toBe(expected);
  });

  it.each([
    ["the run exited non-zero", phase({ code: 3 })],
    ["the run was killed", phase({ code: null })],
    ["the run never happened", undefined],
  ])("GIVEN %s WHEN its flip is figured THEN there are no flip figures", (_what, p) => {
    expect(switchFlip(result, p, span, "v1", "v2")).toBeNull();
  });
});

describe("closedAtDrainDeadline", () => {
  it.each([
    { name: "the switch closed 3 streams at the deadline", p: phase({ json: { sessionsClosedAtDrainDeadline: 3 } }), expected: 3 },
    { name: "the switch closed none", p: phase({ json: { sessionsClosedAtDrainDeadline: 0 } }), expected: 0 },
    { name: "a --json line without the figure", p: phase({ json: { outcome: "deployed" } }), expected: null },
    { name: "no --json line", p: phase(), expected: null },
    { name: "no run", p: undefined, expected: null },
  ])("GIVEN $name WHEN read THEN the count is $expected", ({ p, expected }) => {
    expect(closedAtDrainDeadline(p)).toBe(expected);
  });
});

describe("simulatedActionMs", () => {
  it.each([
    ["the lab's default", {}, LAB_ACTION_DELAY_MS],
    ["the simulator's environment override", { LAB_ACTION_DELAY_MS: "250" }, 250],
  ])("GIVEN %s WHEN read THEN the action time is what the simulator uses", (_what, env, expected) => {
    expect(simulatedActionMs(env)).toBe(expected);
  });
});
