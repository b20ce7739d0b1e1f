import { ExitCode } from "../../../core/errors";
import { SuiteContext, images, switchCli, tail } from "../support/context";
import { underLoad, verdict } from "../support/load";
import { expectConverged, observeTruth } from "../support/truth";

const REFUSAL_LOAD_RATE = 500;

/** Broken images never reach users: the switch refuses them, PROD keeps serving, no request fails. */
export function describeRefusals(ctx: SuiteContext): void {
  describe("broken images are refused", () => {
    const cases: { name: string; image: () => string; env?: Record<string, string>; exitCode: number; says: RegExp }[] = [
      { name: "health path answers 500", image: () => images(ctx).healthFails, exitCode: ExitCode.rejected, says: /health check timed out .*answered 500/ },
      { name: "process exits at start", image: () => images(ctx).exitsAtStart, exitCode: ExitCode.rejected, says: /exited at start/ },
      { name: "pull denied (wrong registry password)", image: () => images(ctx).v2, env: { CI_REGISTRY_PASSWORD: "wrong-password-for-the-lab" }, exitCode: ExitCode.external, says: /the registry denied access to / },
    ];

    it.each(cases.map((c) => [c.name, c] as const))("GIVEN an image whose %s WHEN the switch tries it under load THEN it exits non-zero, PROD still serves the current version and 0 requests fail", async (_name, c) => {
      const before = ctx.current!;
      const { value: run, result } = await underLoad(ctx.lab(), REFUSAL_LOAD_RATE, () => switchCli(ctx, ["--image", c.image(), "--json"], { env: c.env }));
      expect(run.code).not.toBe(ExitCode.ok);
      if (run.code !== c.exitCode) throw new Error(`expected exit ${c.exitCode}: ${tail(run)}`);
      expect(run.stdout + run.stderr).toMatch(c.says);
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      expect(summary.sent).toBeGreaterThan(REFUSAL_LOAD_RATE);
      expectConverged(await observeTruth(ctx.lab()), before);
    });
  });
}
