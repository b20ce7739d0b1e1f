/**
 * HTTPS figures in the bench's lab, beside the methods: how long the balancer took from boot to serving the CA's
 * certificate, what TLS costs in latency (the same short load through the same backend over the lab's HTTPS entry and
 * over a plain-HTTP side entrance running the project's haproxy.cfg with TLS off), and what a forced renewal costs the
 * users (failed requests in its window under the bench's load, long-lived requests included).
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../../core/config";
import { forceRenewal, RENEWAL_SETTLE_MS } from "../../lab/certificate-renewal";
import { startLoad, summarize, windowOf } from "../../lab/load";
import { publicEntry, publicFetch, type PublicEntry } from "../../lab/public-entry";
import { errorText, type MethodContext } from "../methods/context";
import { loadTarget, underLoad, WARM_UP_MS, type LoadProfile } from "../methods/load-phase";
import { ExtraHaproxy, projectHaproxyConfigFor } from "../lab-access/extra-haproxy";
import type { HttpsFigures, LatencyRun, RenewalFigures } from "../model";
import { round } from "./analysis";

/** The plain-HTTP side entrance's port on the balancer (beside (b)'s 8081 and (d)'s 8082). */
export const PLAIN_HTTP_PORT = 8083;
/** Each latency run's length: long enough for a stable p99 at the bench's rate. */
export const LATENCY_RUN_MS = 10_000;

/**
 * Only the short GETs and POSTs, so the two runs differ in nothing but TLS; counted after the warm-up, once the
 * keep-alive connections exist (their handshakes are a start-up cost, not the steady state's latency).
 */
async function latencyRun(target: string | PublicEntry, profile: LoadProfile): Promise<LatencyRun> {
  const run = startLoad({ ...loadTarget(target), ...profile, maxDurationMs: WARM_UP_MS + LATENCY_RUN_MS + 5000 });
  await run.ready;
  await sleep(WARM_UP_MS);
  run.mark("measure-start");
  await sleep(LATENCY_RUN_MS);
  run.mark("measure-end");
  const result = await run.stop();
  const s = summarize(result.samples, windowOf(result.marks, "measure-start", "measure-end"));
  return { sent: s.sent, failed: s.failed, p50Ms: s.p50Ms, p99Ms: s.p99Ms };
}

export async function measureHttps(ctx: MethodContext, certificateServedMs: number): Promise<HttpsFigures> {
  const { bench, profile } = ctx;
  const { plan } = bench;
  const entry = publicEntry(plan);
  const side = new ExtraHaproxy(plan.balancer.namespace, join(plan.paths.stateDir, "bench-plain-http-haproxy.cfg"), join(plan.paths.logDir, "bench-plain-http-haproxy.log"));
  const plainUrl = `http://${plan.balancer.publicIp}:${PLAIN_HTTP_PORT}/`;
  let http: LatencyRun;
  let https: LatencyRun;
  try {
    side.start(
      projectHaproxyConfigFor(loadConfig(bench.env, "stack"), {
        bindAddress: plan.balancer.publicIp,
        port: PLAIN_HTTP_PORT,
        target: plan.floatingIp,
        adminSocket: join(plan.paths.stateDir, "bench-plain-http-haproxy.sock"),
      }),
    );
    const serving = (await publicFetch(plan, "/")).headers.get("x-app-version") ?? "(no version)";
    await bench.waitServes(plainUrl, serving);
    ctx.log(`(https) latency: ${LATENCY_RUN_MS / 1000} s of the same load over plain HTTP (side entrance :${PLAIN_HTTP_PORT}), then over HTTPS`);
    http = await latencyRun(plainUrl, profile);
    https = await latencyRun(entry, profile);
  } finally {
    await side.stop();
  }
  const latency = {
    http,
    https,
    p99Ratio: https.p99Ms !== null && http.p99Ms ? round(https.p99Ms / http.p99Ms, 2) : null,
    runMs: LATENCY_RUN_MS,
    warmUpMs: WARM_UP_MS,
    plainHttpPort: PLAIN_HTTP_PORT,
  };
  // A renewal that cannot be measured must not take the latency runs with it.
  const renewal = await renewalUnderLoad(ctx).catch((error: unknown) => {
    ctx.log(`(https) renewal not measured: ${errorText(error)}`);
    return { error: errorText(error) };
  });
  return { certificateServedMs, latency, renewal };
}

/** The renewal's window runs from its start until the old HAProxy worker has let go of its keep-alive connections. */
async function renewalUnderLoad(ctx: MethodContext): Promise<RenewalFigures> {
  const { plan } = ctx.bench;
  ctx.log("(https) forced renewal (certbot renew --force-renewal) under load");
  const { result, value: renewal } = await underLoad(publicEntry(plan), ctx.profile, async (load) => {
    load.mark("renew-start");
    const r = await forceRenewal(plan);
    load.mark("renew-settled");
    return r;
  });
  const window = summarize(result.samples, windowOf(result.marks, "renew-start", "renew-settled"));
  const whole = summarize(result.samples);
  return {
    renewed: renewal.renewed,
    certbotExit: renewal.certbot.code,
    ms: renewal.ms,
    settleMs: RENEWAL_SETTLE_MS,
    sentInWindow: window.sent,
    failedInWindow: window.failed,
    sent: whole.sent,
    failed: whole.failed,
  };
}
