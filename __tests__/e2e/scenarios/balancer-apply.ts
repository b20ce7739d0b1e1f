import { publicFetch } from "../../../lab/public-entry";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { balancerSysctlText } from "../../../core/cloud-init/balancer-sysctl";
import { ExitCode } from "../../../core/errors";
import { longLivedCounts } from "../../../lab/load";
import { sshPaths } from "../../../lab/services/sshd";
import { haproxyAdmin } from "../../../bench/lab-access/haproxy-admin";
import { parseServers } from "../../../switch/adapters/haproxy-runtime";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { SPANNING_REQUESTS, underLoad, verdict } from "../support/load";
import { observeTruth } from "../support/truth";
import { CUTOVER_LOAD_RATE } from "./switch-cutover";

/** A configuration change haproxy.cfg reflects and the demo app supports: HAProxy's checks ask `/` (it answers 200). */
const CHANGED = { APP_HEALTH_PATH: "/" };
/** HAProxy refuses to start on a certificate file that does not exist: a config `haproxy -c` rejects. */
const REJECTED = { HAPROXY_TLS_CERT_PATH: "/nonexistent/do-bluegreen-e2e.pem" };

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * `balancer apply` in the shared lab: the balancer's haproxy.cfg changed live under load, with a hitless reload that keeps
 * the armed slot and maintenance mode; a config HAProxy rejects refused with the running one kept; the keys. Ends with
 * the lab as it found it (its original config applied, maintenance off, its own authorized_keys).
 */
