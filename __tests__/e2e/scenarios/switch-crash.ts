import { ExitCode } from "../../../core/errors";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { expectConverged, observeTruth } from "../support/truth";

/**
 * The step names of a cutover, in order (docs/operations.md). "repair" only appears when there is something to repair
 * (the first cutover of a lab pins HAProxy's slots in it).
 */
export const CUTOVER_STEPS = ["lock", "observe", "pull", "drain", "start", "arm", "gate", "hand-over", "move-ip", "retag", "verify", "finish", "prune", "record", "unlock"] as const;

/** A switch killed at any step boundary (CI runner lost, Ctrl-C, OOM) must leave a state the next run converges from. */
export function describeCrashRecovery(ctx: SuiteContext): void {
  describe("SIGKILL at each step boundary, then re-run", () => {
    it.each(CUTOVER_STEPS.map((s) => [s]))("GIVEN a cutover killed right after `step %s done` WHEN the switch is re-run THEN it converges and status is consistent", async (step) => {
      const target = otherVersion(ctx.current);
      const image = target === "v2" ? images(ctx).v2 : images(ctx).v1;
      const killed = await switchCli(ctx, ["--image", image], { killAfterStep: step });
      if (killed.killedAfter !== step) throw new Error(`the switch never printed "step ${step} done" before ending: ${tail(killed)}`);
      expect(killed.signal).toBe("SIGKILL");

      if (step !== "unlock") {
        // The killed run's lease lives on by the balancer's clock (no pid guess): the re-run is refused, naming it,
        // until the operator who knows it died releases it.
        const refused = await switchCli(ctx, ["--image", image]);
        expect({ code: refused.code, names: /deploy lock held by .*cutover/.test(refused.stderr) }).toEqual({ code: ExitCode.lockHeld, names: true });
        const released = await switchCli(ctx, ["lock", "release", "--force"]);
        expect({ code: released.code, out: released.stdout.trim() }).toEqual({ code: ExitCode.ok, out: expect.stringMatching(/^released the lock held by /) });
      }

      const rerun = await switchCli(ctx, ["--image", image, "--json"]);
      if (rerun.code !== ExitCode.ok) throw new Error(`the re-run after a kill at ${step} did not converge: ${tail(rerun)}`);
      expectConverged(await observeTruth(ctx.lab()), target);
      ctx.current = target;

      const status = await switchCli(ctx, ["status", "--json"]);
      expect(status.code).toBe(ExitCode.ok);
      expect({ consistent: status.json?.consistent, lock: status.json?.lock ?? null }).toEqual({ consistent: true, lock: null });
    });
  });
}
