import { renderTable } from "../../lab/report";
import type { BenchReport } from "../model";

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
    m.rollback?.commandSeconds,
    report.ratios[m.id]?.failed.display,
  ]);
  return (
    "\n" +
    renderTable(["method", "outcome", "sent", "failed", "failed in window", "p99 ms", "max ms", "s to v2", "rollback s", "failed ÷ (a)"], rows) +
    `DO API calls per cutover: ${report.apiCallsPerCutover ?? "-"}; npm run test:unit ${report.unitTests ? `${report.unitTests.seconds} s` : "-"}; npm run synth ${report.synth ? `${report.synth.seconds} s` : "-"}\n`
  );
}
