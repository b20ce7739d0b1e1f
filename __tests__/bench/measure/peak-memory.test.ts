import { parsePpid, parseVmHwmKiB } from "../../../bench/measure/peak-memory";

describe("parseVmHwmKiB", () => {
  it("GIVEN a /proc status WHEN parsed THEN the high-water mark is read in KiB", () => {
    expect(parseVmHwmKiB("Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  131072 kB\nVmRSS:\t 120000 kB\n")).toBe(131072);
  });

  it("GIVEN a kernel thread's status without VmHWM WHEN parsed THEN there is no value", () => {
    expect(parseVmHwmKiB("Name:\tkthreadd\nState:\tS (sleeping)\n")).toBeNull();
  });
});

describe("parsePpid", () => {
  it.each([
    { stat: "4242 (node) S 100 4242 4242 0 -1", ppid: 100 },
    { stat: "4242 (a) b (c)) R 77 1 1 0", ppid: 77 },
    { stat: "garbage", ppid: null },
  ])("GIVEN $stat WHEN parsed THEN the parent is $ppid", ({ stat, ppid }) => {
    expect(parsePpid(stat)).toBe(ppid);
  });
});
