import { waitFor } from "../../switch/wait";
import { FakeClock } from "./fakes/world";

describe("waitFor", () => {
  it.each([
    ["done at the 3rd poll, polling at once", { timeoutMs: 10_000, firstDelayMs: 100 }, 3, true, [0, 100, 300]],
    ["done at the 4th poll, first poll late, then backing off", { timeoutMs: 10_000, firstPollAfterMs: 1000, firstDelayMs: 500, factor: 1.5, maxDelayMs: 1000 }, 4, true, [1000, 1500, 2250, 3250]],
    ["a first poll later than the deadline", { timeoutMs: 300, firstPollAfterMs: 1000, firstDelayMs: 100 }, Infinity, false, [300]],
    ["never done within the deadline", { timeoutMs: 250, firstDelayMs: 100 }, Infinity, false, [0, 100, 250]],
  ])("GIVEN %s WHEN waiting THEN the result and the poll times are as expected", async (_name, options, doneAt, expected, pollTimes) => {
    const clock = new FakeClock();
    const start = clock.now();
    const polls: number[] = [];
    const result = await waitFor(clock, options, async () => (polls.push(clock.now() - start), polls.length >= doneAt));
    expect({ result, polls }).toEqual({ result: expected, polls: pollTimes });
  });

  it("GIVEN an aborted signal WHEN waiting THEN the wait throws the signal's reason", async () => {
    const controller = new AbortController();
    controller.abort(new Error("handed back"));
    await expect(waitFor(new FakeClock(), { timeoutMs: 1000, signal: controller.signal }, async () => false)).rejects.toThrow("handed back");
  });
});
