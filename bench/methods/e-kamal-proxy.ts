/**
 * (e) kamal-proxy on the live droplet, as Kamal 2.12 deploys with it (lab-access/kamal-proxy.ts says
 * how the lab differs from a Kamal host): on the PROD droplet, which holds the floating IP,
 * `kamal-proxy run` listens on the app port the lab's HAProxy forwards to, so the load takes the same
 * path as (a) and (c): lab HAProxy (the project's config) → floating IP → kamal-proxy → app container.
 * Without load: v1 on one port, `kamal-proxy deploy demo-web --target <v1>`. Under load, Kamal's boot:
 * pull v2, run it on a second port beside v1, `kamal-proxy deploy demo-web --target <v2>` (waits for
 * v2's health, switches, drains v1), then `docker stop` v1.
 * kamal-proxy and every container are gone afterwards, whatever happened.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { MethodResult } from "../model";
import { analyzeSwitch } from "../measure/analysis";
import { dockerCommands } from "../lab-access/docker-commands";
import { KAMAL_APP_PORTS, KAMAL_PROXY_VERSION, KAMAL_SERVICE, KamalProxy, listOnOneLine } from "../lab-access/kamal-proxy";
import type { KamalProxyInstall } from "../tools/kamal-proxy-install";
import type { LabHost } from "../../lab/plan";
import type { BenchLab } from "../bench-lab";
import { errorText, writeChart, type MethodContext } from "./context";
import { loadFigures, markOr, runEndMs, TAIL_MS, underLoad } from "./load-phase";

export const KAMAL_TITLE = `(e) kamal-proxy ${KAMAL_PROXY_VERSION} on the live droplet, as Kamal runs it: v2 beside v1, kamal-proxy deploy, docker stop v1`;

type Version = keyof typeof KAMAL_APP_PORTS;

/** Kamal's container name: `<service>-<role>-<version>`. */
export function kamalContainerName(version: Version): string {
  return `${KAMAL_SERVICE}-${version}`;
}

/** kamal-proxy reaches the app on the droplet's loopback (Kamal: `<container name>:80` on the kamal network). */
export function kamalTarget(version: Version): string {
  return `127.0.0.1:${KAMAL_APP_PORTS[version]}`;
}

/** (e) when kamal-proxy could not be built: reported, with the install script's own words, and never replaced by anything else. */
export function kamalProxyNotRun(install: Extract<KamalProxyInstall, { ok: false }>): MethodResult {
  return {
    id: "e",
    title: KAMAL_TITLE,
    outcome: "not-run",
    notes: [`kamal-proxy ${KAMAL_PROXY_VERSION} could not be built from its Go module (scripts/install-kamal-proxy.sh, ${install.seconds} s): ${install.reason}`],
    load: null,
    cutover: null,
    rollback: null,
    apiCalls: { cutover: null, rollback: null },
    charts: [],
  };
}

export function installNote(install: Extract<KamalProxyInstall, { ok: true }>): string {
  return install.built
    ? `kamal-proxy ${KAMAL_PROXY_VERSION} built from its Go module by scripts/install-kamal-proxy.sh in ${install.seconds.toFixed(1)} s (before the lab started), at ${install.binary}.`
    : `kamal-proxy ${KAMAL_PROXY_VERSION} was already built (${install.binary}); scripts/install-kamal-proxy.sh checked it in ${install.seconds.toFixed(1)} s.`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  const value = await work();
  return { value, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

/** Kamal's `docker pull`, then `docker run` of one version on the host, on that version's own port. */
function startVersion(bench: BenchLab, host: LabHost, version: Version): Promise<void> {
  return bench.startApp(host, bench.image(version), kamalContainerName(version), KAMAL_APP_PORTS[version]);
}

export async function runKamalProxyMethod(ctx: MethodContext, install: KamalProxyInstall): Promise<MethodResult> {
  if (!install.ok) return kamalProxyNotRun(install);
  const { bench } = ctx;
  const { plan } = bench;
  const notes: string[] = [installNote(install), ...install.notes];
  ctx.log("(e) reset: no containers, the floating IP on the PROD droplet");
  const live = await bench.clearWithIpOnProd();
  const proxy = new KamalProxy(install.binary, live, plan, bench.runner);
  const deploy = (version: Version) => proxy.deploy({ service: KAMAL_SERVICE, target: kamalTarget(version), healthCheckPath: plan.app.healthPath });
  const target = bench.target(live);
  try {
    ctx.log(`(e) kamal-proxy run on ${live.dropletName} :${plan.app.port}; v1 on :${KAMAL_APP_PORTS.v1}, kamal-proxy deploy ${KAMAL_SERVICE} --target ${kamalTarget("v1")}`);
    await proxy.start(plan.app.port);
    await startVersion(bench, live, "v1");
    await bench.waitHealthy(live, "v1", 20_000, 100, KAMAL_APP_PORTS.v1);
    await deploy("v1");
    await bench.restBalancer();
    const url = bench.entry();
    await bench.waitServes(url, "v1");

    ctx.log(`(e) under load: docker pull + run v2 on :${KAMAL_APP_PORTS.v2}, kamal-proxy deploy ${KAMAL_SERVICE} --target ${kamalTarget("v2")}, docker stop v1`);
    const { result, value } = await underLoad(url, ctx.profile, async (load) => {
      load.mark("deploy-start");
      await startVersion(bench, live, "v2");
      load.mark("proxy-deploy");
      const switched = await timed(() => deploy("v2"));
      load.mark("stop-old");
      const stopped = await timed(() => bench.run(dockerCommands.stop(target, kamalContainerName("v1"))));
      load.mark("deploy-done");
      await bench.waitServes(url, "v2").catch((e: unknown) => notes.push(`after the deploy: ${errorText(e)}`));
      await sleep(TAIL_MS);
      return { deploySeconds: switched.seconds, stopSeconds: stopped.seconds };
    });
    notes.push(
      `\`kamal-proxy deploy\` (wait for v2's health on ${plan.app.healthPath}, switch, drain v1) took ${value.deploySeconds.toFixed(1)} s; \`docker stop\` of v1 took ${value.stopSeconds.toFixed(1)} s.`,
      `kamal-proxy list afterwards: ${listOnOneLine(await proxy.list().catch((e: unknown) => errorText(e)))}`,
    );
    const end = runEndMs(result);
    return {
      id: "e",
      title: KAMAL_TITLE,
      outcome: "measured",
      notes,
      load: loadFigures(result),
      cutover: analyzeSwitch(result.samples, {
        commandStartMs: markOr(result, "deploy-start", end),
        commandEndMs: markOr(result, "deploy-done", end),
        observeUntilMs: end,
        targetVersion: "v2",
        previousVersion: "v1",
      }),
      rollback: null,
      apiCalls: { cutover: 0, rollback: null },
      charts: [writeChart(ctx, "e-kamal-proxy.svg", KAMAL_TITLE, result)],
    };
  } finally {
    await proxy.stop();
    await bench.removeAllContainers(live).catch(() => undefined);
  }
}
