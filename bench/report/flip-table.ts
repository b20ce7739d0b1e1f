/**
 * The flip figures of every method beside the issue's goals, as one table (a row per figure, a column per method),
 * and (a)'s rollback duration beside the simulated reserved-IP action time. Pure: every value comes from the report.
 * The goals are stated, not checked: the figures are measured, never asserted.
 */
import type { SwitchFigures } from "../measure/analysis";
import type { BenchReport, MethodResult } from "../model";
import { markdownTable, ms, num } from "./format";

/** The issue's goals for a flip under load. */
export const FLIP_GOALS = {
  /** Old-version answers to requests sent after the first new-version answer, cutover and rollback. */
  mixedVersionAnswers: 0,
  /** From the health gate passing until every later request is answered by the new version. */
  msFromGateToAllNew: 500,
  /** From the rollback command's start until every later request is answered by the previous version. */
  msToAllPrevious: 1500,
  /** The rollback command may take at most this much longer than the reserved-IP action it waits for. */
  rollbackMsBeyondAction: 2000,
  /** DigitalOcean API requests per switch run. */
  apiCalls: 10,
  /** Failed requests of every kind (slow, upload and stream included). */
  failed: 0,
} as const;

const NO_ROLLBACK = "n/a (no rollback)";

/** "(a)", "(d) stop-first": a short column header per method (the titles are in the other tables). */
export function methodLabel(m: Pick<MethodResult, "id">): string {
  const [letter, ...variant] = m.id.split("-");
  return `(${letter})${variant.length ? ` ${variant.join("-")}` : ""}`;
}

/** Ms from the command's start until the target version answered every later request; null when it never did. */
export function msToAll(f: SwitchFigures): number | null {
  return f.servingAtMs === null ? null : Math.round(Math.max(0, f.servingAtMs - f.window.fromMs));
}

/** (a)'s from the flip figures; for the others from their rollback's switch figures (the same marks). */
export function rollbackCommandMs(m: MethodResult): number | null {
  return m.flips?.rollback?.commandMs ?? (m.rollback ? Math.round(m.rollback.commandSeconds * 1000) : null);
}

function toAll(f: SwitchFigures | null, whenNone: string): string {
  if (!f) return whenNone;
  const value = msToAll(f);
  return value === null ? "never (in the observed time)" : ms(value);
}

function longLivedCell(m: MethodResult, kind: "slow" | "upload" | "stream"): string {
  const c = m.load?.longLived[kind];
  return c ? `${num(c.failed)} of ${num(c.sent)}` : "-";
}

interface FlipRow {
  readonly figure: string;
  readonly goal: (report: BenchReport) => string;
  readonly cell: (m: MethodResult) => string;
}

const goal = (text: string) => () => text;

