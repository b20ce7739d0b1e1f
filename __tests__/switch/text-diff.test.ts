import { unifiedDiff } from "../../switch/text-diff";

const L = { before: "a (running)", after: "a (rendered)" };
const lines = (n: number, change: Record<number, string> = {}) => Array.from({ length: n }, (_, i) => change[i + 1] ?? `line ${i + 1}`).join("\n") + "\n";

describe("unifiedDiff", () => {
  it.each<[string, string, string, string[]]>([
    ["equal texts", lines(5), lines(5), []],
    ["one changed line", lines(9), lines(9, { 5: "five" }), ["--- a (running)", "+++ a (rendered)", "@@ -2,7 +2,7 @@", " line 2", " line 3", " line 4", "-line 5", "+five", " line 6", " line 7", " line 8"]],
    ["a line added at the end", lines(2), lines(3), ["--- a (running)", "+++ a (rendered)", "@@ -1,2 +1,3 @@", " line 1", " line 2", "+line 3"]],
    ["no running file", "", "x\n", ["--- a (running)", "+++ a (rendered)", "@@ -0,0 +1,1 @@", "+x"]],
    [
      "two changes far apart",
      lines(20),
      lines(20, { 2: "two", 19: "nineteen" }),
      ["--- a (running)", "+++ a (rendered)", "@@ -1,5 +1,5 @@", " line 1", "-line 2", "+two", " line 3", " line 4", " line 5", "@@ -16,5 +16,5 @@", " line 16", " line 17", " line 18", "-line 19", "+nineteen", " line 20"],
    ],
  ])("GIVEN %s WHEN diffed THEN it reads as `diff -u` prints it", (_, before, after, expected) => {
    expect(unifiedDiff(before, after, L)).toEqual(expected);
  });
});
