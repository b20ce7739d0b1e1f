import { ExitCode } from "../../../core/errors";
import { workerPaths } from "../../../lab/plan";
import { ExecRunner } from "../../../lab/runner";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { answeredAfter, underLoad, verdict } from "../support/load";
import { expectConverged, observeTruth } from "../support/truth";

const HAND_BACK_LOAD_RATE = 500;

/** Every step after the hand-over, with which occurrence of its name. */
export const AFTER_HAND_OVER: readonly { readonly step: string; readonly nth: number }[] = [
  { step: "move-ip", nth: 1 },
  { step: "retag", nth: 1 },
  { step: "verify", nth: 1 },
];

/** `docker kill` of every app container on a worker: it stays down (no restart policy brings a killed container back). */
async function killAppContainers(ctx: SuiteContext, role: string): Promise<void> {
  const lab = ctx.lab();
  const worker = lab.plan.workers.find((w) => w.role === role)!;
  const docker = ["docker", "-H", `unix://${workerPaths(lab.plan, worker).socket}`];
  const runner = new ExecRunner();
  const ids = (await runner.run({ argv: [...docker, "ps", "--quiet", "--filter", "label=do-bluegreen.app"] })).stdout.split("\n").filter(Boolean);
  for (const id of ids) await runner.run({ argv: [...docker, "kill", id] });
}

/** From the hand-over until the switch exits, a release that stops serving is handed straight back to the previous version. */
export function describeHandBack(ctx: SuiteContext): void {
  describe("a release that dies after the hand-over is handed back at once", () => {
    it.each(AFTER_HAND_OVER.map((c) => [c.step, c] as const))(
      "GIVEN a cutover under load WHEN the new container is killed as step %s starts THEN the switch exits 5, the previous version serves and nothing fails after the exit",
      async (_name, { step, nth }) => {
        const before = ctx.current!;
        const image = otherVersion(before) === "v2" ? images(ctx).v2 : images(ctx).v1;
        const idle = (await observeTruth(ctx.lab())).fallback[0];
        let seen = 0;
        const { value: run, result } = await underLoad(ctx.lab(), HAND_BACK_LOAD_RATE, async (mark) => {
          const r = await switchCli(ctx, ["--image", image, "--json"], {
            onStep: (s) => {
              if (s.name === step && s.event === "started" && ++seen === nth) void killAppContainers(ctx, idle).then(() => mark("killed"));
            },
          });
          mark("switch-done");
          return r;
        });
        if (run.code !== ExitCode.rejected) throw new Error(`expected exit 5 after the kill at ${step}: ${tail(run)}`);
        expect(run.stderr).toMatch(/every new request went back to/);
        const { summary } = verdict(result);
        // Only requests in flight to the dead container may fail; reported, not asserted (it depends on timing).
        process.stdout.write(`hand-back at ${step}: ${summary.failed} of ${summary.sent} requests failed\n`);
        expect(Object.keys(answeredAfter(result, "switch-done"))).toEqual([before]);
        const after = result.samples.filter((s) => s.startMs > result.marks.find((m) => m.label === "switch-done")!.atMs);
        expect(after.filter((s) => s.status !== 200).length).toBe(0);
        expectConverged(await observeTruth(ctx.lab()), before);
      },
    );
  });
}
