import { analyzeSwitch, convergedRun, servingAt } from "../../../bench/measure/analysis";
import { ok, reset, status } from "../fixtures";

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
    const f = analyzeSwitch(samples, { commandStartMs: 1000, commandEndMs: 1800, observeUntilMs: 6000, targetVersion: "v2" });
    expect(f.servingAtMs).toBe(2010);
    expect(f.timeToTargetSeconds).toBe(1.01);
    expect(f.window).toMatchObject({ fromMs: 1000, toMs: 2010, sent: 3, failed: 1, socketErrors: 1 });
    expect(f.commandSeconds).toBe(0.8);
  });

  it("GIVEN a command that returns after convergence WHEN analysed THEN the window ends with the command", () => {
    const f = analyzeSwitch(samples, { commandStartMs: 1000, commandEndMs: 4500, observeUntilMs: 6000, targetVersion: "v2" });
    expect(f.window).toMatchObject({ toMs: 4500, sent: 5, maxMs: 300 });
  });

  it("GIVEN a switch that never converges WHEN analysed THEN time to target is null and the window covers the whole observation", () => {
    const f = analyzeSwitch(samples, { commandStartMs: 1000, commandEndMs: 1800, observeUntilMs: 6000, targetVersion: "v3" });
    expect(f.timeToTargetSeconds).toBeNull();
    expect(f.servingAtMs).toBeNull();
    expect(f.window).toMatchObject({ toMs: 6000, sent: 6 });
  });
});