/** The rows, in the order the issue lists the figures. */
export const FLIP_ROWS: readonly FlipRow[] = [
  {
    figure: "Mixed-version answers, cutover (v1 answers to requests sent after the first v2 answer)",
    goal: goal(num(FLIP_GOALS.mixedVersionAnswers)),
    cell: (m) => (m.cutover ? num(m.cutover.mixedVersionAnswers) : "-"),
  },
  {
    figure: "Mixed-version answers, rollback (v2 answers to requests sent after the first v1 answer)",
    goal: goal(num(FLIP_GOALS.mixedVersionAnswers)),
    cell: (m) => (m.rollback ? num(m.rollback.mixedVersionAnswers) : NO_ROLLBACK),
  },
  {
    figure: "msToAllNew: from the command's start until every later request was answered by v2",
    goal: goal("none set"),
    cell: (m) => toAll(m.cutover, m.outcome === "did-not-complete" ? "never" : "-"),
  },
  {
    figure: "msFromGateToAllNew: from the health gate passing until every later request was answered by v2",
    goal: goal(`≤ ${num(FLIP_GOALS.msFromGateToAllNew)} ms`),
    cell: (m) => (m.flips ? (m.flips.cutover ? ms(m.flips.cutover.msFromGateToAllNew) : "-") : "n/a (no gate step)"),
  },
  {
    figure: "msToAllPrevious: from the rollback command's start until every later request was answered by v1",
    goal: goal(`≤ ${num(FLIP_GOALS.msToAllPrevious)} ms`),
    cell: (m) => toAll(m.rollback, NO_ROLLBACK),
  },
  {
    figure: "Rollback command ms (for (a), the simulated reserved-IP action time beside it)",
    goal: (report) => {
      const action = report.methods.find((m) => m.simulatedActionMs !== undefined)?.simulatedActionMs;
      const beyond = num(FLIP_GOALS.rollbackMsBeyondAction);
      return action === undefined ? `≤ action time + ${beyond} ms` : `≤ ${num(action + FLIP_GOALS.rollbackMsBeyondAction)} ms (action ${num(action)} ms + ${beyond} ms)`;
    },
    cell: (m) => {
      const command = rollbackCommandMs(m);
      if (command === null) return m.rollback || m.flips ? "-" : NO_ROLLBACK;
      return m.simulatedActionMs === undefined ? ms(command) : `${ms(command)} (action ${num(m.simulatedActionMs)} ms)`;
    },
  },
  {
    figure: "DigitalOcean API calls, cutover",
    goal: goal(`≤ ${num(FLIP_GOALS.apiCalls)}`),
    cell: (m) => num(m.apiCalls.cutover),
  },
  {
    figure: "DigitalOcean API calls, rollback",
    goal: goal(`≤ ${num(FLIP_GOALS.apiCalls)}`),
    cell: (m) => (m.apiCalls.rollback !== null ? num(m.apiCalls.rollback) : m.rollback ? "-" : NO_ROLLBACK),
  },
  {
    figure: "Failed requests, whole load run (every kind: short, slow, upload and stream)",
    goal: goal(num(FLIP_GOALS.failed)),
    cell: (m) => num(m.load?.failed),
  },
  { figure: "… of which slow requests (failed of sent)", goal: goal(num(FLIP_GOALS.failed)), cell: (m) => longLivedCell(m, "slow") },
  { figure: "… of which uploads (failed of sent)", goal: goal(num(FLIP_GOALS.failed)), cell: (m) => longLivedCell(m, "upload") },
  { figure: "… of which streams (failed of sent)", goal: goal(num(FLIP_GOALS.failed)), cell: (m) => longLivedCell(m, "stream") },
  {
    figure: "Streams the switch closed at the drain deadline (SWITCH_DRAIN_TIMEOUT_SECONDS), cutover + rollback; not failures",
    goal: goal("reported"),
    cell: (m) => {
      const closed = m.sessionsClosedAtDrainDeadline;
      return closed ? `${num(closed.cutover)} + ${num(closed.rollback)}` : "n/a (no drain deadline)";
    },
  },
  {
    figure: "Streams the server side closed after their first event (the load's count); not failures",
    goal: goal("reported"),
    cell: (m) => num(m.load?.longLived.stream.closedByServer),
  },
];

/** The flip figures table: a row per figure, its goal, then a column per method. */
export function flipTable(report: BenchReport): string {
  const header = ["Figure", "Goal", ...report.methods.map(methodLabel)];
  const rows = FLIP_ROWS.map((row) => [row.figure, row.goal(report), ...report.methods.map((m) => (m.outcome === "error" || m.outcome === "not-run" ? "-" : row.cell(m)))]);
  return markdownTable(header, rows, [false, false, ...report.methods.map(() => true)]);
}

/** One sentence: (a)'s rollback command time beside the simulated reserved-IP action time it waits for; both reported. */
function streamsClosed(a: MethodResult): string {
  const closed = a.sessionsClosedAtDrainDeadline?.rollback;
  if (closed === null || closed === undefined) return "the run did not say how many were";
  return closed === 0 ? "none was in this rollback" : `${num(closed)} were in this rollback`;
}

export function rollbackBesideAction(a: MethodResult | undefined): string | null {
  if (!a || a.simulatedActionMs === undefined) return null;
  const action = a.simulatedActionMs;
  const command = rollbackCommandMs(a);
  const goalText = `goal: at most ${num(FLIP_GOALS.rollbackMsBeyondAction)} ms more, ${num(action + FLIP_GOALS.rollbackMsBeyondAction)} ms in all`;
  if (command === null) return `(a) has no rollback command time in this run; the lab simulator's reserved-IP action takes ${num(action)} ms (${goalText}).`;
  const beyond = command - action;
  const relation = beyond >= 0 ? `${num(beyond)} ms more than the action` : `${num(-beyond)} ms less than the action`;
  const drain = a.rollbackDrainMs;
  const drained =
    drain === null || drain === undefined
      ? ""
      : ` Of that, the \`drain\` step took ${num(drain)} ms: the wait for the requests still in flight on the slot the reserved IP leaves (moving the IP breaks their connections), the 5 s slow requests, the uploads and the streams, which are closed only at SWITCH_DRAIN_TIMEOUT_SECONDS (${streamsClosed(a)}); the rest of the command took ${num(command - drain)} ms.`;
  return `(a)'s rollback command took ${num(command)} ms; the lab simulator's reserved-IP action, which the rollback's IP move waits for, takes ${num(action)} ms: the command took ${relation} (${goalText}).${drained}`;
}
