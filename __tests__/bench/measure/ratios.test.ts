import { ratio, ratiosAgainst } from "../../../bench/measure/ratios";

describe("ratio", () => {
  const cases = [
    { method: 10, baseline: 5, value: 2, display: "2×" },
    { method: 1, baseline: 3, value: 0.33, display: "0.33×" },
    { method: 125, baseline: 10, value: 12.5, display: "12.5×" },
    { method: 5000, baseline: 3, value: 1666.67, display: "1667×" },
    { method: 0, baseline: 4, value: 0, display: "0×" },
    { method: 0, baseline: 0, value: null, display: "n/a" },
    { method: 64, baseline: 0, value: null, display: "∞" },
    { method: null, baseline: 3, value: null, display: "n/a" },
    { method: 3, baseline: null, value: null, display: "n/a" },
  ];
  it.each(cases)("GIVEN $method against $baseline WHEN divided THEN it reads $display", ({ method, baseline, value, display }) => {
    const r = ratio(method, baseline);
    expect(r.value).toBe(value);
    expect(r.display).toBe(display);
    expect(r.reason === undefined).toBe(value !== null);
  });

  it("GIVEN (a) had zero failures WHEN a method had some THEN the reason says both figures", () => {
    expect(ratio(64, 0).reason).toBe("(a) is 0, the method 64");
  });
});

describe("ratiosAgainst", () => {
  it("GIVEN no baseline WHEN ratios are computed THEN every ratio is n/a, none invented", () => {
    const r = ratiosAgainst(undefined, { failed: 3, windowP99Ms: 10, windowMaxMs: 20, timeToNewVersionSeconds: 1 });
    expect(Object.values(r).map((x) => x.display)).toEqual(["n/a", "n/a", "n/a", "n/a"]);
  });

  it("GIVEN a baseline WHEN ratios are computed THEN each figure is divided by its own counterpart", () => {
    const r = ratiosAgainst({ failed: 2, windowP99Ms: 10, windowMaxMs: 100, timeToNewVersionSeconds: 4 }, { failed: 4, windowP99Ms: 30, windowMaxMs: 50, timeToNewVersionSeconds: 1 });
    expect([r.failed.value, r.windowP99.value, r.windowMax.value, r.timeToNewVersion.value]).toEqual([2, 3, 0.5, 0.25]);
  });
});
