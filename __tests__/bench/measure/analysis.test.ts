import { analyzeSwitch, convergedRun, servingAt } from "../../../bench/measure/analysis";
import { longLived, ok, reset, status } from "../fixtures";

describe("convergedRun", () => {
  const cases = [
    { name: "every request after the start is already the target", samples: [ok(0, "v2"), ok(10, "v2")], expected: [0, 10] },
    { name: "the run starts after the last old-version answer", samples: [ok(0, "v1"), ok(10, "v1"), ok(20, "v2"), ok(30, "v2")], expected: [20, 30] },
    { name: "a failure after the first new answer restarts the run", samples: [ok(0, "v2"), reset(10), ok(20, "v2")], expected: [20] },
    { name: "a non-2xx from the new version is not the new version serving", samples: [ok(0, "v2"), status(10, 503, "v2"), ok(20, "v2")], expected: [20] },
    { name: "samples out of order are sorted by start", samples: [ok(20, "v2"), ok(0, "v1"), ok(10, "v2")], expected: [10, 20] },
  ];
  it.each(cases)("GIVEN $name WHEN the run is found THEN it holds the requests starting at $expected", ({ samples, expected }) => {
    expect(convergedRun(samples, 0, 100, "v2")?.map((s) => s.startMs)).toEqual(expected);
  });

  it("GIVEN the last observed request was not the target WHEN the run is found THEN there is none", () => {
    expect(convergedRun([ok(0, "v2"), ok(10, "v1")], 0, 100, "v2")).toBeNull();
  });

  it("GIVEN nothing in the window WHEN the run is found THEN there is none", () => {
    expect(convergedRun([ok(0, "v2")], 50, 100, "v2")).toBeNull();
  });

  it("GIVEN requests outside [from, until) WHEN the run is found THEN they are ignored", () => {
    expect(convergedRun([ok(0, "v1"), ok(10, "v2"), ok(100, "v1")], 5, 100, "v2")?.map((s) => s.startMs)).toEqual([10]);
  });
});

describe("servingAt", () => {
  it("GIVEN requests held by the balancer until the new process listens WHEN serving is computed THEN it is their first answer, not their start", () => {
    const held = [reset(0), { ...ok(10, "v2"), endMs: 500 }, { ...ok(20, "v2"), endMs: 500 }, ok(600, "v2")];
    expect(servingAt(held, 0, 1000, "v2")).toBe(500);
  });
});

describe("analyzeSwitch", () => {
  const samples = [ok(0, "v1"), ok(1000, "v1"), reset(1500), ok(2000, "v2", 10), ok(3000, "v2"), ok(4000, "v2", 300), ok(5000, "v2")];

  it("GIVEN a switch that converges after its command returned WHEN analysed THEN the window reaches the first new answer", () => {
    const f = analyzeSwitch(samples, { commandStartMs: 1000, commandEndMs: 1800, observeUntilMs: 6000, targetVersion: "v2", previousVersion: "v1" });
    expect(f.servingAtMs).toBe(2010);
    expect(f.timeToTargetSeconds).toBe(1.01);
    expect(f.window).toMatchObject({ fromMs: 1000, toMs: 2010, sent: 3, failed: 1, socketErrors: 1 });
    expect(f.commandSeconds).toBe(0.8);
  });

  it("GIVEN a command that returns after convergence WHEN analysed THEN the window ends with the command", () => {
    const f = analyzeSwitch(samples, { commandStartMs: 1000, commandEndMs: 4500, observeUntilMs: 6000, targetVersion: "v2", previousVersion: "v1" });
    expect(f.window).toMatchObject({ toMs: 4500, sent: 5, maxMs: 300 });
  });

  it("GIVEN a switch that never converges WHEN analysed THEN time to target is null and the window covers the whole observation", () => {
    const f = analyzeSwitch(samples, { commandStartMs: 1000, commandEndMs: 1800, observeUntilMs: 6000, targetVersion: "v3", previousVersion: "v1" });
    expect(f.timeToTargetSeconds).toBeNull();
    expect(f.servingAtMs).toBeNull();
    expect(f.window).toMatchObject({ toMs: 6000, sent: 6 });
  });
});

describe("analyzeSwitch: mixed-version answers", () => {
  const observe = { commandStartMs: 1000, commandEndMs: 3000, observeUntilMs: 6000, targetVersion: "v2", previousVersion: "v1" };
  const cases = [
    { name: "an atomic switch: every request after the first v2 answer is v2", samples: [ok(1000, "v1"), ok(1100, "v2"), ok(1200, "v2")], expected: 0 },
    { name: "requests sent before the first v2 answer that finish on v1", samples: [{ ...ok(1000, "v1"), endMs: 1300 }, ok(1100, "v2"), ok(1200, "v2")], expected: 0 },
    { name: "v1 answering twice after the first v2 answer", samples: [ok(1000, "v2"), ok(1100, "v1"), ok(1200, "v1"), ok(1300, "v2")], expected: 2 },
    { name: "a slow request sent after the first v2 answer and answered by v1", samples: [ok(1000, "v2"), longLived("slow", 1100, "v1"), ok(1200, "v2")], expected: 1 },
    { name: "a stream opened on v1 before the flip, ending after it", samples: [ok(1000, "v1"), longLived("stream", 1050, "v1", 4000), ok(1100, "v2")], expected: 0 },
    { name: "a v1 answer before the command started", samples: [ok(1000, "v2"), ok(500, "v1")], expected: 0 },
    { name: "a v1 answer after the end of the observation", samples: [ok(1000, "v2"), ok(6000, "v1")], expected: 0 },
  ];
  it.each(cases)("GIVEN $name WHEN analysed THEN mixedVersionAnswers is $expected", ({ samples, expected }) => {
    expect(analyzeSwitch(samples, observe).mixedVersionAnswers).toBe(expected);
  });

  it("GIVEN a rollback WHEN analysed THEN the previous version is v2 and v2 answers after the first v1 one are counted", () => {
    expect(analyzeSwitch([ok(1000, "v1"), ok(1100, "v2")], { ...observe, targetVersion: "v1", previousVersion: "v2" }).mixedVersionAnswers).toBe(1);
  });
});
