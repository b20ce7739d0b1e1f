import { flipTable, FLIP_GOALS, FLIP_ROWS, methodLabel, msToAll, rollbackBesideAction, rollbackCommandMs } from "../../../bench/report/flip-table";
import type { MethodResult } from "../../../bench/model";
import { figures, flip, loadOf, longLivedFigures, method, report } from "../fixtures";

/** The cells of the table row whose figure starts with `prefix`: [goal, ...one per method]. */
function row(table: string, prefix: string): string[] {
  const line = table.split("\n").find((l) => l.startsWith(`| ${prefix}`));
  if (!line) throw new Error(`no row starting with ${prefix}`);
  return line.split(/(?<!\\)\|/).slice(2, -1).map((c) => c.trim());
}

describe("methodLabel", () => {
  it.each([
    ["a", "(a)"],
    ["d", "(d)"],
    ["d-stop-first", "(d) stop-first"],
  ] as const)("GIVEN method %s WHEN it heads a column THEN it reads %s", (id, label) => {
    expect(methodLabel({ id })).toBe(label);
  });
});

describe("msToAll", () => {
  it.each([
    { name: "v2 serving 1,234.4 ms after the command started", servingAtMs: 3234.4, expected: 1234 },
    { name: "v2 serving already when the command started", servingAtMs: 1990, expected: 0 },
    { name: "v2 never serving every request", servingAtMs: null, expected: null },
  ])("GIVEN $name WHEN counted THEN msToAll is $expected", ({ servingAtMs, expected }) => {
    expect(msToAll({ ...figures({ fromMs: 2000 }), servingAtMs })).toBe(expected);
  });
});

describe("rollbackCommandMs", () => {
  it.each([
    { name: "(a) with flip figures", m: method({ id: "a", rollback: figures({ commandSeconds: 2.91 }), flips: { cutover: flip(), rollback: flip({ commandMs: 2905 }) } }), expected: 2905 },
    { name: "a method with a rollback but no flip figures", m: method({ id: "d-stop-first", rollback: figures({ commandSeconds: 8.14 }) }), expected: 8140 },
    { name: "a method without a rollback", m: method({ id: "b" }), expected: null },
  ])("GIVEN $name WHEN its rollback is timed THEN it took $expected ms", ({ m, expected }) => {
    expect(rollbackCommandMs(m)).toBe(expected);
  });
});

