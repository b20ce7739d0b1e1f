/**
 * `npm run bench`: one run, one lab, every method under the same open-model load, then a report.
 * Order: tool timings first (nothing else running), then kamal-proxy is built for (e) if it is not yet
 * (scripts/install-kamal-proxy.sh; a no-op on a warm machine), then the lab: (a) the switch, (b) the
 * seed's naive floating-IP move, (c) in-place replacement, (d) Docker Swarm, (e) kamal-proxy. A method
 * that fails is reported as such and the next one still runs; (e) without its binary is reported as not
 * run, with the script's error. The lab is torn down at the end whatever happened (also on Ctrl-C).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Lab, REPO_ROOT } from "../lab/lab";
import { assertLabPrerequisites } from "../lab/preflight";
import { ExecRunner } from "../lab/runner";
import { installSignalCleanup } from "../lab/processes/signal-cleanup";
import { UsageError } from "../core/errors";
import { Redactor } from "../core/redact";
import { BenchLab } from "./bench-lab";
import { describeMachine } from "./machine";
import { BENCH_SCHEMA, type BenchReport, type MethodId, type MethodResult, type SwarmFindings, type TimedCommand } from "./model";
import { round } from "./measure/analysis";
import { ratiosAgainst, type MethodRatios } from "./measure/ratios";
import { timeCommand } from "./measure/timed-command";
import { errorText, type MethodContext } from "./methods/context";
import { BENCH_LONG_LIVED, type LoadProfile } from "./methods/load-phase";
import { runSwitchMethod } from "./methods/a-switch";
import { runNaiveFloatingIpMethod } from "./methods/b-naive-floating-ip";
import { runInPlaceMethod } from "./methods/c-in-place";
import { runSwarmMethod } from "./methods/d-swarm";
import { KAMAL_TITLE, kamalProxyNotRun, runKamalProxyMethod } from "./methods/e-kamal-proxy";
import { METHODS, type MethodChoice } from "./options";
import { installKamalProxy, type KamalProxyInstall } from "./tools/kamal-proxy-install";
import { comparable } from "./report/figures";
import { measureHttps } from "./measure/https";
import { renderMarkdown } from "./report/markdown";

export class BenchInterruptedError extends UsageError {}

export interface BenchOptions {
  readonly profile: LoadProfile;
  /** Which of a-e to run (all by default; fewer only while developing the bench). */
  readonly methods: readonly MethodChoice[];
  /** Time `npm run test:unit` and `npm run synth`. */
  readonly timeTooling: boolean;
  /** Where docs/benchmarks.md and the charts go. */
  readonly markdownPath: string;
  readonly chartDir: string;
  readonly command: string;
}

export async function runBench(options: BenchOptions, log: (line: string) => void): Promise<BenchReport> {
  const started = Date.now();
  const date = new Date().toISOString();
  const machine = describeMachine();
  let unitTests: TimedCommand | null = null;
  let synth: TimedCommand | null = null;
  if (options.timeTooling) {
    log("timing npm run test:unit");
    unitTests = await timeCommand(["npm", "run", "test:unit"], REPO_ROOT);
    log(`  ${unitTests.seconds} s, exit ${unitTests.exitCode}`);
    log("timing npm run synth");
    synth = await timeCommand(["npm", "run", "synth"], REPO_ROOT);
    log(`  ${synth.seconds} s, exit ${synth.exitCode}`);
  }

  // Before the lab, so the build never competes with a method's load.
  const kamalProxy = options.methods.includes("e") ? await buildKamalProxy(log) : null;
  const lab = await runInLab(options, kamalProxy, log);
  const results = kamalProxy && !kamalProxy.ok ? [...lab.results, kamalProxyNotRun(kamalProxy)] : lab.results;
  const { charts, swarm, https, redactor } = lab;

  const baseline = results.find((r) => r.id === "a" && r.outcome === "measured");
  const ratios: Partial<Record<MethodId, MethodRatios>> = {};
  for (const result of results) {
    if (result.id === "a" || result.outcome !== "measured") continue;
    ratios[result.id] = ratiosAgainst(baseline ? comparable(baseline) : undefined, comparable(result));
  }
  const unredacted: BenchReport = {
    schema: BENCH_SCHEMA,
    date,
    command: options.command,
    machine,
    load: { ...options.profile, longLived: BENCH_LONG_LIVED },
    methods: results,
    ratios,
    apiCallsPerCutover: baseline?.apiCalls.cutover ?? null,
    unitTests,
    synth,
    swarm,
    https,
    benchSeconds: round((Date.now() - started) / 1000, 1),
  };
  const report = JSON.parse(redactor.redact(JSON.stringify(unredacted))) as BenchReport;
  if (lab.interrupted) throw new BenchInterruptedError("the bench was interrupted; no report was written", "run `npm run bench` again and let it finish");
  mkdirSync(dirname(options.markdownPath), { recursive: true });
  mkdirSync(options.chartDir, { recursive: true });
  // A method that produced no chart this run must not leave last run's chart next to this run's page.
  for (const stale of readdirSync(options.chartDir).filter((f) => /^[a-e]-.*\.svg$/.test(f) && !charts.has(f))) rmSync(join(options.chartDir, stale));
  for (const [file, svg] of charts) writeFileSync(join(options.chartDir, file), svg);
  writeFileSync(options.markdownPath, renderMarkdown(report));
  log(`wrote ${relative(REPO_ROOT, options.markdownPath)} and ${charts.size} chart(s) in ${relative(REPO_ROOT, options.chartDir)}`);
  return report;
}

