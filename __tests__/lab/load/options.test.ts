import { DEFAULT_SLOW_ANSWER_MS, DEFAULT_UPLOAD_BYTES, InvalidLoadOptionsError, resolveLoadOptions } from "../../../lab/load/options";
import type { LoadOptions } from "../../../lab/load/types";

const base: LoadOptions = { url: "http://127.0.0.1:8080/", ratePerSecond: 100, postRatio: 0.3, maxDurationMs: 1000 };

describe("resolveLoadOptions: longLived", () => {
  it("GIVEN no longLived WHEN resolved THEN there are no long-lived requests", () => {
    expect(resolveLoadOptions(base).longLived).toBeUndefined();
  });

  it("GIVEN only a slow period WHEN resolved THEN the defaults fill the rest", () => {
    expect(resolveLoadOptions({ ...base, longLived: { slowEveryMs: 1000 } }).longLived).toEqual({
      slowEveryMs: 1000,
      slowAnswerMs: DEFAULT_SLOW_ANSWER_MS,
      uploadBytes: DEFAULT_UPLOAD_BYTES,
      streams: 0,
    });
    expect(DEFAULT_UPLOAD_BYTES).toBe(1024 * 1024);
  });

  it.each([
    ["a slow period under 50 ms", { slowEveryMs: 10 }, /longLived\.slowEveryMs=10/],
    ["a fractional upload period", { uploadEveryMs: 100.5 }, /longLived\.uploadEveryMs=100\.5/],
    ["a slow answer over the demo app's 30 s cap", { slowAnswerMs: 60_000 }, /longLived\.slowAnswerMs=60000/],
    ["an empty upload", { uploadBytes: 0 }, /longLived\.uploadBytes=0/],
    ["negative streams", { streams: -1 }, /longLived\.streams=-1/],
    ["a misspelled option", { stream: 2 }, /longLived: Unrecognized key.*'stream'/],
  ])("GIVEN %s WHEN resolved THEN it is refused, naming the option and its value", (_what, longLived, message) => {
    const attempt = () => resolveLoadOptions({ ...base, longLived: longLived as LoadOptions["longLived"] });
    expect(attempt).toThrow(InvalidLoadOptionsError);
    expect(attempt).toThrow(message);
  });
});
