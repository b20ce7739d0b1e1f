/**
 * `npm run demo -- --json`, the README's main command, as a person runs it: a fresh lab, deploy, cutover under load,
 * a refused broken image, a rollback, a configuration-only release, a secret rotation, a refused migration, exec and
 * logs, maintenance on and off, a summary, a chart, and nothing left behind.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../../lab/lab";
import { ExecRunner } from "../../lab/runner";
import { discoverLabIndices } from "../../lab/discovery";
import type { DemoSummary } from "../../lab/demo/run-demo";
import { ensureLabPrerequisites } from "./support/lab-fixture";

jest.setTimeout(300_000);

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(REPO_ROOT, "lab/demo/cli.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => (stderr += d));
  return new Promise((ok, fail) => {
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr }));
  });
}

describe("npm run demo -- --json", () => {
  it("GIVEN a machine without a lab WHEN the demo runs THEN every phase behaves, 0 requests fail, the chart is written and no lab remains", async () => {
    ensureLabPrerequisites();
    const svg = join(mkdtempSync(join(tmpdir(), "demo-")), "timeline.svg");
    const run = await runDemo(["--json", "--rate", "300", "--svg", svg]);
    const summary = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as DemoSummary;
    if (run.code !== 0) throw new Error(`demo exited ${run.code}: ${run.stderr.trim().split("\n").slice(-5).join(" | ")}`);
    expect({
      ok: summary.ok,
      failed: summary.requests.failed,
      exitCodes: Object.fromEntries(Object.entries(summary.phases).map(([name, p]) => [name, p.exitCode])),
      answeredAfterCutover: Object.keys(summary.versionsAfterCutover),
      publicVersionAtEnd: summary.publicVersionAtEnd,
    }).toEqual({
      ok: true,
      failed: 0,
      exitCodes: { deploy: 0, cutover: 0, broken: 5, rollback: 0, "config-release": 0, "secret-rotation": 0, "hook-fails": 5, exec: 0, logs: 0, "maintenance-on": 0, "maintenance-off": 0 },
      answeredAfterCutover: ["v2"],
      publicVersionAtEnd: "v1",
    });
    // The maintenance page is counted apart from failures, and only inside its window (large uploads it cuts are reported apart).
    expect({ failed: summary.maintenance?.failed, pageAnswers: (summary.maintenance?.maintenancePage ?? 0) > 0 }).toEqual({ failed: 0, pageAnswers: true });
    expect(summary.requests.sent).toBeGreaterThan(1000);
    expect(summary.phases.cutover.apiCalls).toBeGreaterThan(0);
    expect({ cutover: summary.phases.cutover.apiCalls <= 10, rollback: summary.phases.rollback.apiCalls <= 10 }).toEqual({ cutover: true, rollback: true });
    // One version at a time, and the long-lived requests that span the flips all complete.
    expect({
      mixedVersionAnswers: [summary.flips.cutover?.mixedVersionAnswers, summary.flips.rollback?.mixedVersionAnswers],
      failedLongLived: [summary.longLived.slow.failed, summary.longLived.upload.failed, summary.longLived.stream.failed],
      slowAndUploadsSent: summary.longLived.slow.sent > 0 && summary.longLived.upload.sent > 0,
    }).toEqual({ mixedVersionAnswers: [0, 0], failedLongLived: [0, 0, 0], slowAndUploadsSent: true });
    // The forced renewal ran under the load: a new certificate served, and none of its window's requests failed.
    expect({ renewed: summary.renewal?.renewed, failed: summary.renewal?.failed, sent: (summary.renewal?.sent ?? 0) > 0 }).toEqual({ renewed: true, failed: 0, sent: true });
    expect(run.stdout).toMatch(/p50 ms\s+p99 ms\s+max ms/);
    expect(existsSync(svg) && readFileSync(svg, "utf8").startsWith("<svg")).toBe(true);
    // Other labs (other runs on this machine) may come and go; the demo's own must be gone.
    expect(await discoverLabIndices(new ExecRunner())).not.toContain(summary.lab);
    expect(summary.lab).toBeGreaterThan(0);
  });
});
