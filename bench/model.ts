/**
 * The benchmark's results as data: what `--json` prints on its last line and what docs/benchmarks.md
 * is rendered from. Every number comes from one run; nothing here is asserted.
 */
import type { FlipFigures } from "../lab/demo/flip-report";
import type { LongLivedCounts } from "../lab/load/stats";
import type { SwitchFigures } from "./measure/analysis";
import type { MethodRatios } from "./measure/ratios";

export const BENCH_SCHEMA = "do-bluegreen.bench/1";

/** (a)-(d) as in the issue; "d-stop-first" is the Swarm variant that can run here, labelled as such; (e) kamal-proxy as Kamal runs it. */
export type MethodId = "a" | "b" | "c" | "d" | "d-stop-first" | "e";

export interface LoadFigures {
  /** Every request of the method's load run (warm-up, switch, rollback, settle). */
  readonly sent: number;
  /** non2xx + socketErrors. */
  readonly failed: number;
  readonly non2xx: number;
  readonly socketErrors: number;
  /** e.g. { "status 503": 12, ECONNRESET: 3 }. */
  readonly failureReasons: Record<string, number>;
  /**
   * The long-lived requests of the same run, per kind (also counted in sent and failed above). A stream the server
   * side closed after its first event is `stream.closedByServer`, not a failure.
   */
  readonly longLived: LongLivedCounts;
}

/** The long-lived requests every method's load carries (bench/methods/load-phase.ts BENCH_LONG_LIVED), as the report states them. */
export interface LongLivedLoad {
  /** A GET /slow every this many ms... */
  readonly slowEveryMs: number;
  /** ...which the app holds this long before answering. */
  readonly slowAnswerMs: number;
  /** A POST /upload every this many ms... */
  readonly uploadEveryMs: number;
  /** ...of this many bytes. */
  readonly uploadBytes: number;
  /** GET /events streams held open for the whole run (one that closes is reopened). */
  readonly streams: number;
}

export interface MethodResult {
  readonly id: MethodId;
  readonly title: string;
  /**
   * "measured": the method ran to its end; "did-not-complete": it ran but never served the new version;
   * "error": the bench tried and failed; "not-run": a tool the method needs could not be had (notes[0] says why), so nothing was tried.
   */
  readonly outcome: "measured" | "did-not-complete" | "error" | "not-run";
  /** What was observed, in sentences (errors, task states, caveats). */
  readonly notes: string[];
  readonly load: LoadFigures | null;
  readonly cutover: SwitchFigures | null;
  /** Only for methods that have a rollback: (a) and the Swarm variant. */
  readonly rollback: SwitchFigures | null;
  /** DigitalOcean API requests the method made (simulator request log); 0 for methods that never call it. */
  readonly apiCalls: { readonly cutover: number | null; readonly rollback: number | null };
  /**
   * Only for (a): the flip figures the demo reports, counted the same way (lab/demo/flip-report.ts), of the cutover
   * and of the rollback; null for a run that did not happen or did not succeed. mixedVersionAnswers (goal 0),
   * msToAllTarget (msToAllNew for the cutover, msToAllPrevious for the rollback, goal ≤ 1,500 ms),
   * msFromGateToAllNew (cutover only, goal ≤ 500 ms), commandMs (rollback goal ≤ simulatedActionMs + 2 s), apiCalls (goal ≤ 10).
   * Measured, never asserted.
   */
  readonly flips?: { readonly cutover: FlipFigures | null; readonly rollback: FlipFigures | null };
  /** Only for (a): the lab simulator's reserved-IP action time, reported beside the rollback's command time. */
  readonly simulatedActionMs?: number;
  /**
   * Only for (a): sessions (long-lived streams) the switch closed when SWITCH_DRAIN_TIMEOUT_SECONDS ran out, from its
   * --json last line; counted apart from failures. null when the run did not report it.
   */
  readonly sessionsClosedAtDrainDeadline?: { readonly cutover: number | null; readonly rollback: number | null };
  /**
   * Only for (a): how long the rollback's `drain` step took (its step lines): the wait for the requests still on the slot
   * the reserved IP leaves, which streams hold until SWITCH_DRAIN_TIMEOUT_SECONDS. null when it did not run.
   */
  readonly rollbackDrainMs?: number | null;
  /** Peak resident memory of the switch process (VmHWM), only for (a). */
  readonly peakRssKiB?: { readonly cutover: number | null; readonly rollback: number | null };
  /** Repository-relative paths of the method's timeline charts. */
  readonly charts: string[];
}

