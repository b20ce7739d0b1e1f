import { renderTable } from "../../lab/report";
import type { BenchReport, MethodResult } from "../model";
import { rollbackCommandMs } from "./flip-table";
import { httpsSummary } from "./https-section";

/** (a)'s flip figures on one line; null when (a) has none. */
export function flipSummary(a: MethodResult | undefined): string | null {
  if (!a?.flips) return null;
  const { cutover, rollback } = a.flips;
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? "-" : `${v} ms`);
  const closed = a.sessionsClosedAtDrainDeadline;
  const ll = a.load?.longLived;
  return (
    `(a) flips: cutover ${cutover ? `${cutover.mixedVersionAnswers} mixed, all v2 ${ms(cutover.msToAllTarget)} after the start, ${ms(cutover.msFromGateToAllNew)} after the gate` : "-"}; ` +
    `rollback ${rollback ? `${rollback.mixedVersionAnswers} mixed, all v1 ${ms(rollback.msToAllTarget)} after the start` : "-"}, command ${ms(rollbackCommandMs(a))} (simulated action ${ms(a.simulatedActionMs)}); ` +
    `long-lived failed: slow ${ll?.slow.failed ?? "-"}, upload ${ll?.upload.failed ?? "-"}, stream ${ll?.stream.failed ?? "-"}; ` +
    `streams closed at the drain deadline ${closed ? `${closed.cutover ?? "-"} + ${closed.rollback ?? "-"}` : "-"}\n`
  );
}

/** The plain-text table printed at the end of a run (the markdown report has the details). */
export function renderBenchSummary(report: BenchReport): string {
  const rows = report.methods.map((m) => [
    m.id,
    m.outcome,
    m.load?.sent,
    m.load?.failed,
    m.cutover?.window.failed,
    m.cutover?.window.p99Ms === undefined || m.cutover?.window.p99Ms === null ? null : Math.round(m.cutover.window.p99Ms),
    m.cutover?.window.maxMs === undefined || m.cutover?.window.maxMs === null ? null : Math.round(m.cutover.window.maxMs),
    m.cutover?.timeToTargetSeconds,
    m.cutover?.mixedVersionAnswers,
    m.rollback?.commandSeconds,
    report.ratios[m.id]?.failed.display,
  ]);
  return (
    "\n" +
    renderTable(["method", "outcome", "sent", "failed", "failed in window", "p99 ms", "max ms", "s to v2", "mixed", "rollback s", "failed ÷ (a)"], rows) +
    (flipSummary(report.methods.find((m) => m.id === "a")) ?? "") +
    httpsSummary(report) +
    `DO API calls per cutover: ${report.apiCallsPerCutover ?? "-"}; npm run test:unit ${report.unitTests ? `${report.unitTests.seconds} s` : "-"}; npm run synth ${report.synth ? `${report.synth.seconds} s` : "-"}\n`
  );
}
