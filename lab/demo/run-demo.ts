import { publicEntry } from "../public-entry";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Listr, ListrTask } from "listr2";
import { ExternalError } from "../../core/errors";
import { Lab, LabUpResult, REPO_ROOT } from "../lab";
import { missingPrograms, assertLabPrerequisites } from "../preflight";
import { ExecRunner } from "../runner";
import { installSignalCleanup } from "../processes/signal-cleanup";
import { randomBytes } from "node:crypto";
import {
  startLoad,
  StartedLoadRun,
  summarize,
  bucketize,
  versionsAfter,
  markAt,
  LoadResult,
  Summary,
  longLivedCounts,
  type LongLivedCounts,
  maintenanceCounts,
  type MaintenanceCounts,
  windowOf,
} from "../load";
import { LAB_ACTION_DELAY_MS } from "../simulated-cloud";
import { forceRenewal, RENEWAL_SETTLE_MS, type Renewal } from "../certificate-renewal";
import { flipFigures, type FlipFigures } from "./flip-report";
import { renderRunTable, renderTimelineSvg } from "../report";
import { PhaseResult, publicVersion, runPhase } from "./scenario";

/**
 * `npm run demo`: a full blue/green cutover on a fresh lab, under steady GET+POST load, with a
 * broken image refused and a rollback, then a summary table and a timeline chart. Each step
 * runs the real switch CLI as a subprocess against the lab, as CI would.
 */
export interface DemoOptions {
  readonly ratePerSecond: number;
  readonly postRatio: number;
  readonly svgPath: string;
  readonly keepLab: boolean;
}

export interface DemoSummary {
  readonly ok: boolean;
  readonly lab: number;
  readonly requests: Summary;
  /** Who answered between the cutover's success and the rollback's start (the broken attempt included): only v2. */
  readonly versionsAfterCutover: Record<string, number>;
  readonly phases: Record<string, { exitCode: number | null; seconds: number; apiCalls: number }>;
  /** The cutover's and the rollback's effect on users (mixed versions, time until all on the target). */
  readonly flips: { readonly cutover?: FlipFigures; readonly rollback?: FlipFigures };
  /** The slow requests, uploads and streams that ran across the flips. */
  readonly longLived: LongLivedCounts;
  /** Sessions the switch closed at SWITCH_DRAIN_TIMEOUT_SECONDS (streams), per run. */
  readonly sessionsClosedAtDrainDeadline: Record<string, number>;
  /** The lab simulator's reserved-IP action time: the rollback's duration is judged against it. */
  readonly simulatedActionMs: number;
  /** From HAProxy's start (the balancer's boot) until the certificate from the lab's Pebble was served; the load ran over HTTPS. */
  readonly certificateServedMs?: number;
  /** A certificate renewal forced under the load (certbot renew --force-renewal): the requests of its window, and its outcome. */
  readonly renewal?: { readonly ms: number; readonly renewed: boolean; readonly sent: number; readonly failed: number };
  readonly publicVersionAtEnd: string | undefined;
  /** Answers by kind across the maintenance window: HAProxy's 503 page there is expected, not a failure. */
  readonly maintenance?: MaintenanceCounts;
  readonly svg: string;
  readonly problems: string[];
}

interface Ctx {
  lab?: Lab;
  starting?: Promise<LabUpResult>;
  /** From HAProxy's start until the CA's certificate was served (lab up). */
  certificateServedMs?: number;
  renewal?: Renewal;
  load?: StartedLoadRun;
  result?: LoadResult;
  phases: PhaseResult[];
  problems: string[];
  finalVersion?: string;
}

export class DemoExpectationError extends ExternalError {}

/** deploy, cutover, broken, rollback, config-release, secret-rotation, hook-fails, exec, logs, maintenance on and off. */
const DEMO_PHASES = 11;

// The load generator refuses runs over 10 minutes; the demo needs about two.
const LOAD_MAX_MS = 9 * 60_000;

/** Long-lived requests that span every flip: they must complete (streams may only be closed at the drain deadline). */
const DEMO_LONG_LIVED = { slowEveryMs: 1000, uploadEveryMs: 1000, streams: 4 } as const;

