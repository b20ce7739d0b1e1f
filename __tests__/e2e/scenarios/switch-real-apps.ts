import { createHash } from "node:crypto";
import { ExitCode } from "../../../core/errors";
import { maintenanceCounts, windowOf } from "../../../lab/load";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { underLoad, verdict } from "../support/load";
import { expectConverged, observeTruth } from "../support/truth";
import { CUTOVER_LOAD_RATE } from "./switch-cutover";

/** A multi-line secret, as a PEM key arrives from a masked CI/CD variable of type file. */
const PEM_SECRET = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBl0bGFiLWRlbW8tc2VjcmV0LWtleS1saW5lLTI\nbGFiLWRlbW8tc2VjcmV0LWtleS1saW5lLTM=\n-----END PRIVATE KEY-----";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Real apps: the lab's demo app goes through its bluegreen.config.ts (a clear value, a secret, a volume, a preSwitch
 * migration). Each test starts from the state the previous one left; ctx.current tracks the version serving.
 */
export function describeRealApps(ctx: SuiteContext): void {
  describe("real apps: configuration, secrets, volumes, hooks and operations", () => {
    const exec = (command: string[], on: "prod" | "fallback" = "prod", env: Record<string, string> = {}) => switchCli(ctx, ["exec", "--on", on, "--", ...command], { env });
    const imageOf = (version: string) => (version === "v1" ? images(ctx).v1 : images(ctx).v2);

    it("GIVEN a multi-line secret and a schema version WHEN a release goes live THEN the container has the secret intact, the clear value, and the schema the preSwitch hook wrote into its volume, and no output shows the secret", async () => {
      const next = otherVersion(ctx.current);
      const env = { DEMO_API_KEY: PEM_SECRET, LAB_DEMO_SCHEMA_VERSION: "2" };
      const run = await switchCli(ctx, ["--image", imageOf(next), "--json"], { env });
      if (run.code !== ExitCode.ok) throw new Error(`the cutover failed: ${tail(run)}`);
      ctx.current = next;
      const digest = await exec(["sh", "-c", 'printf %s "$DEMO_API_KEY" | sha256sum; printf "%s\\n" "$DEMO_GREETING"; cat /data/schema-version'], "prod", env);
      expect({ code: digest.code, lines: digest.stdout.trim().split("\n").map((l) => l.split(" ")[0]) }).toEqual({ code: 0, lines: [sha256(PEM_SECRET), "hello", "2"] });
      const status = await switchCli(ctx, ["status", "--json"], { env });
      const everything = run.stdout + run.stderr + status.stdout + status.stderr;
      for (const line of PEM_SECRET.split("\n").filter((l) => !l.startsWith("-----"))) expect(everything).not.toContain(line);
      expect(JSON.stringify(status.json?.audit)).toMatch(/"config":"[0-9a-f]{12}"/);
    });

    it("GIVEN the release live WHEN the same image and configuration are deployed again THEN it only verifies", async () => {
      const run = await switchCli(ctx, ["--image", imageOf(ctx.current!), "--json"], { env: { DEMO_API_KEY: PEM_SECRET, LAB_DEMO_SCHEMA_VERSION: "2" } });
      expect({ code: run.code, outcome: run.json?.outcome }).toEqual({ code: ExitCode.ok, outcome: "already-live" });
    });

    it(`GIVEN ${CUTOVER_LOAD_RATE} req/s WHEN only a clear value changes, then the release is rolled back THEN both flips lose 0 requests and the rollback restores the previous environment`, async () => {
      const env = { DEMO_API_KEY: PEM_SECRET, LAB_DEMO_SCHEMA_VERSION: "2" };
      const { value: runs, result } = await underLoad(ctx.lab(), CUTOVER_LOAD_RATE, async () => {
        const release = await switchCli(ctx, ["--image", imageOf(ctx.current!), "--json"], { env: { ...env, LAB_DEMO_GREETING: "config-only-release" } });
        const greeting = await exec(["sh", "-c", 'echo "$DEMO_GREETING"']);
        const rollback = await switchCli(ctx, ["rollback", "--json"]);
        const restored = await exec(["sh", "-c", 'echo "$DEMO_GREETING"']);
        return { release, greeting, rollback, restored };
      });
      if (runs.release.code !== ExitCode.ok) throw new Error(`the configuration-only release failed: ${tail(runs.release)}`);
      if (runs.rollback.code !== ExitCode.ok) throw new Error(`the rollback failed: ${tail(runs.rollback)}`);
      expect({ outcome: runs.release.json?.outcome, greeting: runs.greeting.stdout.trim(), restored: runs.restored.stdout.trim() }).toEqual({ outcome: "deployed", greeting: "config-only-release", restored: "hello" });
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      expectConverged(await observeTruth(ctx.lab()), ctx.current!);
    });

    it.each([
      ["exits 1", { LAB_DEMO_MIGRATION: "fail" }, /preSwitch hook .* exited with 1 .*PROD was not touched/],
      ["runs past its timeout", { LAB_DEMO_MIGRATION: "hang", LAB_DEMO_HOOK_TIMEOUT_SECONDS: "2" }, /preSwitch hook .* ran past its timeout of 2 s .*killed/],
    ])("GIVEN a preSwitch migration that %s WHEN a release is tried THEN it is refused with exit 5 and PROD is untouched", async (_name, env, says) => {
      const before = ctx.current!;
      const run = await switchCli(ctx, ["--image", imageOf(otherVersion(before)), "--json"], { env });
      if (run.code !== ExitCode.rejected) throw new Error(`expected exit 5: ${tail(run)}`);
      expect(run.stdout + run.stderr).toMatch(says);
      expectConverged(await observeTruth(ctx.lab()), before);
      const fallbackStillRuns = await exec(["sh", "-c", "true"], "fallback");
      expect(fallbackStillRuns.code).toBe(0);
    });

    it.each([
      ["prod", 7],
      ["fallback", 3],
    ] as const)("GIVEN exec --on %s WHEN the command exits %s THEN that is the switch's exit code", async (on, code) => {
      const run = await exec(["sh", "-c", `exit ${code}`], on);
      expect(run.code).toBe(code);
    });

    it("GIVEN the app's log WHEN logs are read THEN its startup line is there", async () => {
      const run = await switchCli(ctx, ["logs", "--on", "prod", "--lines", "50"]);
      expect({ code: run.code, listening: /listening on :\d+/.test(run.stdout) }).toEqual({ code: 0, listening: true });
    });

    it("GIVEN a file written into the volume WHEN two more releases land (the second on the same droplet) THEN the file is still there", async () => {
      expect((await exec(["sh", "-c", "echo kept > /data/marker"])).code).toBe(0);
      for (let i = 0; i < 2; i++) {
        const next = otherVersion(ctx.current);
        const run = await switchCli(ctx, ["--image", imageOf(next), "--json"]);
        if (run.code !== ExitCode.ok) throw new Error(`release ${i + 1} failed: ${tail(run)}`);
        ctx.current = next;
      }
      const marker = await exec(["cat", "/data/marker"]);
      expect({ code: marker.code, text: marker.stdout.trim() }).toEqual({ code: 0, text: "kept" });
    });

    it(`GIVEN ${CUTOVER_LOAD_RATE} req/s WHEN maintenance goes on, survives a cutover, and goes off THEN visitors get the 503 page only inside the window, status shows it, and nothing else fails`, async () => {
      const { value, result } = await underLoad(ctx.lab(), CUTOVER_LOAD_RATE, async (mark) => {
        mark("maintenance-on");
        const on = await switchCli(ctx, ["maintenance", "on", "--message", "Upgrading <db>", "--json"]);
        await new Promise((r) => setTimeout(r, 1000));
        const next = otherVersion(ctx.current);
        const cutover = await switchCli(ctx, ["--image", imageOf(next), "--json"]);
        const status = await switchCli(ctx, ["status", "--json"]);
        const off = await switchCli(ctx, ["maintenance", "off", "--json"]);
        mark("maintenance-off");
        return { on, cutover, status, off, next };
      });
      if (value.cutover.code !== ExitCode.ok) throw new Error(`the cutover during maintenance failed: ${tail(value.cutover)}`);
      ctx.current = value.next;
      expect({ on: value.on.code, off: value.off.code, maintenance: value.status.json?.maintenance }).toEqual({ on: 0, off: 0, maintenance: { on: true, message: "Upgrading <db>" } });
      const counts = maintenanceCounts(result.samples, windowOf(result.marks, "maintenance-on", "maintenance-off"));
      expect(counts.failed).toBe(0);
      expect(counts.maintenancePage).toBeGreaterThan(CUTOVER_LOAD_RATE);
      expect(counts.served).toBeGreaterThan(CUTOVER_LOAD_RATE);
      expectConverged(await observeTruth(ctx.lab()), ctx.current!);
    });
  });
}
