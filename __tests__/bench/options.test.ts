import { InvalidBenchOptionsError, METHODS, parseBenchOptions } from "../../bench/options";

const defaults = { rate: "1000", postRatio: "0.2", connections: "64", timeoutMs: "5000", methods: "a,b,c,d", tooling: true, out: "docs/benchmarks.md", chartDir: "docs/benchmarks" };

describe("parseBenchOptions", () => {
  it("GIVEN the defaults WHEN parsed THEN one load profile serves every method", () => {
    const o = parseBenchOptions(defaults, "npm run bench");
    expect(o.profile).toEqual({ ratePerSecond: 1000, postRatio: 0.2, connections: 64, timeoutMs: 5000 });
    expect(o.methods).toEqual(["a", "b", "c", "d"]);
    expect(o.command).toBe("npm run bench");
  });

  it("GIVEN no --methods WHEN the CLI's default list is parsed THEN kamal-proxy (e) runs with the others", () => {
    expect(parseBenchOptions({ ...defaults, methods: METHODS.join(",") }, "npm run bench").methods).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("GIVEN --methods e WHEN parsed THEN only kamal-proxy runs", () => {
    expect(parseBenchOptions({ ...defaults, methods: "e" }, "npm run bench -- --methods e").methods).toEqual(["e"]);
  });

  it("GIVEN several bad options WHEN parsed THEN one error names every one with its value", () => {
    let error: unknown;
    try {
      parseBenchOptions({ ...defaults, rate: "0", postRatio: "2", methods: "a,x" }, "npm run bench");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidBenchOptionsError);
    const message = (error as Error).message;
    expect(message).toContain('--rate="0"');
    expect(message).toContain('--post-ratio="2"');
    expect(message).toContain('--methods="a,x"');
  });
});
