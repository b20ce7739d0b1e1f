import { flipSummary, renderBenchSummary } from "../../../bench/report/summary";
import { figures, method, report } from "../fixtures";

describe("renderBenchSummary", () => {
  const text = renderBenchSummary(report());

  it.each([
    ["a mixed-version column", "mixed"],
    ["(a)'s flip line", "(a) flips: cutover 0 mixed, all v2 1500 ms after the start, 320 ms after the gate; rollback 0 mixed, all v1 800 ms after the start, command 2900 ms (simulated action 1500 ms)"],
    ["the long-lived failures", "long-lived failed: slow 0, upload 0, stream 0"],
    ["the streams closed at the drain deadline", "streams closed at the drain deadline 4 + 3"],
  ])("GIVEN a report WHEN summarised THEN the text shows %s", (_what, expected) => {
    expect(text).toContain(expected);
  });

  it("GIVEN a report WHEN summarised THEN no value leaks as undefined or NaN", () => {
    expect(text).not.toMatch(/undefined|NaN/);
  });
});

describe("flipSummary", () => {
  it.each([
    { name: "no (a)", a: undefined },
    { name: "(a) without flip figures (its bootstrap failed)", a: method({ id: "a", outcome: "error", cutover: null }) },
  ])("GIVEN $name WHEN summarised THEN there is no flip line", ({ a }) => {
    expect(flipSummary(a)).toBeNull();
  });

  it("GIVEN (a) whose rollback did not succeed WHEN summarised THEN its rollback figures read -", () => {
    const a = method({ id: "a", rollback: figures(), flips: { cutover: null, rollback: null }, simulatedActionMs: 1500 });
    expect(flipSummary(a)).toContain("(a) flips: cutover -; rollback -, command 2000 ms (simulated action 1500 ms)");
  });
});
