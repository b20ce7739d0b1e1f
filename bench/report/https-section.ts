/** docs/benchmarks.md's HTTPS section and the run summary's HTTPS line, from the report's `https` figures. */
import type { BenchReport, HttpsFigures } from "../model";
import { markdownTable, ms, num } from "./format";

const measured = (h: BenchReport["https"]): h is HttpsFigures => !!h && !("error" in h);

export function httpsSection(report: BenchReport): string[] {
  const h = report.https;
  if (!h) return [];
  const head = ["## HTTPS (TLS=auto, the lab's Pebble as the CA)", ""];
  if (!measured(h)) return [...head, `Not measured in this run: ${h.error}.`, ""];
  const { http, https, p99Ratio } = h.latency;
  const r = h.renewal;
  const renewalRows: string[][] =
    "error" in r
      ? [["Failed requests across the renewal (goal 0)", `not measured: ${r.error}`]]
      : [
          ["Failed requests across the renewal (goal 0)", `${num(r.failedInWindow)} of ${num(r.sentInWindow)} in its window (until ${num(r.settleMs)} ms after certbot returned); ${num(r.failed)} of ${num(r.sent)} in the whole load run`],
          ["Renewal", `${r.renewed ? "a new certificate is served" : "NOT renewed"} (certbot exit ${r.certbotExit}, ${num(r.ms)} ms)`],
        ];
  return [
    ...head,
    "Measured after (a), in the same lab, while the switch's release serves. *Latency*: the same open-model load of short GETs and POSTs (no long-lived requests), " +
      `first over plain HTTP through a side entrance on the balancer (the project's haproxy.cfg with TLS off, port ${h.latency.plainHttpPort}, the same reserved IP behind it), then over HTTPS through the lab's entry, each counted over ${num(h.latency.runMs / 1000, 1)} s after a ${num(h.latency.warmUpMs / 1000, 1)} s warm-up (so the keep-alive connections and their TLS handshakes exist). ` +
      "*Renewal*: `certbot renew --force-renewal` on the balancer under the bench's load, long-lived requests included; its deploy hook builds HAProxy's PEM and reloads HAProxy hitlessly.",
    "",
    markdownTable(
      ["Figure", "Value"],
      [
        ["Balancer boot (HAProxy start) to the CA's certificate served", `${num(h.certificateServedMs)} ms`],
        ["p50 / p99 latency, plain HTTP", `${ms(http.p50Ms)} / ${ms(http.p99Ms)} ms (${num(http.failed)} of ${num(http.sent)} failed)`],
        ["p50 / p99 latency, HTTPS", `${ms(https.p50Ms)} / ${ms(https.p99Ms)} ms (${num(https.failed)} of ${num(https.sent)} failed)`],
        ["p99 HTTPS ÷ p99 plain HTTP", p99Ratio === null ? "-" : `${num(p99Ratio, 2)}×`],
        ...renewalRows,
      ],
    ),
  ];
}

export function httpsSummary(report: BenchReport): string {
  const h = report.https;
  if (!h) return "";
  if (!measured(h)) return `HTTPS: not measured (${h.error})\n`;
  const { http, https, p99Ratio } = h.latency;
  const r = h.renewal;
  const renewal = "error" in r ? `renewal not measured (${r.error})` : `renewal: ${r.failedInWindow} of ${r.sentInWindow} failed in its window, ${r.renewed ? "renewed" : "NOT renewed"}`;
  return `HTTPS: certificate served ${h.certificateServedMs} ms after boot; p99 ${ms(https.p99Ms)} ms over HTTPS vs ${ms(http.p99Ms)} ms plain (${p99Ratio ?? "-"}×); ${renewal}\n`;
}
