import { BENCH_SCHEMA } from "../../../bench/model";
import { ratiosAgainst } from "../../../bench/measure/ratios";
import { comparable } from "../../../bench/report/figures";
import { method, report } from "../fixtures";

describe("the --json report", () => {
  const r = report();
  const withInfinity = { ...r, ratios: { b: ratiosAgainst(comparable(r.methods[0]), comparable(r.methods[1])) } };
  const parsed = JSON.parse(JSON.stringify(withInfinity)) as Record<string, unknown>;

  it("GIVEN a report WHEN serialised THEN it survives a JSON round trip unchanged", () => {
    expect(parsed).toEqual(withInfinity);
  });

  it("GIVEN a report WHEN serialised THEN it has every top-level figure the issue asks for", () => {
    expect(Object.keys(parsed).sort()).toEqual(
      ["apiCallsPerCutover", "benchSeconds", "command", "date", "https", "load", "machine", "methods", "ratios", "schema", "swarm", "synth", "unitTests"].sort(),
    );
    expect(parsed.schema).toBe(BENCH_SCHEMA);
  });

  it("GIVEN (e) not run WHEN serialised THEN it keeps its outcome and reason, with no figures", () => {
    const notRun = method({ id: "e", outcome: "not-run", notes: ["go: ... 403 Forbidden"], load: null, cutover: null, charts: [] });
    const round = JSON.parse(JSON.stringify({ ...r, methods: [...r.methods, notRun] })) as { methods: Record<string, unknown>[] };
    expect(round.methods.at(-1)).toEqual(expect.objectContaining({ id: "e", outcome: "not-run", notes: ["go: ... 403 Forbidden"], load: null, cutover: null }));
  });

  it("GIVEN a division by zero WHEN serialised THEN the value is null with a display and a reason, never Infinity", () => {
    const failed = (parsed.ratios as Record<string, Record<string, unknown>>).b.failed;
    expect(failed).toEqual({ value: null, display: "∞", reason: "(a) is 0, the method 64" });
  });

  it("GIVEN a method WHEN serialised THEN it carries sent, failed, p99, max, time to v2 and rollback figures", () => {
    const a = (parsed.methods as Record<string, any>[])[0];
    expect(a.load).toEqual(expect.objectContaining({ sent: expect.any(Number), failed: expect.any(Number) }));
    expect(a.cutover.window).toEqual(expect.objectContaining({ p99Ms: expect.any(Number), maxMs: expect.any(Number) }));
    expect(a.cutover.timeToTargetSeconds).toEqual(expect.any(Number));
    expect(a.rollback.commandSeconds).toEqual(expect.any(Number));
  });

  it("GIVEN (a) WHEN serialised THEN it carries the flip figures of the cutover and the rollback, the action time and the drain-deadline closures", () => {
    const a = (parsed.methods as Record<string, any>[])[0];
    const flipKeys = ["apiCalls", "commandMs", "mixedVersionAnswers", "msFromGateToAllNew", "msToAllTarget"];
    expect(Object.keys(a.flips.cutover).sort()).toEqual(flipKeys);
    expect(Object.keys(a.flips.rollback).sort()).toEqual(flipKeys);
    expect(a.simulatedActionMs).toEqual(expect.any(Number));
    expect(a.sessionsClosedAtDrainDeadline).toEqual({ cutover: expect.any(Number), rollback: expect.any(Number) });
  });

  it.each([0, 1, 2])("GIVEN method %i WHEN serialised THEN its load carries per-kind long-lived counts and its switch figures the mixed-version answers", (index) => {
    const m = (parsed.methods as Record<string, any>[])[index];
    expect(Object.keys(m.load.longLived).sort()).toEqual(["slow", "stream", "upload"]);
    expect(m.load.longLived.stream).toEqual(expect.objectContaining({ closedByServer: expect.any(Number), opened: expect.any(Number) }));
    if (m.cutover) expect(m.cutover.mixedVersionAnswers).toEqual(expect.any(Number));
  });

  it("GIVEN a report WHEN serialised THEN the load states the long-lived requests every method carried", () => {
    expect((parsed.load as Record<string, unknown>).longLived).toEqual({ slowEveryMs: 1000, slowAnswerMs: 5000, uploadEveryMs: 1000, uploadBytes: 1048576, streams: 4 });
  });
});