describe("flipTable", () => {
  const r = report();
  const table = flipTable(r);

  it("GIVEN (a), (b) and (d) WHEN tabulated THEN there is a goal column and one column per method", () => {
    expect(table.split("\n")[0]).toBe("| Figure | Goal | (a) | (b) | (d) |");
  });

  it.each([
    ["Mixed-version answers, cutover", ["0", "0", "0", "-"]],
    ["Mixed-version answers, rollback", ["0", "0", "n/a (no rollback)", "n/a (no rollback)"]],
    ["msToAllNew", ["none set", "1,500", "2,200", "never"]],
    ["msFromGateToAllNew", ["≤ 500 ms", "320", "n/a (no gate step)", "n/a (no gate step)"]],
    ["msToAllPrevious", ["≤ 1,500 ms", "800", "n/a (no rollback)", "n/a (no rollback)"]],
    ["Rollback command ms", ["≤ 3,500 ms (action 1,500 ms + 2,000 ms)", "2,900 (action 1,500 ms)", "n/a (no rollback)", "n/a (no rollback)"]],
    ["DigitalOcean API calls, cutover", ["≤ 10", "15", "0", "0"]],
    ["DigitalOcean API calls, rollback", ["≤ 10", "9", "n/a (no rollback)", "n/a (no rollback)"]],
    ["Failed requests, whole load run", ["0", "0", "64", "0"]],
    ["… of which slow requests", ["0", "0 of 100", "0 of 100", "0 of 100"]],
    ["… of which uploads", ["0", "0 of 100", "0 of 100", "0 of 100"]],
    ["… of which streams", ["0", "0 of 4", "0 of 4", "0 of 4"]],
    ["Streams the switch closed at the drain deadline", ["reported", "4 + 3", "n/a (no drain deadline)", "n/a (no drain deadline)"]],
    ["Streams the server side closed", ["reported", "0", "0", "0"]],
  ])("GIVEN the report WHEN tabulated THEN the row %s reads %p", (prefix, cells) => {
    expect(row(table, prefix)).toEqual(cells);
  });

  it("GIVEN every figure the issue lists WHEN tabulated THEN each is a row of its own, with a goal", () => {
    expect(FLIP_ROWS.map((r) => r.figure.split(/[:(,]/)[0].trim())).toEqual([
      "Mixed-version answers",
      "Mixed-version answers",
      "msToAllNew",
      "msFromGateToAllNew",
      "msToAllPrevious",
      "Rollback command ms",
      "DigitalOcean API calls",
      "DigitalOcean API calls",
      "Failed requests",
      "… of which slow requests",
      "… of which uploads",
      "… of which streams",
      "Streams the switch closed at the drain deadline",
      "Streams the server side closed after their first event",
    ]);
    for (const r of FLIP_ROWS) expect(r.goal(report())).not.toBe("");
  });

  it.each([
    { name: "mixed-version answers in (a)'s cutover and rollback", a: { cutover: figures({ mixedVersionAnswers: 3 }), rollback: figures({ mixedVersionAnswers: 1 }) }, prefix: "Mixed-version answers, rollback", cell: "1" },
    { name: "a failed slow request and two failed streams", a: { load: loadOf({ failed: 3, longLived: longLivedFigures({ slow: { sent: 40, ok: 39, failed: 1 }, stream: { sent: 6, ok: 4, failed: 2, opened: 6, closedByServer: 1 } }) }) }, prefix: "… of which streams", cell: "2 of 6" },
    { name: "a cutover that never reached every request", a: { cutover: figures({ timeToTargetSeconds: null }) }, prefix: "msToAllNew", cell: "never (in the observed time)" },
    { name: "a cutover without flip figures (the switch exited non-zero)", a: { flips: { cutover: null, rollback: null } }, prefix: "msFromGateToAllNew", cell: "-" },
    { name: "the rollback not reporting its closures", a: { sessionsClosedAtDrainDeadline: { cutover: 2, rollback: null } }, prefix: "Streams the switch closed", cell: "2 + -" },
  ])("GIVEN $name WHEN tabulated THEN (a)'s cell reads $cell", ({ a, prefix, cell }) => {
    const methods = [{ ...r.methods[0], ...a } as MethodResult, ...r.methods.slice(1)];
    expect(row(flipTable({ ...r, methods }), prefix)[1]).toBe(cell);
  });

  it.each(["error", "not-run"] as const)("GIVEN a method with outcome %s WHEN tabulated THEN each of its cells is -", (outcome) => {
    const failed = method({ id: "e", outcome, load: null, cutover: null });
    const cells = flipTable({ ...r, methods: [failed] })
      .split("\n")
      .slice(2, -1)
      .map((l) => l.split(/(?<!\\)\|/).slice(-2, -1)[0].trim());
    expect(new Set(cells)).toEqual(new Set(["-"]));
  });

  it("GIVEN no method with a simulated action time WHEN tabulated THEN the rollback goal is stated without a number", () => {
    expect(row(flipTable({ ...r, methods: r.methods.slice(1) }), "Rollback command ms")[0]).toBe(`≤ action time + ${FLIP_GOALS.rollbackMsBeyondAction.toLocaleString("en-US")} ms`);
  });
});

describe("rollbackBesideAction", () => {
  const a = (commandMs: number | null, simulatedActionMs: number | undefined = 1500) =>
    method({ id: "a", rollback: commandMs === null ? null : figures(), flips: { cutover: flip(), rollback: commandMs === null ? null : flip({ commandMs }) }, simulatedActionMs });

  it.each([
    { name: "a rollback 1,400 ms longer than the action", m: a(2900), text: "(a)'s rollback command took 2,900 ms; the lab simulator's reserved-IP action, which the rollback's IP move waits for, takes 1,500 ms: the command took 1,400 ms more than the action (goal: at most 2,000 ms more, 3,500 ms in all)." },
    { name: "a rollback 3,100 ms longer than the action", m: a(4600), text: "the command took 3,100 ms more than the action" },
    { name: "a rollback shorter than the action", m: a(1200), text: "the command took 300 ms less than the action" },
    { name: "no rollback in the run", m: a(null), text: "(a) has no rollback command time in this run; the lab simulator's reserved-IP action takes 1,500 ms (goal: at most 2,000 ms more, 3,500 ms in all)." },
  ])("GIVEN $name WHEN set beside the action time THEN both are reported", ({ m, text }) => {
    expect(rollbackBesideAction(m)).toContain(text);
  });

  it("GIVEN the rollback's drain step time WHEN set beside the action time THEN the drain's share and the rest are reported", () => {
    expect(rollbackBesideAction({ ...a(14_000), rollbackDrainMs: 10_300 })).toContain("Of that, the `drain` step took 10,300 ms");
    expect(rollbackBesideAction({ ...a(14_000), rollbackDrainMs: 10_300 })).toContain("the rest of the command took 3,700 ms.");
    expect(rollbackBesideAction({ ...a(14_000), rollbackDrainMs: 10_300, sessionsClosedAtDrainDeadline: { cutover: 4, rollback: 2 } })).toContain("(2 were in this rollback)");
    expect(rollbackBesideAction({ ...a(14_000), rollbackDrainMs: 4_500, sessionsClosedAtDrainDeadline: { cutover: 4, rollback: 0 } })).toContain("(none was in this rollback)");
    expect(rollbackBesideAction(a(14_000))).not.toContain("drain` step");
  });

  it.each([
    { name: "no (a) in the run", m: undefined },
    { name: "(a) without an action time (not measured)", m: method({ id: "a" }) },
  ])("GIVEN $name WHEN set beside the action time THEN there is no sentence", ({ m }) => {
    expect(rollbackBesideAction(m)).toBeNull();
  });
});
