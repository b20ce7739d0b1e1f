import { httpsSection, httpsSummary } from "../../../bench/report/https-section";
import { renderMarkdown } from "../../../bench/report/markdown";
import { report } from "../fixtures";

describe("the bench's HTTPS figures", () => {
  const page = httpsSection(report()).join("\n");

  it.each([
    ["what ran", "port 8083, the same reserved IP behind it), then over HTTPS through the lab's entry, each counted over 10.0 s after a 2.0 s warm-up"],
    ["boot to certificate", "| Balancer boot (HAProxy start) to the CA's certificate served | 4,210 ms |"],
    ["plain HTTP latency", "| p50 / p99 latency, plain HTTP | 1.2 / 4.5 ms (0 of 10,000 failed) |"],
    ["HTTPS latency", "| p50 / p99 latency, HTTPS | 1.6 / 6.3 ms (0 of 10,000 failed) |"],
    ["the p99 ratio", "| p99 HTTPS ÷ p99 plain HTTP | 1.40× |"],
    ["failures across the renewal beside the goal", "| Failed requests across the renewal (goal 0) | 0 of 2,500 in its window (until 6,000 ms after certbot returned); 0 of 6,000 in the whole load run |"],
    ["the renewal's outcome", "| Renewal | a new certificate is served (certbot exit 0, 2,400 ms) |"],
  ])("GIVEN measured HTTPS figures WHEN rendered THEN the section shows %s", (_what, text) => {
    expect(page).toContain(text);
  });

  it.each([
    ["not measured (no (a))", null, [], ""],
    ["failed", { error: "certbot exited 1" }, ["Not measured in this run: certbot exited 1."], "HTTPS: not measured (certbot exited 1)\n"],
  ])("GIVEN HTTPS %s WHEN rendered THEN the page and the summary say so and invent nothing", (_case, https, lines, summary) => {
    const r = report({ https });
    expect(httpsSection(r).filter((l) => !l.startsWith("#") && l !== "")).toEqual(lines);
    expect(httpsSummary(r)).toBe(summary);
  });

  it("GIVEN latency measured but the renewal not WHEN rendered THEN the latency rows stay and the renewal row gives the reason", () => {
    const base = report();
    const https = { ...(base.https as Exclude<typeof base.https, null | { error: string }>), renewal: { error: "no TLS handshake within 5 s" } };
    const section = httpsSection(report({ https })).join("\n");
    expect(section).toContain("| p99 HTTPS ÷ p99 plain HTTP | 1.40× |");
    expect(section).toContain("| Failed requests across the renewal (goal 0) | not measured: no TLS handshake within 5 s |");
    expect(httpsSummary(report({ https }))).toMatch(/renewal not measured \(no TLS handshake within 5 s\)/);
  });

  it("GIVEN a renewal that did not renew WHEN summarised THEN the line says NOT renewed with the window's failures", () => {
    const base = report();
    const https = { ...(base.https as Exclude<typeof base.https, null | { error: string }>) };
    const renewal = https.renewal as Exclude<typeof https.renewal, { error: string }>;
    const r = report({ https: { ...https, renewal: { ...renewal, renewed: false, failedInWindow: 3 } } });
    expect(httpsSummary(r)).toMatch(/renewal: 3 of 2500 failed in its window, NOT renewed/);
  });

  it("GIVEN a report WHEN the page is rendered THEN the HTTPS section sits after the other figures", () => {
    const full = renderMarkdown(report());
    expect(full.indexOf("## Other figures")).toBeLessThan(full.indexOf("## HTTPS"));
    expect(full.indexOf("## HTTPS")).toBeLessThan(full.indexOf("## Charts and notes per method"));
  });
});
