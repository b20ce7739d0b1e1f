import { ExitCode } from "../../../core/errors";
import { SimulatorControl } from "../../../lab/simulator-control";
import type { FaultSpec } from "../../../lab/simulator/types";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { underLoad, verdict } from "../support/load";
import { expectConverged, observeTruth } from "../support/truth";

const FAULT_LOAD_RATE = 500;

/** DigitalOcean answers 429 and 5xx at times: the switch must retry them, and explain a 422 instead of retrying it. */
export function describeApiFaults(ctx: SuiteContext): void {
  describe("DigitalOcean API faults", () => {
    const simulator = () => new SimulatorControl(ctx.lab().plan.simulator.url);
    afterEach(async () => simulator().clearFaults());

    const cutoverWithFaults = async (faults: FaultSpec[]) => {
      const target = otherVersion(ctx.current);
      const sim = simulator();
      await sim.clearRequests();
      for (const fault of faults) await sim.injectFaults(fault);
      const run = await switchCli(ctx, ["--image", target === "v2" ? images(ctx).v2 : images(ctx).v1, "--json"]);
      if (run.code !== ExitCode.ok) throw new Error(`the cutover did not survive retryable API errors: ${tail(run)}`);
      const statuses = (await sim.requests()).map((r) => r.status);
      const met = Object.fromEntries([...new Set(faults.map((f) => f.status))].map((status) => [status, statuses.filter((s) => s === status).length]));
      const expected = Object.fromEntries([...new Set(faults.map((f) => f.status))].map((status) => [status, faults.filter((f) => f.status === status).reduce((n, f) => n + f.count, 0)]));
      expect({ met, pending: (await sim.state()).pendingFaults.length }).toEqual({ met: expected, pending: 0 });
      expectConverged(await observeTruth(ctx.lab()), target);
      ctx.current = target;
    };

    it("GIVEN the API answers 5xx a few times (droplets, reserved IP, action polls) WHEN cutting over THEN the switch retries, succeeds, and every injected fault was met", async () => {
      await cutoverWithFaults([
        { status: 503, count: 2, method: "GET", pathPattern: "^/v2/(reserved_ips/[^/]+/)?actions/\\d+$" },
        { status: 500, count: 1, method: "GET", pathPattern: "^/v2/reserved_ips" },
        { status: 502, count: 1, method: "GET", pathPattern: "^/v2/droplets$" },
      ]);
    });

    it("GIVEN the API answers 429 (Retry-After: 1) a few times WHEN cutting over THEN the switch waits, retries, succeeds, and every injected fault was met", async () => {
      await cutoverWithFaults([
        { status: 429, count: 2, method: "GET", pathPattern: "^/v2/droplets$", retryAfterSeconds: 1 },
        { status: 429, count: 1, method: "POST", pathPattern: "^/v2/reserved_ips/[^/]+/actions$", retryAfterSeconds: 1 },
      ]);
    });

    it("GIVEN the API answers 422 to the reserved-IP assign WHEN cutting over under load THEN the switch stops with a clear error, PROD keeps serving and 0 requests fail", async () => {
      const before = ctx.current!;
      const target = otherVersion(before);
      const sim = simulator();
      await sim.clearRequests();
      await sim.injectFaults({ status: 422, count: 1, method: "POST", pathPattern: "^/v2/reserved_ips/[^/]+/actions$" });
      const { value: run, result } = await underLoad(ctx.lab(), FAULT_LOAD_RATE, () => switchCli(ctx, ["--image", target === "v2" ? images(ctx).v2 : images(ctx).v1, "--json"]));
      expect(run.code).not.toBe(ExitCode.ok);
      expect(run.stderr + run.stdout).toMatch(/422|unprocessable/i);
      expect((await sim.requests()).filter((r) => r.status === 422)).toHaveLength(1);
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      expectConverged(await observeTruth(ctx.lab()), before);
    });
  });
}
