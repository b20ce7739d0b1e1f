/**
 * (b) The seed design's method: a second HAProxy with the naive config (`server floatingIP <ip>:8080 check`,
 * defaults), v2 started on the idle droplet, and the floating IP moved with one plain DigitalOcean
 * `assign` (polled until completed). No drain: connections open to the old droplet break.
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { MethodResult } from "../model";
import { analyzeSwitch } from "../measure/analysis";
import { ExtraHaproxy, naiveHaproxyConfig, NAIVE_PORT } from "../lab-access/extra-haproxy";
import { errorText, writeChart, type MethodContext } from "./context";
import { loadFigures, markOr, runEndMs, TAIL_MS, underLoad } from "./load-phase";

const TITLE = "(b) seed design: naive HAProxy, v2 on the idle droplet, floating IP reassigned without drain";

export async function runNaiveFloatingIpMethod(ctx: MethodContext): Promise<MethodResult> {
  const { bench } = ctx;
  const { plan } = bench;
  const notes: string[] = [];
  ctx.log("(b) reset: v1 alone on the PROD droplet, which holds the floating IP");
  const live = await bench.resetToV1OnProd();
  const idle = bench.other(live);
  const haproxy = new ExtraHaproxy(plan.balancer.namespace, join(plan.paths.stateDir, "bench-naive-haproxy.cfg"), join(plan.paths.logDir, "bench-naive-haproxy.log"));
  haproxy.start(naiveHaproxyConfig({ bindAddress: plan.balancer.publicIp, port: NAIVE_PORT, floatingIp: plan.floatingIp, appPort: plan.app.port }));
  try {
    const url = `http://${plan.balancer.publicIp}:${NAIVE_PORT}/`;
    await bench.waitServes(url, "v1");
    ctx.log(`(b) under load: docker run v2 on ${idle.dropletName}, wait for its health, assign the floating IP to it`);
    const { result, value } = await underLoad(url, ctx.profile, async (load) => {
      load.mark("switch-start");
      await bench.startApp(idle, bench.image("v2"));
      await bench.waitHealthy(idle, "v2");
      await bench.simulator.clearRequests();
      load.mark("assign");
      await bench.reservedIp.assign(plan.floatingIp, idle.dropletId);
      const apiCalls = (await bench.simulator.requests()).length;
      load.mark("switch-done");
      await bench.waitServes(url, "v2").catch((e: unknown) => notes.push(`after the move: ${errorText(e)}`));
      await sleep(TAIL_MS);
      return { apiCalls };
    });
    const end = runEndMs(result);
    return {
      id: "b",
      title: TITLE,
      outcome: "measured",
      notes,
      load: loadFigures(result),
      cutover: analyzeSwitch(result.samples, {
        commandStartMs: markOr(result, "switch-start", end),
        commandEndMs: markOr(result, "switch-done", end),
        observeUntilMs: end,
        targetVersion: "v2",
        previousVersion: "v1",
      }),
      rollback: null,
      apiCalls: { cutover: value.apiCalls, rollback: null },
      charts: [writeChart(ctx, "b-naive-floating-ip.svg", TITLE, result)],
    };
  } finally {
    await haproxy.stop();
  }
}