export async function runDemo(options: DemoOptions, out: (text: string) => void): Promise<DemoSummary> {
  const ctx: Ctx = { phases: [], problems: [] };
  const interrupt = new AbortController();
  const images = () => ctx.lab!.env();
  const showSteps = (task: { output: string }) => (line: string) => {
    if (/\bstep [a-z-]+ (done|failed)/.test(line) || /^(error|switch):/i.test(line)) task.output = line.trim();
  };
  const phase = (
    name: string,
    title: string,
    args: (env: Record<string, string>) => string[],
    expect: (r: PhaseResult) => string | undefined,
    env: () => Record<string, string> = () => ({}),
  ): ListrTask<Ctx> => ({
    title,
    task: async (c, task) => {
      if (c.load) c.load.mark(`${name}-start`);
      const result = await runPhase(c.lab!, name, args(images()), showSteps(task), interrupt.signal, env());
      if (c.load) c.load.mark(`${name}-done`);
      c.phases.push(result);
      const problem = expect(result);
      task.title = `${title}: exit ${result.run.code}, ${result.seconds.toFixed(1)} s, ${result.apiCalls} DO API calls`;
      if (problem) {
        c.problems.push(`${name}: ${problem}`);
        throw new DemoExpectationError(`${name}: ${problem}`, `read the switch output above; the lab stays up with --keep`);
      }
    },
    rendererOptions: { persistentOutput: true, outputBar: 3 },
  });
  const exitIs = (code: number) => (r: PhaseResult) => (r.run.code === code ? undefined : `expected exit ${code}, got ${r.run.code}: ${lastLines(r.run.stderr || r.run.stdout)}`);
  const deployed = (r: PhaseResult) => exitIs(0)(r) ?? (r.run.json?.outcome === "deployed" ? undefined : `expected a new release, got ${String(r.run.json?.outcome)}`);
  // What the team's merge requests change, release after release: a clear value, then the secret's value.
  const releaseEnv: Record<string, string> = {};
  const changeConfig = () => Object.assign(releaseEnv, { LAB_DEMO_GREETING: "hello-from-a-config-release" });
  const rotateSecret = () => Object.assign(releaseEnv, { DEMO_API_KEY: `demo_rotated_${randomBytes(12).toString("hex")}` });

  const tasks = new Listr<Ctx>(
    [
      {
        title: "1. Start the lab (network namespaces, dockerd, sshd, registry, HAProxy, DO API simulator)",
        task: async (c, task) => {
          if (missingPrograms().length > 0) {
            task.output = "installing Debian packages (scripts/install-debian-packages.sh)";
            const install = spawnSync("bash", [resolve(REPO_ROOT, "scripts/install-debian-packages.sh")], { stdio: "inherit" });
            if (install.status !== 0) throw new ExternalError("installing the lab's Debian packages failed", "run `sudo bash scripts/install-debian-packages.sh` and read its output");
          }
          assertLabPrerequisites();
          c.lab = await Lab.claimFree({ runner: new ExecRunner(), report: (m) => (task.output = m) });
          c.starting = c.lab.up();
          const up = await c.starting;
          c.certificateServedMs = up.certificateServedMs;
          task.title = `1. Lab ${c.lab.plan.index} is up (${c.lab.plan.subnet}, public entry https://${c.lab.plan.domain}/ at ${c.lab.plan.balancer.publicIp}, certificate from the lab's Pebble served ${(up.certificateServedMs / 1000).toFixed(1)} s after HAProxy started)`;
        },
        rendererOptions: { persistentOutput: true, outputBar: 1 },
      },
      phase("deploy", "2. Deploy v1 (the first cutover bootstraps an empty pair)", (e) => ["--image", e.LAB_IMAGE_V1, "--json"], exitIs(0)),
      {
        title: `Start steady load: ${options.ratePerSecond} req/s, ${Math.round(options.postRatio * 100)}% POST, plus a 5 s request and a 1 MiB upload every second and ${DEMO_LONG_LIVED.streams} event streams, through HAProxy`,
        task: async (c) => {
          c.load = startLoad({
            ...publicEntry(c.lab!.plan),
            ratePerSecond: options.ratePerSecond,
            postRatio: options.postRatio,
            maxDurationMs: LOAD_MAX_MS,
            longLived: DEMO_LONG_LIVED,
          });
          await c.load.ready;
          await new Promise((r) => setTimeout(r, 2000));
        },
      },
      phase("cutover", "3. Cut over to v2 under load", (e) => ["--image", e.LAB_IMAGE_V2, "--json"], exitIs(0)),
      phase("broken", "4. Try a broken image (health check fails): must be refused", (e) => ["--image", e.LAB_IMAGE_HEALTH_FAILS, "--json"], (r) =>
        r.run.code === 0 ? "the broken image was accepted" : undefined,
      ),
      phase("rollback", "5. Roll back (to v1)", () => ["rollback", "--json"], exitIs(0)),
      phase("config-release", "6. Release a configuration change only (v1 again, a new DEMO_GREETING) under load", (e) => ["--image", e.LAB_IMAGE_V1, "--json"], deployed, changeConfig),
      phase("secret-rotation", "7. Rotate the secret DEMO_API_KEY (same image and settings, a new value)", (e) => ["--image", e.LAB_IMAGE_V1, "--json"], deployed, rotateSecret),
      phase("hook-fails", "8. Try a release whose preSwitch migration fails: must be refused, PROD untouched", (e) => ["--image", e.LAB_IMAGE_V2, "--json"], exitIs(5), () => ({
        ...releaseEnv,
        LAB_DEMO_MIGRATION: "fail",
      })),
      phase("exec", "9. exec: read the schema version the migration wrote into PROD's volume", () => ["exec", "--", "cat", "/data/schema-version"], exitIs(0), () => releaseEnv),
      phase("logs", "10. logs: PROD's last app log lines", () => ["logs", "--lines", "5"], exitIs(0), () => releaseEnv),
      phase("maintenance-on", "11. Maintenance on under load (visitors get a 503 page with Retry-After; the app keeps running)", () => ["maintenance", "on", "--message", "Back in a minute", "--json"], exitIs(0)),
      { title: "   ...maintenance for 2 s", task: () => new Promise((r) => setTimeout(r, 2000)) },
      phase("maintenance-off", "12. Maintenance off", () => ["maintenance", "off", "--json"], exitIs(0)),
      {
        title: "13. Renew the certificate under load (certbot renew --force-renewal, as certbot.timer would; its hook reloads HAProxy hitlessly)",
        skip: (c) => (c.certificateServedMs === undefined ? "TLS is off in this lab" : false),
        task: async (c, task) => {
          c.load?.mark("renew-start");
          c.renewal = await forceRenewal(c.lab!.plan);
          c.load?.mark("renew-settled");
          task.title = `13. Certificate renewed under load: ${c.renewal.renewed ? "a new certificate is served" : "NOT renewed"}, certbot exit ${c.renewal.certbot.code}, ${(c.renewal.ms / 1000).toFixed(1)} s`;
          if (!c.renewal.renewed) {
            c.problems.push(`renewal: certbot exit ${c.renewal.certbot.code}, the served certificate did not change`);
            throw new DemoExpectationError(`the forced renewal did not serve a new certificate: ${lastLines(c.renewal.certbot.stderr || c.renewal.certbot.stdout)}`, "read logs/ in the lab's directory (the lab stays up with --keep)");
          }
        },
        rendererOptions: { persistentOutput: true },
      },
      {
        title: "Stop the load",
        task: async (c) => {
          await new Promise((r) => setTimeout(r, 1500));
          c.result = await c.load!.stop();
          c.finalVersion = await publicVersion(c.lab!);
        },
      },
    ],
    { renderer: "default", fallbackRenderer: "simple", fallbackRendererCondition: () => !process.stdout.isTTY, exitOnError: true, registerSignalListeners: false, rendererOptions: { collapseSubtasks: false } },
  );

  const release = installSignalCleanup(async () => {
    ctx.lab?.abort();
    interrupt.abort();
    await ctx.starting?.catch(() => undefined);
    await ctx.load?.stop().catch(() => undefined);
    if (ctx.lab) await ctx.lab.down();
  });
  let failure: unknown;
  try {
    await tasks.run(ctx);
  } catch (error) {
    failure = error;
  }
  if (ctx.load && !ctx.result) ctx.result = await ctx.load.stop().catch(() => undefined);

  const summary = summarise(ctx, options, out);
  if (ctx.lab && !options.keepLab) {
    out("16. Tearing down the lab\n");
    await ctx.lab.down();
    out(`   lab ${ctx.lab.plan.index} removed (namespaces, processes, mounts, files)\n`);
  } else if (ctx.lab) {
    out(`lab ${ctx.lab.plan.index} kept: source ${ctx.lab.plan.paths.envFile}; remove it with npm run lab -- down ${ctx.lab.plan.index}\n`);
  }
  release();
  if (failure) throw failure;
  return summary;
}

