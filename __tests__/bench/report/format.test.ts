import { escapeCell, markdownTable, ms } from "../../../bench/report/format";

describe("report formatting", () => {
  it("GIVEN a cell with a pipe and a newline WHEN escaped THEN the table stays one row", () => {
    expect(escapeCell("a | b\n c")).toBe("a \\| b c");
  });

  it("GIVEN right-aligned columns WHEN a table is rendered THEN the separator says so", () => {
    expect(markdownTable(["x", "n"], [["a", "1"]], [false, true])).toBe("| x | n |\n|---|---:|\n| a | 1 |\n");
  });

  it.each([
    [null, "-"],
    [3.14159, "3.1"],
    [1234.5, "1,235"],
  ])("GIVEN %p ms WHEN formatted THEN it reads %p", (value, text) => {
    expect(ms(value)).toBe(text);
  });
});
