import type { RequestSample } from "../../lab/load/types";
import type { SwitchFigures } from "../../bench/measure/analysis";
import type { FlipFigures } from "../../lab/demo/flip-report";
import type { LongLivedCounts } from "../../lab/load/stats";
import { BENCH_LONG_LIVED } from "../../bench/methods/load-phase";
import { BENCH_SCHEMA, type BenchReport, type LoadFigures, type MethodResult } from "../../bench/model";

/** A request starting at `startMs` that took `latencyMs`; 200 from `version`. */
export function ok(startMs: number, version: string, latencyMs = 1): RequestSample {
  return { startMs, endMs: startMs + latencyMs, method: "GET", status: 200, version };
}

export function reset(startMs: number, latencyMs = 1): RequestSample {
  return { startMs, endMs: startMs + latencyMs, method: "GET", status: null, error: "ECONNRESET" };
}

export function status(startMs: number, code: number, version = "v1"): RequestSample {
  return { startMs, endMs: startMs + 1, method: "GET", status: code, version };
}

/** A long-lived request of `kind` starting at `startMs`, answered 200 by `version` after `latencyMs`. */
export function longLived(kind: "slow" | "upload" | "stream", startMs: number, version: string, latencyMs = 5000, over: Partial<RequestSample> = {}): RequestSample {
  return { startMs, endMs: startMs + latencyMs, method: kind === "upload" ? "POST" : "GET", status: 200, version, kind, ...(kind === "stream" ? { events: 3, streamEnd: "client" as const } : {}), ...over };
}

/** Long-lived counts with every kind sent and answered `sent` times, none failed, unless overridden. */
export function longLivedFigures(over: Partial<LongLivedCounts> = {}, sent = 100): LongLivedCounts {
  const plain = { sent, ok: sent, failed: 0 };
  return { slow: plain, upload: plain, stream: { sent: 4, ok: 4, failed: 0, opened: 4, closedByServer: 0 }, ...over };
}

export function loadOf(over: Partial<LoadFigures> = {}): LoadFigures {
  return { sent: 10_000, failed: 0, non2xx: 0, socketErrors: 0, failureReasons: {}, longLived: longLivedFigures(), ...over };
}

export function figures(over: Partial<SwitchFigures["window"]> & { timeToTargetSeconds?: number | null; commandSeconds?: number; mixedVersionAnswers?: number } = {}): SwitchFigures {
  const { timeToTargetSeconds = 1.5, commandSeconds = 2, mixedVersionAnswers = 0, ...window } = over;
  return {
    window: { sent: 100, ok: 100, failed: 0, non2xx: 0, socketErrors: 0, p50Ms: 1, p99Ms: 20, maxMs: 40, rps: 1000, fromMs: 2000, toMs: 4000, ...window },
    commandSeconds,
    servingAtMs: timeToTargetSeconds === null ? null : 2000 + timeToTargetSeconds * 1000,
    timeToTargetSeconds,
    mixedVersionAnswers,
  };
}

export function flip(over: Partial<FlipFigures> = {}): FlipFigures {
  return { mixedVersionAnswers: 0, msToAllTarget: 1500, msFromGateToAllNew: null, commandMs: 2000, apiCalls: 8, ...over };
}

export function method(over: Partial<MethodResult> & Pick<MethodResult, "id">): MethodResult {
  return {
    title: `(${over.id}) method`,
    outcome: "measured",
    notes: [],
    load: loadOf(),
    cutover: figures(),
    rollback: null,
    apiCalls: { cutover: 0, rollback: null },
    charts: [`benchmarks/${over.id}.svg`],
    ...over,
  };
}

export function report(over: Partial<BenchReport> = {}): BenchReport {
  return {
    schema: BENCH_SCHEMA,
    date: "2026-11-23T00:00:00.000Z",
    command: "npm run bench",
    machine: { nproc: 2, memoryGiB: 23.4, kernel: "6.1.0-test", node: "v20.20.2", cpuModel: "Test CPU", loadAverage1m: 0.42 },
    load: { ratePerSecond: 1000, postRatio: 0.2, connections: 64, timeoutMs: 5000, longLived: BENCH_LONG_LIVED },
    methods: [
      method({
        id: "a",
        rollback: figures({ timeToTargetSeconds: 0.8, commandSeconds: 2.9 }),
        apiCalls: { cutover: 15, rollback: 9 },
        flips: { cutover: flip({ msToAllTarget: 1500, msFromGateToAllNew: 320, commandMs: 2000, apiCalls: 15 }), rollback: flip({ msToAllTarget: 800, commandMs: 2900, apiCalls: 9 }) },
        simulatedActionMs: 1500,
        sessionsClosedAtDrainDeadline: { cutover: 4, rollback: 3 },
        peakRssKiB: { cutover: 131072, rollback: 126976 },
      }),
      method({ id: "b", cutover: figures({ failed: 64, socketErrors: 64, p99Ms: 30, maxMs: 220, timeToTargetSeconds: 2.2 }), load: loadOf({ sent: 8000, failed: 64, socketErrors: 64, failureReasons: { UND_ERR_SOCKET: 64 } }) }),
      method({ id: "d", outcome: "did-not-complete", cutover: null, charts: ["benchmarks/d.svg"] }),
    ],
    ratios: {},
    apiCallsPerCutover: 15,
    unitTests: { command: "npm run test:unit", seconds: 63.1, exitCode: 0 },
    synth: { command: "npm run synth", seconds: 10.7, exitCode: 0 },
    swarm: {
      reason: "start-first cannot hold one host-mode port twice on one node",
      ingress: { taskStates: ["bench-swarm.1 demo:v1 desired Running, Running 4 seconds ago"], portAnswered: false, probeError: "ECONNREFUSED", ipvsInKernel: false, natRulesForPort: 0, dockerdLog: ["Could not get ipvs family information"] },
      hostModeStartFirst: { waitedSeconds: 12, updateState: "updating", updateMessage: "update in progress", newTaskErrors: ["no suitable node (host-mode port already in use on 1 node)"], versionsServed: { v1: 12000 } },
      cleanedUp: true,
    },
    https: {
      certificateServedMs: 4210,
      latency: { http: { sent: 10000, failed: 0, p50Ms: 1.2, p99Ms: 4.5 }, https: { sent: 10000, failed: 0, p50Ms: 1.6, p99Ms: 6.3 }, p99Ratio: 1.4, runMs: 10000, warmUpMs: 2000, plainHttpPort: 8083 },
      renewal: { renewed: true, certbotExit: 0, ms: 2400, settleMs: 6000, sentInWindow: 2500, failedInWindow: 0, sent: 6000, failed: 0 },
    },
    benchSeconds: 240.5,
    ...over,
  };
}