function summarise(ctx: Ctx, options: DemoOptions, out: (text: string) => void): DemoSummary {
  const result = ctx.result;
  const hadMaintenance = !!result && result.marks.some((m) => m.label === "maintenance-off-done");
  const maintenance = hadMaintenance ? maintenanceCounts(result!.samples, windowOf(result!.marks, "maintenance-on-start", "maintenance-off-done")) : undefined;
  const maintenanceWindow = hadMaintenance ? windowOf(result!.marks, "maintenance-on-start", "maintenance-off-done") : undefined;
  // The maintenance page is an answer the team asked for, counted apart: everything else must succeed.
  const isMaintenancePage = (x: LoadResult["samples"][number]) => {
    if (!maintenanceWindow) return false;
    const one = maintenanceCounts([x], maintenanceWindow);
    return one.maintenancePage + one.uploadsCutByThePage > 0;
  };
  const requests = result ? summarize(result.samples.filter((x) => !isMaintenancePage(x))) : summarize([]);
  const byName = Object.fromEntries(ctx.phases.map((p) => [p.name, p]));
  const problems = [...ctx.problems];
  let versionsAfterCutover: Record<string, number> = {};
  if (result && byName.cutover?.run.code === 0 && byName.rollback) {
    const from = markAt(result.marks, "cutover-done");
    versionsAfterCutover = versionsAfter(result.samples.filter((s) => s.startMs < markAt(result.marks, "rollback-start")), from);
    if (Object.keys(versionsAfterCutover).join() !== "v2") problems.push(`after the cutover reported success, answers came from ${JSON.stringify(versionsAfterCutover)}, not only v2`);
  }
  if (requests.failed > 0) problems.push(`${requests.failed} requests failed`);
  const flipOf = (name: string, fromVersion: string, toVersion: string, next?: string): FlipFigures | undefined => {
    const p = byName[name];
    if (!result || !p || p.run.code !== 0) return undefined;
    const startMs = markAt(result.marks, `${name}-start`);
    const observeUntilMs = next && result.marks.some((m) => m.label === `${next}-start`) ? markAt(result.marks, `${next}-start`) : Infinity;
    return flipFigures(result, { startMs, endMs: markAt(result.marks, `${name}-done`), observeUntilMs, fromVersion, toVersion, steps: p.run.steps, apiCalls: p.apiCalls });
  };
  const flips = { cutover: flipOf("cutover", "v1", "v2", "broken"), rollback: flipOf("rollback", "v2", "v1", "config-release") };
  for (const [name, f] of Object.entries(flips)) if (f && f.mixedVersionAnswers > 0) problems.push(`${name}: ${f.mixedVersionAnswers} answers from the old version after the first from the new`);
  const renewalWindow = result && ctx.renewal && result.marks.some((m) => m.label === "renew-settled") ? windowOf(result.marks, "renew-start", "renew-settled") : undefined;
  const renewalRequests = renewalWindow ? summarize(result!.samples, renewalWindow) : undefined;
  const renewal = ctx.renewal && renewalRequests ? { ms: ctx.renewal.ms, renewed: ctx.renewal.renewed, sent: renewalRequests.sent, failed: renewalRequests.failed } : undefined;
  const longLived = result ? longLivedCounts(result.samples.filter((x) => !isMaintenancePage(x))) : longLivedCounts([]);
  const sessionsClosedAtDrainDeadline = Object.fromEntries(ctx.phases.map((p) => [p.name, Number(p.run.json?.sessionsClosedAtDrainDeadline ?? 0)]));
  if (ctx.finalVersion !== undefined && byName.rollback?.run.code === 0 && ctx.finalVersion !== "v1") problems.push(`after the rollback the public entry serves ${ctx.finalVersion}, not v1`);
  if (result && result.samples.length > 0) {
    out("14. Summary\n");
    out(
      renderRunTable([
        {
          name: "demo",
          summary: requests,
          cutoverS: byName.cutover?.seconds,
          rollbackS: byName.rollback?.seconds,
          apiCalls: ctx.phases.reduce((sum, p) => sum + p.apiCalls, 0),
        },
      ]),
    );
    const perPhase = ctx.phases.map((p) => `${p.name} ${p.seconds.toFixed(1)} s / ${p.apiCalls} calls / exit ${p.run.code}`).join("; ");
    out(`   per switch run: ${perPhase}\n`);
    if (ctx.certificateServedMs !== undefined) out(`   HTTPS: every request above went over TLS to https://${ctx.lab?.plan.domain}/ (chain checked against the lab Pebble's root); certificate served ${ctx.certificateServedMs} ms after HAProxy started\n`);
    if (renewal) out(`   renewal: ${renewal.failed} of ${renewal.sent} requests failed while certbot renewed the certificate (${renewal.ms} ms) and HAProxy reloaded (counted until ${RENEWAL_SETTLE_MS} ms after); ${renewal.renewed ? "the new certificate is served" : "the old certificate is still served"}\n`);
    const ms = (v: number | null | undefined) => (v === null || v === undefined ? "never" : `${v} ms`);
    if (flips.cutover)
      out(`   cutover: ${flips.cutover.mixedVersionAnswers} mixed-version answers; all on v2 ${ms(flips.cutover.msToAllTarget)} after the start, ${ms(flips.cutover.msFromGateToAllNew)} after the health gate\n`);
    if (flips.rollback)
      out(
        `   rollback: ${flips.rollback.mixedVersionAnswers} mixed-version answers; all on v1 ${ms(flips.rollback.msToAllTarget)} after the start; command ${flips.rollback.commandMs} ms (simulated reserved-IP action ${LAB_ACTION_DELAY_MS} ms)\n`,
      );
    const ll = longLived;
    out(
      `${maintenance ? `   maintenance: ${maintenance.maintenancePage} answers were the 503 page (expected, not failures); ${maintenance.uploadsCutByThePage} large uploads had their connection closed by the page before their body was sent (a known limit, see README); ${maintenance.failed} failed\n` : ""}   long-lived: slow ${ll.slow.ok}/${ll.slow.sent} answered 200, uploads ${ll.upload.ok}/${ll.upload.sent}, streams ${ll.stream.ok}/${ll.stream.sent} (${ll.stream.closedByServer} closed by the server side, ${Object.values(sessionsClosedAtDrainDeadline).reduce((a, b) => a + b, 0)} closed by the switch at the drain deadline)\n`,
    );
    const svg = renderTimelineSvg({ title: "do-bluegreen lab: cutover v1 → v2, broken image refused, rollback, config release, secret rotation, refused migration, maintenance", buckets: bucketize(result.samples, 100), marks: result.marks, bucketMs: 100 });
    writeFileSync(options.svgPath, svg);
    out(`15. Timeline chart (requests per 100 ms by version, errors in red): ${options.svgPath}\n`);
  }
  return {
    ok: problems.length === 0 && ctx.phases.length === DEMO_PHASES,
    lab: ctx.lab?.plan.index ?? 0,
    requests,
    versionsAfterCutover,
    phases: Object.fromEntries(ctx.phases.map((p) => [p.name, { exitCode: p.run.code, seconds: Math.round(p.seconds * 10) / 10, apiCalls: p.apiCalls }])),
    flips,
    longLived,
    sessionsClosedAtDrainDeadline,
    simulatedActionMs: LAB_ACTION_DELAY_MS,
    certificateServedMs: ctx.certificateServedMs,
    renewal,
    publicVersionAtEnd: ctx.finalVersion,
    maintenance,
    svg: options.svgPath,
    problems,
  };
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-2).join(" | ");
}
