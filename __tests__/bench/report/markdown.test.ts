import { ratiosAgainst } from "../../../bench/measure/ratios";
import { comparable } from "../../../bench/report/figures";
import { longLivedLoad, renderMarkdown } from "../../../bench/report/markdown";
import { figures, method, report } from "../fixtures";

function withRatios() {
  const r = report();
  const a = comparable(r.methods[0]);
  return { ...r, ratios: { b: ratiosAgainst(a, comparable(r.methods[1])) } };
}

describe("renderMarkdown", () => {
  const page = renderMarkdown(withRatios());

  it.each([
    ["the exact command", "- Command: `npm run bench`"],
    ["the date", "- Date: 2026-11-23T00:00:00.000Z"],
    ["the machine", "nproc 2, 23.4 GiB memory, kernel 6.1.0-test, Node v20.20.2"],
    ["the load", "1,000 requests/s"],
    ["the POST share", "20% POST"],
    ["the long-lived requests", "Long-lived requests, the same for every method, beside that load on their own connections: a GET /slow every 1,000 ms (held 5 s by the app), a 1 MiB POST /upload every 1,000 ms and 4 server-sent-event streams"],
    ["unit test time", "| `npm run test:unit` wall time | 63.1 s (exit 0) |"],
    ["synth time", "| `npm run synth` (cdktf synth) wall time | 10.7 s (exit 0) |"],
    ["API calls per cutover", "15 (rollback: 9)"],
    ["the switch's peak memory", "cutover 128.0 MiB, rollback 124.0 MiB"],
    ["a chart per method", "![(b) method](benchmarks/b.svg)"],
    ["the Swarm reason", "start-first cannot hold one host-mode port twice on one node"],
    ["the Swarm task error", "`no suitable node (host-mode port already in use on 1 node)`"],
    ["an infinite ratio with its reason", "∞ ((a) is 0, the method 64)"],
    ["a method that never served v2", "n/a: never served v2"],
    ["the flip figures section", "## Flip figures against the issue's goals"],
    ["the flip figures table with its goals column", "| Figure | Goal | (a) | (b) | (d) |"],
    ["the gate-to-all-new figure beside its goal", "| msFromGateToAllNew: from the health gate passing until every later request was answered by v2 | ≤ 500 ms | 320 |"],
    ["the rollback duration beside the simulated action time", "(a)'s rollback command took 2,900 ms; the lab simulator's reserved-IP action, which the rollback's IP move waits for, takes 1,500 ms"],
    ["failures counted over every kind", "of every kind (the short requests and the slow requests, uploads and streams)"],
    ["(a)'s atomic hand-over", "the atomic hand-over (one HAProxy command swapping the slots' states, from which every new request goes to v2; in-flight requests finish on v1, which keeps running), move the reserved IP"],
    ["(a)'s rollback steps", "it hands over to the previous version's slot, armed at rest, then the same IP move, retag and verify (without the bake window)"],
  ])("GIVEN a report WHEN rendered THEN the page shows %s", (_what, text) => {
    expect(page).toContain(text);
  });

  it("GIVEN measured and unfinished methods WHEN summarised in short THEN each gets one sentence from its own figures", () => {
    expect(page).toContain("- (b) method: 64 of 100 requests failed in the switch window, max latency 220 ms; v2 answered every request 2.2 s after the command started.");
    expect(page).toContain("- (a) method: 0 of 100 requests failed in the switch window, max latency 40 ms; v2 answered every request 1.5 s after the command started; rollback: 0 failed, v1 everywhere after 0.8 s.");
    expect(page).toContain("- (d) method: never served v2; 0 of 10,000 requests failed meanwhile.");
  });

  it("GIVEN a report WHEN rendered THEN no value leaks as undefined or NaN", () => {
    expect(page).not.toMatch(/undefined|NaN|\[object Object\]/);
  });

  it("GIVEN the switch's new steps WHEN (a) is described THEN the old route-to-spare step is gone", () => {
    expect(page).not.toMatch(/route-to-spare|route to it through/);
  });

  it("GIVEN the sections WHEN rendered THEN the flip figures come after the results and before the ratios", () => {
    const at = (heading: string) => page.indexOf(heading);
    expect(at("## Results")).toBeLessThan(at("## Flip figures against the issue's goals"));
    expect(at("## Flip figures against the issue's goals")).toBeLessThan(at("## Ratios against (a), same run"));
  });

  it("GIVEN (a) without an action time WHEN rendered THEN there is no rollback sentence, and the page still renders", () => {
    const r = report();
    const { simulatedActionMs: _dropped, ...a } = r.methods[0];
    const without = renderMarkdown({ ...r, methods: [a, ...r.methods.slice(1)] });
    expect(without).not.toContain("(a)'s rollback command took");
    expect(without).not.toMatch(/undefined|NaN/);
  });

  it("GIVEN every result table row WHEN rendered THEN it has as many cells as the header", () => {
    const tables = page.split("\n").filter((l) => l.startsWith("|"));
    const header = tables.find((l) => l.startsWith("| Method | Outcome"))!;
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    const rows = page.split("\n").filter((l) => l.startsWith("| (a)") || l.startsWith("| (b)") || l.startsWith("| (d)"));
    for (const row of rows.slice(0, 3)) expect(cells(row)).toBe(cells(header));
  });

  it("GIVEN (a) was not measured WHEN rendered THEN the page says there are no ratios instead of inventing them", () => {
    const r = report();
    const failedA = { ...r, methods: [{ ...r.methods[0], outcome: "error" as const, notes: ["switch exited 3"] }, ...r.methods.slice(1)] };
    expect(renderMarkdown(failedA)).toContain("(a) was not measured in this run (switch exited 3), so there are no ratios.");
  });

  describe("GIVEN (e) was not run because kamal-proxy could not be built", () => {
    const reason = "kamal-proxy v0.9.2 could not be built from its Go module (scripts/install-kamal-proxy.sh, 1.1 s): go: reading https://proxy.golang.org/...: 403 Forbidden";
    const r = report();
    const notRun = renderMarkdown({ ...r, methods: [...r.methods, method({ id: "e", title: "(e) kamal-proxy", outcome: "not-run", notes: [reason], load: null, cutover: null, charts: [] })] });

    it.each([
      ["in short, with the script's reason", `- (e) kamal-proxy: not run (${reason}).`],
      ["in the results table, as not run rather than a bench error", "| (e) kamal-proxy | not run | - |"],
      ["in the ratios, without a ratio", "| (e) kamal-proxy | n/a: not run | - | - | - |"],
      ["in its notes", `- ${reason}`],
    ])("WHEN rendered THEN the page says so %s", (_where, text) => {
      expect(notRun).toContain(text);
    });
  });

  it("GIVEN (e) measured WHEN rendered THEN it has its row, its chart and its ratios like any other method", () => {
    const r = report();
    const e = method({ id: "e", title: "(e) kamal-proxy", cutover: figures({ failed: 0, maxMs: 80, timeToTargetSeconds: 3.4 }) });
    const page = renderMarkdown({ ...r, methods: [...r.methods, e], ratios: { e: ratiosAgainst(comparable(r.methods[0]), comparable(e)) } });
    expect(page).toContain("- (e) kamal-proxy: 0 of 100 requests failed in the switch window, max latency 80 ms; v2 answered every request 3.4 s after the command started.");
    expect(page).toContain("![(e) kamal-proxy](benchmarks/e.svg)");
    expect(page).toContain("| (e) kamal-proxy | n/a (both are 0) | 1× | 2× | 2.27× |");
  });

  it("GIVEN no tool timings WHEN rendered THEN the page says they were not measured", () => {
    expect(renderMarkdown({ ...report(), unitTests: null })).toContain("| `npm run test:unit` wall time | not measured in this run |");
  });
});

describe("longLivedLoad", () => {
  const all = { slowEveryMs: 1000, slowAnswerMs: 5000, uploadEveryMs: 1000, uploadBytes: 1024 * 1024, streams: 4 };
  it.each([
    ["every kind", all, "a GET /slow every 1,000 ms (held 5 s by the app), a 1 MiB POST /upload every 1,000 ms and 4 server-sent-event streams (GET /events) held open for the whole run, each reopened when it closes"],
    ["streams only", { ...all, slowEveryMs: 0, uploadEveryMs: 0, streams: 2 }, "2 server-sent-event streams (GET /events) held open for the whole run, each reopened when it closes"],
    ["none", { ...all, slowEveryMs: 0, uploadEveryMs: 0, streams: 0 }, "none"],
    ["a half-second slow request and a 256 KiB upload", { ...all, slowAnswerMs: 500, uploadBytes: 256 * 1024, streams: 0 }, "a GET /slow every 1,000 ms (held 0.5 s by the app) and a 0.3 MiB POST /upload every 1,000 ms"],
  ])("GIVEN %s WHEN described THEN the page says exactly what ran", (_what, load, text) => {
    expect(longLivedLoad(load)).toBe(text);
  });
});
