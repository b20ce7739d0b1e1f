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
      ["apiCallsPerCutover", "benchSeconds", "command", "date", "load", "machine", "methods", "ratios", "schema", "swarm", "synth", "unitTests"].sort(),
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
});
