import { ExitCode } from "../../../core/errors";
import { SuiteContext, images, switchCli, tail } from "../support/context";
import { longLivedCounts, markAt, mixedVersionAnswers } from "../../../lab/load";
import { answeredAfter, SPANNING_REQUESTS, underLoad, verdict } from "../support/load";
import { expectConverged, observeTruth } from "../support/truth";

/** At least this many requests per second, mixed GET and POST, through HAProxy during a cutover. */
export const CUTOVER_LOAD_RATE = 1000;

export function describeCutover(ctx: SuiteContext): void {
  describe("cutover and rollback", () => {
    it("GIVEN an empty pair WHEN v1 is deployed THEN the first cutover bootstraps it and the public entry serves v1", async () => {
      const run = await switchCli(ctx, ["--image", images(ctx).v1, "--json"]);
      expect({ code: run.code, hasJson: run.json !== undefined }).toEqual({ code: ExitCode.ok, hasJson: true });
      expectConverged(await observeTruth(ctx.lab()), "v1");
      ctx.current = "v1";
    });

    it(`GIVEN v1 serving ${CUTOVER_LOAD_RATE} req/s of GET and POST, slow requests, uploads and streams WHEN cutting over to v2 THEN 0 requests fail, no request sent after the first v2 answer gets v1, and every request after the switch reports success is answered by v2`, async () => {
      const { value: run, result } = await underLoad(
        ctx.lab(),
        CUTOVER_LOAD_RATE,
        async (mark) => {
          mark("switch-start");
          const r = await switchCli(ctx, ["--image", images(ctx).v2, "--json"]);
          mark("switch-done");
          return r;
        },
        SPANNING_REQUESTS,
      );
      if (run.code !== ExitCode.ok) throw new Error(`the cutover failed: ${tail(run)}`);
      ctx.cutoverSteps = [...new Set(run.steps.filter((s) => s.event === "done").map((s) => s.name))];
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      expect(summary.rps ?? 0).toBeGreaterThanOrEqual(CUTOVER_LOAD_RATE * 0.95);
      const spanning = longLivedCounts(result.samples);
      expect({
        mixedVersionAnswers: mixedVersionAnswers(result.samples, "v1", "v2", markAt(result.marks, "switch-start"), Infinity),
        failedLongLived: [spanning.slow.failed, spanning.upload.failed, spanning.stream.failed],
      }).toEqual({ mixedVersionAnswers: 0, failedLongLived: [0, 0, 0] });
      expect(spanning.slow.ok + spanning.upload.ok).toBeGreaterThan(0);
      const after = answeredAfter(result, "switch-done");
      expect(Object.keys(after)).toEqual(["v2"]);
      expect(after.v2).toBeGreaterThan(0);
      expectConverged(await observeTruth(ctx.lab()), "v2");
      ctx.current = "v2";
    });

    it(`GIVEN v2 serving ${CUTOVER_LOAD_RATE} req/s with long-lived requests WHEN rolling back THEN 0 requests fail, no mixed-version answer, and v1 serves everything after the rollback reports success`, async () => {
      const { value: run, result } = await underLoad(
        ctx.lab(),
        CUTOVER_LOAD_RATE,
        async (mark) => {
          mark("rollback-start");
          const r = await switchCli(ctx, ["rollback", "--json"]);
          mark("rollback-done");
          return r;
        },
        SPANNING_REQUESTS,
      );
      if (run.code !== ExitCode.ok) throw new Error(`the rollback failed: ${tail(run)}`);
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      const spanning = longLivedCounts(result.samples);
      expect({
        mixedVersionAnswers: mixedVersionAnswers(result.samples, "v2", "v1", markAt(result.marks, "rollback-start"), Infinity),
        failedLongLived: [spanning.slow.failed, spanning.upload.failed, spanning.stream.failed],
      }).toEqual({ mixedVersionAnswers: 0, failedLongLived: [0, 0, 0] });
      expect(Object.keys(answeredAfter(result, "rollback-done"))).toEqual(["v1"]);
      expectConverged(await observeTruth(ctx.lab()), "v1");
      ctx.current = "v1";
    });

    it("GIVEN the rollback WHEN the switch reports status THEN it is consistent and unlocked", async () => {
      const status = await switchCli(ctx, ["status", "--json"]);
      expect(status.code).toBe(ExitCode.ok);
      expect({ consistent: status.json?.consistent, lock: status.json?.lock ?? null }).toEqual({ consistent: true, lock: null });
    });
  });
}