export interface TimedCommand {
  readonly command: string;
  readonly seconds: number;
  readonly exitCode: number | null;
  /** The command's last output lines when it failed. */
  readonly failure?: string;
}

export interface Machine {
  readonly nproc: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly cpuModel: string;
  /** 1-minute load average when the bench started: other work on the machine skews latency. */
  readonly loadAverage1m: number;
}

export interface SwarmFindings {
  /** One paragraph: why a start-first update cannot complete here, from what this run observed. */
  readonly reason: string;
  readonly ingress: {
    readonly taskStates: string[];
    readonly portAnswered: boolean;
    readonly probeError: string | null;
    readonly ipvsInKernel: boolean;
    /** iptables NAT rules in the node's namespace that mention the published port. */
    readonly natRulesForPort: number;
    readonly dockerdLog: string[];
  } | null;
  readonly hostModeStartFirst: {
    readonly waitedSeconds: number;
    readonly updateState: string | null;
    readonly updateMessage: string | null;
    readonly newTaskErrors: string[];
    readonly versionsServed: Record<string, number>;
  } | null;
  readonly cleanedUp: boolean;
}

/** One latency run of the short GETs and POSTs (no long-lived requests). */
export interface LatencyRun {
  readonly sent: number;
  readonly failed: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

/** bench/measure/https.ts: measured in the same lab as the methods, after (a). */
export interface HttpsFigures {
  /** From HAProxy's start (the balancer's boot) until the certificate from the lab's Pebble was served. */
  readonly certificateServedMs: number;
  /** The same load over plain HTTP (a side entrance, TLS off) and over HTTPS, to the same PROD, one after the other. */
  readonly latency: {
    readonly http: LatencyRun;
    readonly https: LatencyRun;
    readonly p99Ratio: number | null;
    /** What ran: each run counted over runMs after warmUpMs; the side entrance's port. */
    readonly runMs: number;
    readonly warmUpMs: number;
    readonly plainHttpPort: number;
  };
  /** `certbot renew --force-renewal` under the bench's load (long-lived requests included), or why it could not run. */
  readonly renewal: RenewalFigures | { readonly error: string };
}

export interface RenewalFigures {
  readonly renewed: boolean;
  readonly certbotExit: number;
  readonly ms: number;
  /** How long after certbot returned the window still ran (the old HAProxy worker's keep-alive connections closing). */
  readonly settleMs: number;
  /** Requests started between the renewal's start and settleMs after its end (the hook's hitless reload inside). */
  readonly sentInWindow: number;
  readonly failedInWindow: number;
  /** The whole load run around it. */
  readonly sent: number;
  readonly failed: number;
}

export interface BenchReport {
  readonly schema: typeof BENCH_SCHEMA;
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly load: { readonly ratePerSecond: number; readonly postRatio: number; readonly connections: number; readonly timeoutMs: number; readonly longLived: LongLivedLoad };
  readonly methods: MethodResult[];
  /** Ratios of each other method's figures to (a)'s, keyed by method id. */
  readonly ratios: Partial<Record<MethodId, MethodRatios>>;
  /** DigitalOcean API calls of one cutover by the switch ((a)'s cutover). */
  readonly apiCallsPerCutover: number | null;
  readonly unitTests: TimedCommand | null;
  readonly synth: TimedCommand | null;
  readonly swarm: SwarmFindings | null;
  /** null when (a) did not run, or with the reason when the measurement failed. */
  readonly https: HttpsFigures | { readonly error: string } | null;
  readonly benchSeconds: number;
}
