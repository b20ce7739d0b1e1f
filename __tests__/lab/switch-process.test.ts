import { parseLastJsonLine, parseStepLine } from "../../lab/switch-process";

describe("reading the switch's contract output", () => {
  it.each([
    ["step lock started", { name: "lock", event: "started" }],
    ["step move-ip done (1503 ms)", { name: "move-ip", event: "done" }],
    ["step gate failed: container unhealthy", { name: "gate", event: "failed" }],
    ["\u001b[0Ksection_start:1700000000:switch_drain[collapsed=true]\r\u001b[0Kstep drain done (12 ms)", { name: "drain", event: "done" }],
    ["  ✔ step route-to-spare done (3 ms)", { name: "route-to-spare", event: "done" }],
    ["stepping lock done", undefined],
    ["the step lock is done", undefined],
  ])("GIVEN the line %p THEN it parses as %p", (line, expected) => {
    expect(parseStepLine(line)).toEqual(expected);
  });

  it.each([
    ['progress\n{"ok":true,"version":"v2"}\n', { ok: true, version: "v2" }],
    ['{"a":1}\nnot json\n', undefined],
    ["", undefined],
    ["{broken\n", undefined],
  ])("GIVEN stdout %p THEN the last-line JSON is %p", (stdout, expected) => {
    expect(parseLastJsonLine(stdout)).toEqual(expected);
  });
});
