import { RateLimiter } from "../../../lab/simulator/rate-limiter";

function limiterAt(limits: { perMinute: number; perHour: number }) {
  const clock = { now: 10_000_000 };
  return { clock, limiter: new RateLimiter(limits, () => clock.now) };
}

describe("RateLimiter", () => {
  it("GIVEN 3/minute WHEN 3 requests arrive THEN all pass and the 4th is refused with retry-after until the first leaves the window", () => {
    const { clock, limiter } = limiterAt({ perMinute: 3, perHour: 100 });
    const allowed = [0, 10_000, 20_000].map((offset) => {
      clock.now = 10_000_000 + offset;
      return limiter.take("t").allowed;
    });
    clock.now = 10_000_000 + 30_000;
    const refused = limiter.take("t");
    expect(allowed).toEqual([true, true, true]);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 30 });
    clock.now = 10_000_000 + 60_001;
    expect(limiter.take("t").allowed).toBe(true);
  });

  it("GIVEN 2/hour WHEN requests spread over minutes THEN the third within the hour is refused and allowed after it", () => {
    const { clock, limiter } = limiterAt({ perMinute: 100, perHour: 2 });
    limiter.take("t");
    clock.now += 5 * 60_000;
    limiter.take("t");
    clock.now += 5 * 60_000;
    const refused = limiter.take("t");
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBe(50 * 60);
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
    clock.now += 50 * 60_000 + 1;
    expect(limiter.take("t").allowed).toBe(true);
  });

  it("GIVEN two tokens WHEN one is exhausted THEN the other is unaffected", () => {
    const { limiter } = limiterAt({ perMinute: 1, perHour: 10 });
    limiter.take("a");
    expect(limiter.take("a").allowed).toBe(false);
    expect(limiter.take("b").allowed).toBe(true);
  });

  it("GIVEN requests WHEN reading headers THEN limit is hourly, remaining counts down and reset is when the oldest expires", () => {
    const { clock, limiter } = limiterAt({ perMinute: 250, perHour: 5000 });
    const first = limiter.take("t");
    clock.now += 1_000;
    const second = limiter.take("t");
    expect(first.headers).toEqual({ "ratelimit-limit": "5000", "ratelimit-remaining": "4999", "ratelimit-reset": String((10_000_000 + 3_600_000) / 1000) });
    expect(second.headers["ratelimit-remaining"]).toBe("4998");
    expect(second.headers["ratelimit-reset"]).toBe(first.headers["ratelimit-reset"]);
  });

  it("GIVEN refused requests WHEN counting THEN they do not use up quota", () => {
    const { clock, limiter } = limiterAt({ perMinute: 1, perHour: 10 });
    limiter.take("t");
    for (let i = 0; i < 5; i++) limiter.take("t");
    clock.now += 60_001;
    expect(limiter.take("t").headers["ratelimit-remaining"]).toBe("8");
  });

  it("GIVEN peek WHEN called THEN it reports without counting", () => {
    const { limiter } = limiterAt({ perMinute: 5, perHour: 5 });
    limiter.peek("t");
    limiter.peek("t");
    expect(limiter.take("t").headers["ratelimit-remaining"]).toBe("4");
  });

  describe("a 429's ratelimit-reset", () => {
    const start = 10_000_000;
    it.each([
      // [situation, limits, requests already counted, injected retry-after (null = a real refusal), retry-after, remaining]
      ["the minute window is full", { perMinute: 3, perHour: 100 }, 3, null, 30, "97"],
      ["the hour window is full", { perMinute: 100, perHour: 2 }, 2, null, 3_570, "0"],
      ["a 429 is injected with the default wait", { perMinute: 100, perHour: 100 }, 1, 1, 1, "0"],
      ["a 429 is injected with a 7 s wait", { perMinute: 100, perHour: 100 }, 1, 7, 7, "0"],
    ] as const)(
      "GIVEN %s WHEN refused THEN ratelimit-reset is now + retry-after, not the end of the hourly window (a client reading it would wait up to an hour)",
      (_, limits, requestsBefore, injectedRetryAfter, expectedRetryAfter, expectedRemaining) => {
        const { clock, limiter } = limiterAt(limits);
        for (let i = 0; i < requestsBefore; i++) {
          clock.now = start + i * 10_000;
          limiter.take("t");
        }
        clock.now = start + 30_000;
        const headers = injectedRetryAfter === null ? limiter.take("t").headers : limiter.throttled("t", injectedRetryAfter);
        expect(headers).toMatchObject({
          "ratelimit-remaining": expectedRemaining,
          "retry-after": String(expectedRetryAfter),
          "ratelimit-reset": String(clock.now / 1000 + expectedRetryAfter),
        });
      },
    );

    it("GIVEN an injected 429 WHEN it is answered THEN the request still counts and later answers reset at the end of the hour again", () => {
      const { clock, limiter } = limiterAt({ perMinute: 100, perHour: 100 });
      limiter.take("t");
      limiter.throttled("t", 1);
      clock.now += 2_000;
      expect(limiter.take("t").headers).toEqual({
        "ratelimit-limit": "100",
        "ratelimit-remaining": "98",
        "ratelimit-reset": String((10_000_000 + 3_600_000) / 1000),
      });
    });
  });
});
