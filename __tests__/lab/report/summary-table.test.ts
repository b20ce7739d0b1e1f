import { summarize } from "../../../lab/load/stats";
import { formatCell, renderRunTable, renderTable } from "../../../lab/report/summary-table";

describe("renderTable", () => {
  it("GIVEN text and number columns WHEN rendered THEN text is left-aligned, numbers right-aligned, under a rule", () => {
    expect(renderTable(["run", "sent"], [["drain", 30000], ["naive-flip", 7]])).toBe(
      ["run           sent", "----------  ------", "drain       30,000", "naive-flip       7", ""].join("\n"),
    );
  });

  it("GIVEN an explicit alignment and missing cells WHEN rendered THEN both are honoured", () => {
    expect(renderTable([{ header: "n", align: "left" }, "note"], [[1, null], [22]])).toBe(
      ["n   note", "--  ----", "1   -", "22  -", ""].join("\n"),
    );
  });
});

describe("formatCell", () => {
  it.each([
    [null, "-"],
    [undefined, "-"],
    [0, "0"],
    [1234567, "1,234,567"],
    [0.4567, "0.46"],
    [12.345, "12.3"],
    [Infinity, "Infinity"],
    ["two\nlines", "two lines"],
  ])("GIVEN %p THEN %p", (cell, expected) => {
    expect(formatCell(cell)).toBe(expected);
  });
});

describe("renderRunTable", () => {
  const summary = summarize([
    { startMs: 0, endMs: 2, method: "GET", status: 200, version: "v1" },
    { startMs: 1, endMs: 3, method: "POST", status: 502 },
    { startMs: 2, endMs: 5002, method: "GET", status: null, error: "timeout" },
  ]);

  it("GIVEN rows with cutover times and API calls WHEN rendered THEN those columns appear and failures are broken down", () => {
    const table = renderRunTable([
      { name: "drain", summary, cutoverS: 4.25, apiCalls: 12 },
      { name: "naive", summary, apiCalls: 3 },
    ]);
    const [header, , drain, naive] = table.split("\n");
    expect(header.split(/\s{2,}/)).toEqual(["run", "sent", "failed", "non-2xx", "socket errors", "p50 ms", "p99 ms", "max ms", "cutover s", "API calls"]);
    expect(drain.split(/\s+/)).toEqual(["drain", "3", "2", "1", "1", "2", "5,000", "5,000", "4.25", "12"]);
    expect(naive.split(/\s+/)).toEqual(["naive", "3", "2", "1", "1", "2", "5,000", "5,000", "-", "3"]);
  });

  it("GIVEN no row has a rollback time WHEN rendered THEN there is no rollback column", () => {
    expect(renderRunTable([{ name: "x", summary }])).not.toContain("rollback");
    expect(renderRunTable([{ name: "x", summary, rollbackS: 1.5 }])).toContain("rollback s");
  });
});