async function buildKamalProxy(log: (line: string) => void): Promise<KamalProxyInstall> {
  log("building kamal-proxy for (e): scripts/install-kamal-proxy.sh");
  const install = await installKamalProxy();
  log(install.ok ? `  ${install.binary} (${install.built ? "built" : "already built"}, ${install.seconds.toFixed(1)} s)` : `  (e) will not run: ${install.reason}`);
  return install;
}

interface LabOutcome {
  readonly results: MethodResult[];
  readonly charts: Map<string, string>;
  readonly swarm: SwarmFindings | null;
  readonly https: BenchReport["https"];
  /** Masks the lab's token and registry password, which must not reach the report, even inside an error text. */
  readonly redactor: Redactor;
  /** An interrupted run must not overwrite the committed report with the errors its teardown causes. */
  readonly interrupted: boolean;
}

/** Runs the selected methods in one lab; no lab at all when none of them can run ((e) alone without its binary). */
async function runInLab(options: BenchOptions, kamalProxy: KamalProxyInstall | null, log: (line: string) => void): Promise<LabOutcome> {
  const selected = (id: MethodChoice) => options.methods.includes(id) && (id !== "e" || kamalProxy?.ok === true);
  const results: MethodResult[] = [];
  const charts = new Map<string, string>();
  let swarm: SwarmFindings | null = null;
  let https: BenchReport["https"] = null;
  let redactor = Redactor.fromEnv();
  let interrupted = false;
  if (!METHODS.some(selected)) return { results, charts, swarm, https, redactor, interrupted };

  assertLabPrerequisites();
  const lab = await Lab.claimFree({ runner: new ExecRunner(), report: (m) => log(`  ${m}`) });
  let bench: BenchLab | undefined;
  const release = installSignalCleanup(async () => {
    interrupted = true;
    bench?.cleanup();
    await lab.down();
  });
  try {
    log(`starting lab ${lab.plan.index}`);
    const { certificateServedMs } = await lab.up();
    bench = new BenchLab(lab);
    redactor = Redactor.fromEnv({ ...process.env, ...bench.env });
    await bench.login();
    const ctx: MethodContext = { bench, profile: options.profile, chartDir: options.chartDir, chartLinkDir: relative(dirname(options.markdownPath), options.chartDir) || ".", charts, log };
    const guarded = async (id: MethodId, title: string, run: () => Promise<MethodResult>) => {
      try {
        results.push(await run());
      } catch (error) {
        log(`(${id}) failed: ${errorText(error)}`);
        results.push(notMeasured(id, title, error));
      }
    };
    if (selected("a")) {
      await guarded("a", "(a) do-bluegreen switch", () => runSwitchMethod(ctx));
      // While the switch's own release serves (v1 after (a)'s rollback), before the other methods take the droplets.
      https = await measureHttps(ctx, certificateServedMs).catch((error: unknown) => {
        log(`(https) failed: ${errorText(error)}`);
        return { error: errorText(error) };
      });
    }
    if (selected("b")) await guarded("b", "(b) seed design: naive HAProxy, floating IP reassigned", () => runNaiveFloatingIpMethod(ctx));
    if (selected("c")) await guarded("c", "(c) in place: docker rm -f, docker run", () => runInPlaceMethod(ctx));
    if (selected("d")) {
      try {
        const outcome = await runSwarmMethod(ctx);
        results.push(outcome.attempt, outcome.variant);
        swarm = outcome.findings;
      } catch (error) {
        log(`(d) failed: ${errorText(error)}`);
        results.push(notMeasured("d", "(d) Docker Swarm start-first update", error));
      }
    }
    if (selected("e") && kamalProxy?.ok) await guarded("e", KAMAL_TITLE, () => runKamalProxyMethod(ctx, kamalProxy));
  } finally {
    log(`tearing down lab ${lab.plan.index}`);
    bench?.cleanup();
    await lab.down();
    release();
  }
  return { results, charts, swarm, https, redactor, interrupted };
}

function notMeasured(id: MethodId, title: string, error: unknown): MethodResult {
  return { id, title, outcome: "error", notes: [errorText(error)], load: null, cutover: null, rollback: null, apiCalls: { cutover: null, rollback: null }, charts: [] };
}

export const DEFAULT_MARKDOWN = join(REPO_ROOT, "docs", "benchmarks.md");
export const DEFAULT_CHART_DIR = join(REPO_ROOT, "docs", "benchmarks");
