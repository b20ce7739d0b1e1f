/**
 * docs/benchmarks.md, rendered from one BenchReport. Pure: every number in the page comes from the
 * report, so the page is regenerated, never edited.
 */
import type { Ratio } from "../measure/ratios";
import type { BenchReport, MethodResult } from "../model";

export function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly boolean[] = []): string {
  const align = header.map((_, i) => (rightAligned[i] ? "---:" : "---"));
  const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(header), `|${align.join("|")}|`, ...rows.map(line)].join("\n") + "\n";
}

/** Integers with separators; milliseconds with one decimal under 10; "-" when absent. */
export function num(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined) return "-";
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return value < 10 ? num(value, 1) : num(Math.round(value));
}

export function seconds(value: number | null | undefined, whenNull = "-"): string {
  return value === null || value === undefined ? whenNull : num(value, 1);
}

function ratioCell(r: Ratio | undefined): string {
  if (!r) return "-";
  return r.reason ? `${r.display} (${r.reason})` : r.display;
}

const OUTCOME: Record<MethodResult["outcome"], string> = {
  measured: "ran",
  "did-not-complete": "never served v2",
  error: "bench error",
  "not-run": "not run",
};

const NO_RATIO: Record<MethodResult["outcome"], string> = {
  measured: "n/a: not measured",
  "did-not-complete": "n/a: never served v2",
  error: "n/a: not measured",
  "not-run": "n/a: not run",
};

function resultRow(m: MethodResult): string[] {
  const c = m.cutover;
  const r = m.rollback;
  const toNew = c ? seconds(c.timeToTargetSeconds, "never (in the observed time)") : m.outcome === "did-not-complete" ? "never" : "-";
  return [
    m.title,
    OUTCOME[m.outcome],
    num(m.load?.sent),
    m.load ? `${num(m.load.failed)} (${num(m.load.non2xx)} non-2xx, ${num(m.load.socketErrors)} socket)` : "-",
    c ? num(c.window.failed) : "-",
    c ? ms(c.window.p99Ms) : "-",
    c ? ms(c.window.maxMs) : "-",
    toNew,
    c ? seconds(c.commandSeconds) : "-",
    r ? `${seconds(r.commandSeconds)} (v1 everywhere after ${seconds(r.timeToTargetSeconds, "never")} s; ${num(r.window.failed)} failed)` : "n/a (no rollback)",
    m.apiCalls.cutover === null ? "-" : num(m.apiCalls.cutover) + (m.apiCalls.rollback ? ` (+${num(m.apiCalls.rollback)} rollback)` : ""),
  ];
}

/** One factual sentence per method, from the same figures as the table. */
export function inShort(m: MethodResult): string {
  const c = m.cutover;
  if (m.outcome === "error") return `- ${m.title}: not measured (${m.notes[0] ?? "the bench could not run it"}).`;
  if (m.outcome === "not-run") return `- ${m.title}: not run (${m.notes[0] ?? "a tool it needs could not be had"}).`;
  if (m.outcome === "did-not-complete" || !c) return `- ${m.title}: never served v2${m.load ? `; ${num(m.load.failed)} of ${num(m.load.sent)} requests failed meanwhile` : ""}.`;
  const toNew = c.timeToTargetSeconds === null ? "never served v2 to every request in the observed time" : `v2 answered every request ${seconds(c.timeToTargetSeconds)} s after the command started`;
  const rollback = m.rollback ? `; rollback: ${num(m.rollback.window.failed)} failed, v1 everywhere after ${seconds(m.rollback.timeToTargetSeconds, "never")} s` : "";
  return `- ${m.title}: ${num(c.window.failed)} of ${num(c.window.sent)} requests failed in the switch window, max latency ${ms(c.window.maxMs)} ms; ${toNew}${rollback}.`;
}

