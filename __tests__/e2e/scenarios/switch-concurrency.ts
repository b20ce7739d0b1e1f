import { ExitCode } from "../../../core/errors";
import { SwitchRun } from "../../../lab/switch-process";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { expectConverged, observeTruth } from "../support/truth";

/** Two people (or pipelines) switching at once: the deploy lock lets one through and tells the other who holds it. */
export function describeConcurrency(ctx: SuiteContext): void {
  describe("two concurrent switches", () => {
    it("GIVEN a cutover holding the lock WHEN a second switch starts THEN it waits or refuses, naming the holder, and the first one completes", async () => {
      const target = otherVersion(ctx.current);
      const image = target === "v2" ? images(ctx).v2 : images(ctx).v1;
      let second: Promise<SwitchRun> | undefined;
      const first = await switchCli(ctx, ["--image", image, "--message", "first of two"], {
        onLine: (line) => {
          if (!second && /\bstep lock done\b/.test(line)) second = switchCli(ctx, ["--image", image, "--message", "second of two"]);
        },
      });
      if (first.code !== ExitCode.ok) throw new Error(`the first switch failed: ${tail(first)}`);
      expect(second).toBeDefined();
      const other = await second!;
      expect([ExitCode.lockHeld, ExitCode.ok]).toContain(other.code);
      // The holder's details: the lock names the first run's command, image or message.
      expect(other.stdout + other.stderr).toMatch(/lock/i);
      expect(other.stdout + other.stderr).toMatch(/first of two|held by/i);
      expectConverged(await observeTruth(ctx.lab()), target);
      ctx.current = target;
    });

    // Each runner writing and judging lock times with its own clock let the fast one see the slow one's fresh lock as
    // expired (its lease of SWITCH_LOCK_TTL_SECONDS, 600 s in the lab, ended 10 minutes "ago") and take it over.
    it("GIVEN two runners whose clocks differ by 20 minutes WHEN the fast one starts while the slow one holds the lock THEN it refuses, naming the holder, and only the slow one changes anything", async () => {
      const target = otherVersion(ctx.current);
      const image = target === "v2" ? images(ctx).v2 : images(ctx).v1;
      let second: Promise<SwitchRun> | undefined;
      const first = await switchCli(ctx, ["--image", image, "--message", "slow runner"], {
        clockSkewMs: -10 * 60_000,
        onLine: (line) => {
          if (!second && /\bstep lock done\b/.test(line)) second = switchCli(ctx, ["--image", image, "--message", "fast runner"], { clockSkewMs: 10 * 60_000 });
        },
      });
      if (first.code !== ExitCode.ok) throw new Error(`the slow runner's switch failed: ${tail(first)}`);
      expect(first.stdout + first.stderr).toMatch(/this machine's clock is \d+ s behind the balancer's/);
      expect(second).toBeDefined();
      const other = await second!;
      expect({ code: other.code, says: /deploy lock held by .*slow runner/.test(other.stderr) }).toEqual({ code: ExitCode.lockHeld, says: true });
      // It never got past the lock: no pull, no container, no HAProxy or IP change of its own.
      expect(other.steps.map((s) => `${s.name} ${s.event}`)).toEqual(["lock started", "lock failed"]);
      expectConverged(await observeTruth(ctx.lab()), target);
      ctx.current = target;
    });
  });
}