export function describeBalancerApply(ctx: SuiteContext): void {
  describe("balancer apply", () => {
    const lab = () => ctx.lab();
    const file = () => readFileSync(lab().plan.paths.haproxyConfig, "utf8");
    const masterPid = () => Number(readFileSync(lab().plan.paths.haproxyPidFile, "utf8").trim());
    const admin = (command: string) => haproxyAdmin(lab().plan.paths.haproxyAdminSocket, command);
    const workerPid = async () => Number(/^Pid: (\d+)$/m.exec(await admin("show info"))?.[1]);
    const slots = async () => parseServers("app", await admin("show servers state app"), await admin("show stat"));
    const publicGet = async (path: string) => {
      const { status, body } = await publicFetch(lab().plan, path);
      return { status, body };
    };
    /** HAProxy's armed slot, once its checks settle (a reload restarts them): drain on FALLBACK's own address, passing. */
    const settledSpare = async () => {
      const truth = await observeTruth(lab());
      const armed = async () => (await slots()).find((s) => s.admin !== "ready");
      let spare = await armed();
      for (let i = 0; i < 50 && spare?.status !== "DRAIN"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        spare = await armed();
      }
      return { armedOnFallback: truth.fallbackArmed, prodSlotServes: truth.prodSlotServes, admin: spare?.admin, status: spare?.status };
    };
    const ARMED = { armedOnFallback: true, prodSlotServes: true, admin: "drain", status: "DRAIN" };
    let originalKeys: string | undefined;

    beforeAll(async () => {
      // Run alone (after the bootstrap only), FALLBACK has no previous version yet, so its armed slot fails its checks:
      // one cutover puts the previous version there, as every later scenario of the suite finds it.
      if ((await settledSpare()).status === "DRAIN") return;
      const next = otherVersion(ctx.current);
      const run = await switchCli(ctx, ["--image", images(ctx)[next], "--json"]);
      if (run.code !== ExitCode.ok) throw new Error(`the cutover that arms FALLBACK's slot failed: ${tail(run)}`);
      ctx.current = next;
    }, 120_000);

    afterAll(async () => {
      // Whatever happened above, later scenarios get the lab's own configuration, keys and no maintenance page.
      if (originalKeys !== undefined) writeFileSync(sshPaths(lab().plan).authorizedKeys, originalKeys, { mode: 0o600 });
      await switchCli(ctx, ["maintenance", "off"]);
      await switchCli(ctx, ["balancer", "apply"]);
    });

    it("GIVEN the lab as it started WHEN status and `balancer apply --dry-run` run THEN the balancer runs the rendered haproxy.cfg and nothing changes", async () => {
      const before = file();
      const status = await switchCli(ctx, ["status", "--json"]);
      expect(status.json?.balancerConfig).toEqual({ upToDate: true, detail: sha(before).slice(0, 12) });
      const dry = await switchCli(ctx, ["balancer", "apply", "--dry-run", "--json"]);
      expect({ code: dry.code, outcome: dry.json?.outcome, upToDate: (dry.json?.config as { upToDate?: boolean })?.upToDate }).toEqual({ code: ExitCode.ok, outcome: "planned", upToDate: true });
      expect(file()).toBe(before);
    });

    it(`GIVEN ${CUTOVER_LOAD_RATE} req/s with long-lived requests and FALLBACK's slot armed WHEN a changed configuration (health path /) is applied THEN 0 requests fail, a new worker runs the new file under the same master, and the armed slot survives the reload`, async () => {
      expect(await settledSpare()).toEqual(ARMED);
      const before = { file: file(), master: masterPid(), worker: await workerPid() };

      const dry = await switchCli(ctx, ["balancer", "apply", "--dry-run", "--json"], { env: CHANGED });
      expect({ code: dry.code, diff: (dry.json?.config as { diff?: string[] })?.diff }).toEqual({
        code: ExitCode.ok,
        diff: expect.arrayContaining([`-  http-check send meth GET uri /health ver HTTP/1.1 hdr Host ${lab().plan.domain}`, `+  http-check send meth GET uri / ver HTTP/1.1 hdr Host ${lab().plan.domain}`]),
      });
      expect(file()).toBe(before.file);

      const { value: run, result } = await underLoad(
        lab(),
        CUTOVER_LOAD_RATE,
        async (mark) => {
          mark("apply-start");
          const r = await switchCli(ctx, ["balancer", "apply", "--message", "e2e: health path", "--json"], { env: CHANGED });
          mark("apply-done");
          return r;
        },
        SPANNING_REQUESTS,
      );
      if (run.code !== ExitCode.ok) throw new Error(`balancer apply failed: ${tail(run)}`);
      const { summary, failures } = verdict(result);
      const spanning = longLivedCounts(result.samples);
      console.log(`balancer apply under load: ${summary.sent} requests sent, ${summary.failed} failed, ${summary.rps} req/s; long-lived ok ${spanning.slow.ok}/${spanning.upload.ok}/${spanning.stream.ok}`);
      expect({ failed: summary.failed, failures, failedLongLived: [spanning.slow.failed, spanning.upload.failed, spanning.stream.failed] }).toEqual({ failed: 0, failures: {}, failedLongLived: [0, 0, 0] });
      expect(summary.rps ?? 0).toBeGreaterThanOrEqual(CUTOVER_LOAD_RATE * 0.95);

      const reload = (run.json?.config as { reload?: { before: number; after: number } })?.reload;
      expect({ outcome: run.json?.outcome, reloadedFrom: reload?.before }).toEqual({ outcome: "applied", reloadedFrom: before.worker });
      expect({ master: masterPid(), worker: await workerPid() }).toEqual({ master: before.master, worker: reload?.after });
      expect(reload?.after).not.toBe(before.worker);
      expect(file()).toContain("http-check send meth GET uri / ver HTTP/1.1");
      expect(await settledSpare()).toEqual(ARMED);
      const status = await switchCli(ctx, ["status", "--json"], { env: CHANGED });
      expect({ balancerConfig: (status.json?.balancerConfig as { upToDate?: boolean })?.upToDate, consistent: status.json?.consistent }).toEqual({ balancerConfig: true, consistent: true });
      const drift = await switchCli(ctx, ["status"]);
      expect(drift.stdout).toMatch(/^balancer config: DIFFERS \(running [0-9a-f]{12}, rendered [0-9a-f]{12}\) — run `npm run switch -- balancer apply`$/m);
    });

    it("GIVEN maintenance on WHEN the original configuration is applied (another reload) THEN visitors still get the maintenance page, the map file keeps it, and the armed slot stays armed", async () => {
      const on = await switchCli(ctx, ["maintenance", "on", "--message", "Reloading the balancer", "--json"]);
      expect(on.code).toBe(ExitCode.ok);
      try {
        // Not `/`: the running config checks `/` now, and the page lets the health path through.
        expect((await publicGet("/shop")).status).toBe(503);
        const worker = await workerPid();

        const run = await switchCli(ctx, ["balancer", "apply", "--json"]);
        if (run.code !== ExitCode.ok) throw new Error(`balancer apply failed: ${tail(run)}`);
        expect({ outcome: run.json?.outcome, newWorker: (await workerPid()) !== worker }).toEqual({ outcome: "applied", newWorker: true });
        const page = await publicGet("/shop");
        expect({ status: page.status, shows: page.body.includes("<p>Reloading the balancer</p>") }).toEqual({ status: 503, shows: true });
        expect((await publicGet("/")).status).toBe(503);
        expect((await publicGet("/health")).status).toBe(200);
        const status = await switchCli(ctx, ["status", "--json"]);
        expect({ maintenance: status.json?.maintenance, upToDate: (status.json?.balancerConfig as { upToDate?: boolean })?.upToDate }).toEqual({
          maintenance: { on: true, message: "Reloading the balancer" },
          upToDate: true,
        });
        expect(await settledSpare()).toEqual(ARMED);
      } finally {
        expect((await switchCli(ctx, ["maintenance", "off"])).code).toBe(ExitCode.ok);
      }
      expect((await publicGet("/shop")).status).toBe(404);
      expect((await publicGet("/")).status).toBe(200);
    });

    it("GIVEN a configuration HAProxy rejects (a certificate file that does not exist) WHEN applied or dry-run THEN exit 2 with HAProxy's reason and the fix, and the running file, worker and public entry are unchanged", async () => {
      const before = { file: file(), worker: await workerPid() };
      for (const args of [["balancer", "apply", "--json"], ["balancer", "apply", "--dry-run", "--json"]]) {
        const run = await switchCli(ctx, args, { env: REJECTED });
        expect({ code: run.code, ok: run.json?.ok, kind: run.json?.kind }).toEqual({ code: ExitCode.usage, ok: false, kind: "usage" });
        expect(run.stderr).toMatch(/^error: HAProxy on \S+ refuses the rendered haproxy.cfg: .*unable to stat SSL certificate from file '\/nonexistent\/do-bluegreen-e2e.pem'.* — fix: put the certificate/m);
      }
      expect({ file: file() === before.file, worker: await workerPid(), publicStatus: (await publicGet("/")).status }).toEqual({ file: true, worker: before.worker, publicStatus: 200 });
      const status = await switchCli(ctx, ["status", "--json"]);
      const audit = status.json?.audit as { command: string; outcome: string }[];
      expect(audit.at(-1)).toMatchObject({ command: "balancer apply", outcome: "refused" });
      expect((status.json?.balancerConfig as { upToDate?: boolean })?.upToDate).toBe(true);
    });

    it("GIVEN SSH_AUTHORIZED_KEYS with the switch's key and a teammate's WHEN applied THEN the droplets' file holds exactly both and the switch still logs in; a list without the switch's key is refused", async () => {
      const keysFile = sshPaths(lab().plan).authorizedKeys;
      originalKeys = readFileSync(keysFile, "utf8");
      const switchKey = readFileSync(`${sshPaths(lab().plan).clientKey}.pub`, "utf8").trim();
      const teammate = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl bob@laptop";

      const run = await switchCli(ctx, ["balancer", "apply", "--json"], { env: { SSH_AUTHORIZED_KEYS: `${switchKey}\n${teammate}` } });
      if (run.code !== ExitCode.ok) throw new Error(`balancer apply failed: ${tail(run)}`);
      expect(readFileSync(keysFile, "utf8").split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([switchKey, teammate]);
      expect((await switchCli(ctx, ["status", "--json"])).code).toBe(ExitCode.ok);

      const lockout = await switchCli(ctx, ["balancer", "apply"], { env: { SSH_AUTHORIZED_KEYS: teammate } });
      expect({ code: lockout.code, says: /would lock the switch out/.test(lockout.stderr) }).toEqual({ code: ExitCode.usage, says: true });
      writeFileSync(keysFile, originalKeys, { mode: 0o600 });
    });

    it("GIVEN a balancer that predates its kernel settings (Linux's defaults in its namespace, no settings file) WHEN `status` and then `balancer apply` run THEN status calls it drift, and apply sets the values and writes the file; a second apply changes nothing", async () => {
      const inBalancer = (...args: string[]) => execFileSync("nsenter", [`--net=/var/run/netns/${lab().plan.balancer.namespace}`, "sysctl", ...args], { encoding: "utf8" });
      const live = () => ["net.ipv4.tcp_tw_reuse", "net.ipv4.ip_local_port_range"].map((key) => inBalancer("-n", key).trim().split(/\s+/).join(" "));
      inBalancer("-q", "-w", "net.ipv4.tcp_tw_reuse=2", "net.ipv4.ip_local_port_range=32768 60999");
      rmSync(lab().plan.paths.balancerSysctl, { force: true });
      try {
        const status = await switchCli(ctx, ["status"]);
        expect(status.stdout).toMatch(/^balancer config: DIFFERS \(haproxy.cfg up to date \([0-9a-f]{12}\); kernel settings differ: net.ipv4.tcp_tw_reuse is 2, not 1, .*\)/m);

        const run = await switchCli(ctx, ["balancer", "apply", "--json"]);
        if (run.code !== ExitCode.ok) throw new Error(`balancer apply failed: ${tail(run)}`);
        expect(run.json?.kernel).toEqual({
          file: lab().plan.paths.balancerSysctl,
          fileChanged: true,
          changes: [
            { key: "net.ipv4.tcp_tw_reuse", live: "2", wanted: "1" },
            { key: "net.ipv4.ip_local_port_range", live: "32768 60999", wanted: "10240 65535" },
          ],
        });
        expect(live()).toEqual(["1", "10240 65535"]);
        expect(readFileSync(lab().plan.paths.balancerSysctl, "utf8")).toBe(balancerSysctlText());

        const again = await switchCli(ctx, ["balancer", "apply", "--json"]);
        expect({ code: again.code, outcome: again.json?.outcome, kernel: again.json?.kernel }).toEqual({
          code: ExitCode.ok,
          outcome: "up-to-date",
          kernel: { file: lab().plan.paths.balancerSysctl, fileChanged: false, changes: [] },
        });
      } finally {
        // Whatever happened, later scenarios get the balancer as the lab made it.
        inBalancer("-q", "-w", "net.ipv4.tcp_tw_reuse=1", "net.ipv4.ip_local_port_range=10240 65535");
        writeFileSync(lab().plan.paths.balancerSysctl, balancerSysctlText());
      }
    });

    it("GIVEN the scenario's changes WHEN it ends THEN the lab runs its original configuration, maintenance is off and the state is consistent", async () => {
      const run = await switchCli(ctx, ["balancer", "apply", "--json"]);
      expect({ code: run.code, outcome: run.json?.outcome }).toEqual({ code: ExitCode.ok, outcome: "up-to-date" });
      const status = await switchCli(ctx, ["status", "--json"]);
      expect({ consistent: status.json?.consistent, maintenance: status.json?.maintenance, upToDate: (status.json?.balancerConfig as { upToDate?: boolean })?.upToDate }).toEqual({
        consistent: true,
        maintenance: { on: false },
        upToDate: true,
      });
      expect(await settledSpare()).toEqual(ARMED);
    });
  });
}