/** "a GET /slow every 1,000 ms (held 5 s by the app), a 1 MiB POST /upload every 1,000 ms and 4 server-sent-event streams ...". */
export function longLivedLoad(l: BenchReport["load"]["longLived"]): string {
  const short = (value: number) => num(value, Number.isInteger(value) ? 0 : 1);
  const parts: string[] = [];
  if (l.slowEveryMs > 0) parts.push(`a GET /slow every ${num(l.slowEveryMs)} ms (held ${short(l.slowAnswerMs / 1000)} s by the app)`);
  if (l.uploadEveryMs > 0) parts.push(`a ${short(l.uploadBytes / (1024 * 1024))} MiB POST /upload every ${num(l.uploadEveryMs)} ms`);
  if (l.streams > 0) parts.push(`${num(l.streams)} server-sent-event streams (GET /events) held open for the whole run, each reopened when it closes`);
  if (parts.length === 0) return "none";
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

function kib(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : `${num(value / 1024, 1)} MiB`;
}

function timed(t: BenchReport["unitTests"]): string {
  if (!t) return "not measured in this run";
  const outcome = t.exitCode === 0 ? "exit 0" : `exit ${t.exitCode ?? "none"}: ${t.failure ?? "failed"}`;
  return `${seconds(t.seconds)} s (${outcome})`;
}

export function renderMarkdown(report: BenchReport): string {
  const { machine, load } = report;
  const a = report.methods.find((m) => m.id === "a");
  const out: string[] = [];
  out.push(
    "# Benchmarks",
    "",
    `<!-- Generated by \`${report.command}\` (bench/report/markdown.ts). Do not edit: re-run the bench. -->`,
    "",
    "Every figure below comes from **one run** of the command, on one machine, in the local lab (network namespaces as droplets, real dockerd, HAProxy, registry and a DigitalOcean API simulator; see docs/lab.md). " +
      "Each method switches the same app from `demo:v1` to `demo:v2` (same images, same droplets) under the same open-model load. The benchmark reports; it does not assert.",
    "",
    "## How it was run",
    "",
    `- Command: \`${report.command}\``,
    `- Date: ${report.date}`,
    `- Machine: nproc ${machine.nproc}, ${num(machine.memoryGiB, 1)} GiB memory, kernel ${machine.kernel}, Node ${machine.node}, CPU ${machine.cpuModel}; 1-minute load average ${num(machine.loadAverage1m, 2)} when the bench started (the tool timings ran first, then the lab)`,
    `- Load: fixed arrival rate of ${num(load.ratePerSecond)} requests/s (open model: requests are issued on schedule whether or not earlier ones were answered), ` +
      `${num(load.postRatio * 100)}% POST /echo and the rest GET /, up to ${num(load.connections)} keep-alive connections, a request unanswered after ${num(load.timeoutMs)} ms counts as failed. ` +
      "Lab addresses only (198.18.0.0/15).",
    `- Long-lived requests, the same for every method, beside that load on their own connections: ${longLivedLoad(load.longLived)}. ` +
      "They count in sent and failed like any request (a stream the server side closed after its first event is counted as closed, not failed); latency percentiles are the short requests' alone.",
    `- Whole bench: ${seconds(report.benchSeconds)} s.`,
    "- Reproduce: `npm run bench` as root on Linux, with the lab's Debian packages (`bash scripts/install-debian-packages.sh`); add `-- --json` for the figures as one JSON object on the last line.",
    "",
    "## In short",
    "",
    ...report.methods.map(inShort),
    "",
    "## Results",
    "",
    "Failed = non-2xx answers plus requests with no answer (socket error or timeout). The *switch window* runs from the method's command start until the command returned or every request was answered by the new version, whichever is later; p99 and max latency are over the requests that started in it. " +
      "*s to new version* is from command start until the new version answered every request: the first answer of the uninterrupted run of successful v2 answers that lasts to the end of the observation (answers, not request starts, so requests the balancer held while nothing listened count when they are served). " +
      "*Command s* is the method's own command (for (a) the switch process, for Swarm until `UpdateStatus` is completed, for kamal-proxy from `docker pull` of v2 until `docker stop` of v1 returned); *Rollback s* likewise, with the time until v1 answered everything and the failures of the rollback's window.",
    "",
    markdownTable(
      ["Method", "Outcome", "Sent", "Failed (whole load run)", "Failed in switch window", "p99 ms (window)", "max ms (window)", "s to new version", "Command s", "Rollback s", "DO API calls"],
      report.methods.map(resultRow),
      [false, false, true, true, true, true, true, true, true, false, true],
    ),
    "## Ratios against (a), same run",
    "",
    "Method ÷ (a), on the cutover's switch window; lower is better for every column, so 10× means ten times worse than (a). " +
      "When (a) is 0 the ratio has no value: it is shown as ∞ (the method is above 0) or n/a (both are 0).",
    "",
  );
  const ratioRows = report.methods
    .filter((m) => m.id !== "a")
    .map((m) => {
      const r = report.ratios[m.id];
      if (!r) return [m.title, NO_RATIO[m.outcome], "-", "-", "-"];
      return [m.title, ratioCell(r.failed), ratioCell(r.windowP99), ratioCell(r.windowMax), ratioCell(r.timeToNewVersion)];
    });
  out.push(
    a?.outcome === "measured"
      ? markdownTable(["Method", "Failed in window", "p99 latency", "max latency", "s to new version"], ratioRows)
      : `(a) was not measured in this run (${a ? a.notes.join("; ") : "not run"}), so there are no ratios.\n`,
    "## Other figures",
    "",
    markdownTable(
      ["Figure", "Value"],
      [
        ["DigitalOcean API calls per cutover (a), from the simulator's request log", a?.apiCalls.cutover === null || a?.apiCalls.cutover === undefined ? "-" : `${num(a.apiCalls.cutover)} (rollback: ${num(a.apiCalls.rollback)})`],
        ["`npm run test:unit` wall time", timed(report.unitTests)],
        ["`npm run synth` (cdktf synth) wall time", timed(report.synth)],
        ["Switch peak memory (VmHWM of the switch process, sampled from /proc every 20 ms)", a?.peakRssKiB ? `cutover ${kib(a.peakRssKiB.cutover)}, rollback ${kib(a.peakRssKiB.rollback)}` : "-"],
      ],
    ),
  );
  if (report.swarm) {
    const s = report.swarm;
    out.push("## (d) Docker Swarm start-first: what this run observed", "", s.reason || "The bench could not observe the attempts in this run; see the notes of (d) below.", "");
    if (s.ingress) {
      out.push(
        `- Routing mesh: tasks ${s.ingress.taskStates.map((t) => `\`${t}\``).join(", ") || "none"}; port answered: ${s.ingress.portAnswered ? "yes" : `no (${s.ingress.probeError ?? "no answer"})`}; /proc/net/ip_vs present: ${s.ingress.ipvsInKernel ? "yes" : "no"}; NAT rules for the port in the node's namespace: ${s.ingress.natRulesForPort}.`,
      );
      for (const line of s.ingress.dockerdLog) out.push(`- dockerd: \`${line}\``);
    }
    if (s.hostModeStartFirst) {
      const h = s.hostModeStartFirst;
      out.push(
        `- Host mode, start-first: after ${seconds(h.waitedSeconds)} s the update was \`${h.updateState ?? "unknown"}\` (${h.updateMessage ?? "no message"}); new task errors: ${[...new Set(h.newTaskErrors)].map((e) => `\`${e}\``).join(", ") || "none"}; answers after the update began: ${Object.entries(h.versionsServed).map(([v, n]) => `${v} ${num(n)}`).join(", ") || "none"}.`,
      );
    }
    out.push(`- Swarm left and its bridge removed afterwards: ${s.cleanedUp ? "yes" : "NO (the lab teardown removed the engine's data root)"}.`, "");
  }
  out.push("## Charts and notes per method", "", "Requests per 100 ms by the version that answered; failures in red; dashed lines mark the method's steps.", "");
  for (const m of report.methods) {
    out.push(`### ${m.title}`, "");
    for (const chart of m.charts) out.push(`![${escapeCell(m.title)}](${chart})`, "");
    const reasons = m.load ? Object.entries(m.load.failureReasons) : [];
    if (reasons.length) out.push(`Failures by reason: ${reasons.map(([k, v]) => `${k} ${num(v)}`).join(", ")}.`, "");
    for (const note of m.notes) out.push(`- ${note}`);
    if (m.notes.length) out.push("");
  }
  out.push(
    "## What each method does",
    "",
    "- **(a) this project's switch**: `npm run switch -- --image demo:v2`, then `npm run switch -- rollback`, the real CLI as a subprocess against the lab (start v2 on the idle droplet, health gate, route to it through HAProxy's spare slot, drain, move the floating IP, verify). Load goes through the lab's HAProxy with the project's config. Before the load, a first `--image demo:v1` deploys v1.",
    "- **(b) the seed design's method**: a second HAProxy in the balancer droplet with the naive config (`server floatingIP <floating ip>:8080 check`, HAProxy defaults, Debian's stock timeouts); `docker pull` and `docker run` v2 on the idle droplet, wait for its health path, then one plain `assign` of the floating IP through the DigitalOcean API (polled every 500 ms until completed), no drain. Load goes through that naive HAProxy.",
    "- **(c) in place**: on the PROD droplet, which holds the floating IP: `docker pull` v2, `docker rm -f` the running app, `docker run` v2 (host network, port 8080), as the seed's update script does. Load goes through the lab's HAProxy with the project's config.",
    "- **(d) Docker Swarm**: a single-node swarm on a dedicated dockerd in the FALLBACK droplet's namespace (Docker's defaults: iptables on, a default bridge; every address from 198.19.0.0/16; the lab's own engines run `--bridge=none --iptables=false`, which would leave published ports unmapped), a service with a healthcheck (`wget` of /health every 1 s), `--update-order start-first --update-failure-action rollback`, then `docker service update --image demo:v2`, first with the routing mesh (Swarm's default publish mode), then with host-mode publish under load. Load goes through a second HAProxy with the project's config aimed at the swarm node. The stop-first row is a labelled variant, not the method the issue asks for: the Swarm rolling update that can run on one node here, with `docker service rollback`.",
    "- **(e) kamal-proxy, as Kamal runs it**: kamal-proxy v0.9.2 (what Kamal 2.12 requires), built with `go install github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2` by scripts/install-kamal-proxy.sh. `kamal-proxy run` listens on the PROD droplet's app port (8080), where the lab's HAProxy sends the floating IP's traffic, so the load path is (a)'s and (c)'s. " +
      "Kamal runs the proxy and the apps in containers on its `kamal` network; the lab's engines have no bridge networking, so here the proxy is the same binary in the droplet's namespace and each version a host-network container on its own port (v1 :3001, v2 :3002). " +
      "Without load, v1 and `kamal-proxy deploy demo-web --target 127.0.0.1:3001`; under load, Kamal's boot: `docker pull` and `docker run` v2 beside v1, `kamal-proxy deploy demo-web --target 127.0.0.1:3002` with the options Kamal passes (`--deploy-timeout=30s --drain-timeout=30s --health-check-path=/health --buffer-requests --buffer-responses` and its logged headers), then `docker stop` v1. No rollback is measured. " +
      "When kamal-proxy cannot be built, (e) is reported as not run with the script's error; nothing else stands in for it.",
    "",
  );
  return out.join("\n");
}
