/**
 * (c) In-place replacement on the live droplet, as the seed's update script does: `docker pull` the new
 * image, `docker rm -f` the running app, `docker run` the new one (host network, port 8080), with the
 * load going through the lab's HAProxy (the project's config) to the floating IP.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { MethodResult } from "../model";
import { analyzeSwitch } from "../measure/analysis";
import { dockerCommands } from "../lab-access/docker-commands";
import { APP_CONTAINER } from "../bench-lab";
import { errorText, writeChart, type MethodContext } from "./context";
import { loadFigures, markOr, runEndMs, TAIL_MS, underLoad } from "./load-phase";

const TITLE = "(c) in place on the live droplet: docker rm -f, then docker run v2";

export async function runInPlaceMethod(ctx: MethodContext): Promise<MethodResult> {
  const { bench } = ctx;
  const notes: string[] = [];
  ctx.log("(c) reset: v1 alone on the PROD droplet, which holds the floating IP");
  const live = await bench.resetToV1OnProd();
  const url = bench.entry();
  await bench.waitServes(url, "v1");
  const target = bench.target(live);
  ctx.log(`(c) under load: docker pull v2, docker rm -f ${APP_CONTAINER}, docker run v2 on ${live.dropletName}`);
  const { result } = await underLoad(url, ctx.profile, async (load) => {
    load.mark("update-start");
    await bench.run(dockerCommands.pull(target, bench.image("v2")));
    load.mark("rm-f");
    await bench.run(dockerCommands.removeForce(target, [APP_CONTAINER]));
    await bench.run(dockerCommands.run(target, { name: APP_CONTAINER, image: bench.image("v2"), port: bench.plan.app.port }));
    load.mark("update-done");
    await bench.waitServes(url, "v2").catch((e: unknown) => notes.push(`after the update: ${errorText(e)}`));
    await sleep(TAIL_MS);
  });
  const end = runEndMs(result);
  return {
    id: "c",
    title: TITLE,
    outcome: "measured",
    notes,
    load: loadFigures(result),
    cutover: analyzeSwitch(result.samples, {
      commandStartMs: markOr(result, "update-start", end),
      commandEndMs: markOr(result, "update-done", end),
      observeUntilMs: end,
      targetVersion: "v2",
      previousVersion: "v1",
    }),
    rollback: null,
    apiCalls: { cutover: 0, rollback: null },
    charts: [writeChart(ctx, "c-in-place.svg", TITLE, result)],
  };
}
