import { ExitCode } from "../../../core/errors";
import { markAt } from "../../../lab/load";
import { SuiteContext, switchCli, tail } from "../support/context";
import { underLoad, verdict } from "../support/load";
import { expectConverged, observeTruth } from "../support/truth";

const ERROR_RATE_LOAD_RATE = 500;

/** An image whose health path is fine but which fails real requests is handed back by HAProxy's own counters. */
export function describeErrorRateRollback(ctx: SuiteContext): void {
  describe("automatic rollback from real traffic", () => {
    it("GIVEN an image that passes its health path but fails 20% of requests WHEN cut over under load THEN the bake window hands traffic back (exit 5) with the figures, and users saw failures only before the hand-back", async () => {
      const before = ctx.current!;
      const { value: run, result } = await underLoad(ctx.lab(), ERROR_RATE_LOAD_RATE, async (mark) => {
        const r = await switchCli(ctx, ["--image", ctx.lab().env().LAB_IMAGE_FAILS_20_PERCENT, "--json"]);
        mark("switch-done");
        return r;
      });
      if (run.code !== ExitCode.rejected) throw new Error(`expected exit 5: ${tail(run)}`);
      expect(run.stderr).toMatch(/the new release failed \d+ of \d+ requests \(\d+\.\d% > 1\.0%.*every new request went back to/);
      const users = verdict(result).summary;
      const afterExit = result.samples.filter((s) => s.startMs > markAt(result.marks, "switch-done"));
      process.stdout.write(`error-rate hand-back: users saw ${users.failed} failed of ${users.sent} requests\n`);
      expect(users.failed).toBeGreaterThan(0);
      expect(afterExit.filter((s) => s.status !== 200).length).toBe(0);
      expectConverged(await observeTruth(ctx.lab()), before);
    });
  });
}
