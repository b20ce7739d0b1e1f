import { ExitCode } from "../../../core/errors";
import type { Lab } from "../../../lab/lab";
import { allHosts, LabHost } from "../../../lab/plan";
import { SimulatorControl } from "../../../lab/simulator-control";
import type { RequestRecord, SimulatedDroplet } from "../../../lab/simulator/types";
import { LABEL } from "../../../switch/model";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { underLoad, verdict } from "../support/load";
import { dockerOverSsh } from "../support/ssh";
import { Truth, expectConverged, observeTruth } from "../support/truth";

const REPAIR_LOAD_RATE = 500;

/** A call on the simulator's DigitalOcean API with the lab's token, as someone with doctl or the control panel would. */
async function doApi(lab: Lab, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${lab.plan.simulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${lab.env().DIGITALOCEAN_TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const hostOf = (lab: Lab, role: LabHost["role"] | null | undefined): LabHost => {
  const host = allHosts(lab.plan).find((h) => h.role === role);
  if (!host) throw new Error(`no lab host has the role ${role}`);
  return host;
};

/** The reserved IP unassigned through the API (the droplet that held it was destroyed): the address leaves its namespace. */
async function unassignReservedIp(lab: Lab): Promise<void> {
  const { action } = await doApi(lab, "POST", `/v2/reserved_ips/${lab.plan.floatingIp}/actions`, { type: "unassign" });
  for (let i = 0; i < 100; i++) {
    const { action: now } = await doApi(lab, "GET", `/v2/actions/${action.id}`);
    if (now.status === "completed") return;
    if (now.status === "errored") throw new Error(`unassign errored: ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the unassign action never completed");
}

const tagDroplet = (lab: Lab, tag: string, host: LabHost) => doApi(lab, "POST", `/v2/tags/${tag}/resources`, { resources: [{ resource_id: String(host.dropletId), resource_type: "droplet" }] });

/** FALLBACK's app containers, over the lab's SSH (Docker's API, as the switch reaches it). */
async function appContainers(lab: Lab, host: LabHost) {
  const docker = dockerOverSsh(lab, host);
  const list = await docker.listContainers({ all: true, filters: { label: [LABEL.app] } });
  return { docker, list };
}

/**
 * What a replaced worker (or a hand) leaves, made for real in the lab: the reserved IP unassigned, two droplets tagged
 * PROD, FALLBACK's app stopped or gone. `repair` explains (--dry-run) and converges each, and the lab ends converged.
 */
export function describeRepair(ctx: SuiteContext): void {
  describe("repair after a replaced worker", () => {
    const lab = () => ctx.lab();
    const truth = () => observeTruth(lab());
    const fallbackHost = (t: Truth) => hostOf(lab(), t.fallback[0]);
    const repair = (args: string[] = [], env?: Record<string, string>) => switchCli(ctx, ["repair", ...args, "--json"], { env });
    const expectRepaired = async (run: Awaited<ReturnType<typeof repair>>) => {
      if (run.code !== ExitCode.ok) throw new Error(`repair failed: ${tail(run)}`);
      expectConverged(await truth(), ctx.current!);
    };

    beforeAll(async () => {
      // Run alone (after the bootstrap only), FALLBACK has no previous version yet: one cutover puts one there.
      const status = await switchCli(ctx, ["status", "--json"]);
      if ((status.json?.fallback as { container?: unknown } | undefined)?.container) return;
      const next = otherVersion(ctx.current);
      const run = await switchCli(ctx, ["--image", images(ctx)[next], "--json"]);
      if (run.code !== ExitCode.ok) throw new Error(`the cutover that gives FALLBACK a previous version failed: ${tail(run)}`);
      ctx.current = next;
    }, 120_000);

    it("GIVEN the reserved IP unassigned WHEN `repair --dry-run` runs THEN it explains the assign and changes nothing; WHEN `repair` runs THEN the IP is back on PROD and the lab converged", async () => {
      const before = await truth();
      expectConverged(before, ctx.current!);
      await unassignReservedIp(lab());
      const unassigned = await truth();
      expect({ ipHolder: unassigned.ipHolder, ipAssignedTo: unassigned.ipAssignedTo }).toEqual({ ipHolder: null, ipAssignedTo: null });

      const dry = await repair(["--dry-run"]);
      expect({ code: dry.code, outcome: dry.json?.outcome }).toEqual({ code: ExitCode.ok, outcome: "planned" });
      expect(dry.json?.plan).toEqual([expect.stringMatching(new RegExp(`^assign reserved IP ${lab().plan.floatingIp.replace(/\./g, "\\.")} to ${hostOf(lab(), before.prod[0]).dropletName} .* — because .*not assigned to any droplet`))]);
      expect((await truth()).ipAssignedTo).toBeNull();

      await expectRepaired(await repair());
      expect((await truth()).ipHolder).toBe(before.prod[0]);
    });

    it(`GIVEN two droplets tagged PROD WHEN \`repair\` runs under ${REPAIR_LOAD_RATE} req/s THEN the IP holder keeps PROD, the other is FALLBACK again, and no request fails`, async () => {
      const before = await truth();
      const sim = new SimulatorControl(lab().plan.simulator.url);
      await tagDroplet(lab(), "PROD", fallbackHost(before));
      expect((await truth()).prod).toHaveLength(2);
      await sim.clearRequests();
      const { value: run, result } = await underLoad(lab(), REPAIR_LOAD_RATE, () => repair());
      await expectRepaired(run);
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      // The holder's PROD tag was never taken away: only the other droplet's tags changed (then PROD re-tagged idempotently).
      const untags = (await sim.requests()).filter((r) => r.method === "DELETE" && /^\/v2\/tags\/PROD\/resources/.test(r.path));
      expect(untags.map((r) => (r.body as { resources: { resource_id: string }[] }).resources[0].resource_id)).toEqual([String(fallbackHost(before).dropletId)]);
    });

    it("GIVEN FALLBACK's app container stopped over SSH WHEN `repair` runs THEN it runs again, is gated, its slot is armed on it, and a rollback is ready", async () => {
      const { docker, list } = await appContainers(lab(), fallbackHost(await truth()));
      const running = list.filter((c) => c.State === "running");
      expect(running).toHaveLength(1);
      await docker.getContainer(running[0].Id).stop({ t: 1 });

      const dry = await repair(["--dry-run"]);
      expect(dry.json?.plan).toEqual([expect.stringMatching(/^start the stopped app container .* — because FALLBACK .* is only stopped/)]);
      await expectRepaired(await repair());
      let status = await switchCli(ctx, ["status", "--json"]);
      for (let i = 0; i < 20 && !(status.json?.rollback as { ready?: boolean })?.ready; i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = await switchCli(ctx, ["status", "--json"]);
      }
      expect({ rollbackReady: (status.json?.rollback as { ready: boolean }).ready, consistent: status.json?.consistent }).toEqual({ rollbackReady: true, consistent: true });
    });

    it("GIVEN a replaced FALLBACK worker (it came back tagged PROD, with no app container) WHEN `repair` runs THEN it retags and exits 2 naming `repair --image`; WHEN that runs THEN the previous version is back on FALLBACK, the lab converged, and a rollback flips to it", async () => {
      const before = await truth();
      const fallback = fallbackHost(before);
      const { docker, list } = await appContainers(lab(), fallback);
      const previous = list.find((c) => c.State === "running")!.Labels[LABEL.image];
      for (const c of list) await docker.getContainer(c.Id).remove({ force: true });
      await tagDroplet(lab(), "PROD", fallback);

      const first = await repair();
      expect({ code: first.code, error: first.json?.error, fix: first.json?.fix }).toEqual({
        code: ExitCode.usage,
        error: expect.stringMatching(/^rollback is unavailable: FALLBACK \S+ runs no \S+ container .*\(the other repairs were made\)$/),
        // The audit log's newest cutover replaced exactly the image FALLBACK ran: the fix names it.
        fix: expect.stringContaining(`npm run switch -- repair --image ${previous} `),
      });
      const retagged = await truth();
      expect({ prod: retagged.prod, fallback: retagged.fallback }).toEqual({ prod: before.prod, fallback: before.fallback });

      await expectRepaired(await repair(["--image", previous]));
      const back = await appContainers(lab(), fallback);
      expect(back.list.filter((c) => c.State === "running").map((c) => c.Labels[LABEL.image])).toEqual([previous]);

      // It is the previous version in every sense: rollback flips to it, and a second rollback flips back.
      const serving = ctx.current!;
      const rollback = await switchCli(ctx, ["rollback", "--json"]);
      if (rollback.code !== ExitCode.ok) throw new Error(`the rollback to the redeployed previous version failed: ${tail(rollback)}`);
      expectConverged(await truth(), otherVersion(serving));
      const again = await switchCli(ctx, ["rollback", "--json"]);
      if (again.code !== ExitCode.ok) throw new Error(`the rollback back failed: ${tail(again)}`);
      expectConverged(await truth(), serving);
    });

    it("GIVEN the repairs WHEN `repair` and `status` run again THEN there is nothing to repair and the state is consistent", async () => {
      const run = await repair();
      expect({ code: run.code, outcome: run.json?.outcome }).toEqual({ code: ExitCode.ok, outcome: "consistent" });
      const status = await switchCli(ctx, ["status", "--json"]);
      expect({ consistent: status.json?.consistent, findings: status.json?.findings, lock: status.json?.lock ?? null }).toEqual({ consistent: true, findings: [], lock: null });
    });
  });
}

/** A second environment's droplets and reserved IP, as `DEPLOY_ENV=staging` would tag them, with no namespace behind them. */
function stagingDroplets(lab: Lab): SimulatedDroplet[] {
  const base = 990_000 + lab.plan.index * 10;
  const at = (n: number) => ({ publicIpv4: `198.19.254.${n}`, privateIpv4: `198.19.253.${n}`, region: lab.plan.region });
  return [
    { id: base + 1, name: "web-staging-blue", tags: ["web-staging-prod"], ...at(21) },
    { id: base + 2, name: "web-staging-green", tags: ["web-staging-fallback"], ...at(22) },
    { id: base + 3, name: "web-staging-haproxy", tags: ["web-staging-balancer"], ...at(23) },
  ];
}
const STAGING_IP = "198.19.254.100";

/** Which of `ids` (or `ip`) a logged request names: in its path, or in its body (tag resources, an assign's droplet). */
function touched(request: RequestRecord, ids: readonly number[], ip: string): string[] {
  const body = request.body as { resources?: { resource_id?: string }[]; droplet_id?: number } | undefined;
  const named = [...(body?.resources ?? []).map((r) => Number(r.resource_id)), ...(body?.droplet_id === undefined ? [] : [body.droplet_id])];
  return [
    ...ids.filter((id) => named.includes(id) || new RegExp(`/droplets/${id}(\\b|$)`).test(request.path)).map(String),
    ...(request.path.includes(ip) ? [ip] : []),
  ];
}

/**
 * Staging and production in one account: a second environment's droplets beside the lab's, and a cutover and a rollback
 * of the lab's own environment. The simulator's request log shows no request about them; their tags and IP are unchanged.
 */
export function describeSecondEnvironment(ctx: SuiteContext): void {
  describe("a second environment in the same account", () => {
    const lab = () => ctx.lab();
    const sim = () => new SimulatorControl(lab().plan.simulator.url);

    beforeAll(async () => {
      for (const d of stagingDroplets(lab())) await sim().addDroplet(d);
      await sim().addReservedIp({ ip: STAGING_IP, region: lab().plan.region, dropletId: stagingDroplets(lab())[0].id });
    });

    afterAll(async () => {
      await sim().removeReservedIp(STAGING_IP).catch(() => undefined);
      for (const d of stagingDroplets(lab())) await sim().removeDroplet(d.id).catch(() => undefined);
    });

    it("GIVEN staging's three droplets and reserved IP beside the lab's WHEN the lab's environment cuts over and rolls back THEN no request names a staging droplet or its IP, their tags and assignment are unchanged, and the lab converged", async () => {
      const staging = stagingDroplets(lab());
      const ids = staging.map((d) => d.id);
      await sim().clearRequests();
      const serving = ctx.current!;
      const next = otherVersion(serving);
      const cutover = await switchCli(ctx, ["--image", images(ctx)[next], "--json"]);
      if (cutover.code !== ExitCode.ok) throw new Error(`the cutover beside staging failed: ${tail(cutover)}`);
      expectConverged(await observeTruth(lab()), next);
      ctx.current = next;
      const rollback = await switchCli(ctx, ["rollback", "--json"]);
      if (rollback.code !== ExitCode.ok) throw new Error(`the rollback beside staging failed: ${tail(rollback)}`);
      expectConverged(await observeTruth(lab()), serving);
      ctx.current = serving;

      const requests = await sim().requests();
      // The log does record which droplets the switch tagged and where it assigned the IP (so a touch would show)...
      const own = allHosts(lab().plan).map((h) => h.dropletId);
      expect(requests.filter((r) => touched(r, own, lab().plan.floatingIp).length > 0).map((r) => r.method)).toEqual(expect.arrayContaining(["POST", "DELETE"]));
      // ...and none of them is about staging.
      expect(requests.flatMap((r) => touched(r, ids, STAGING_IP).map((what) => `${r.method} ${r.path} → ${what}`))).toEqual([]);
      const state = await sim().state();
      expect(state.droplets.filter((d) => ids.includes(d.id)).map((d) => [d.name, d.tags])).toEqual(staging.map((d) => [d.name, d.tags]));
      expect(state.reservedIps.find((r) => r.ip === STAGING_IP)?.dropletId).toBe(staging[0].id);
    });

    it("GIVEN both environments WHEN the lab's status runs THEN it reports the lab's droplets only, consistent", async () => {
      const status = await switchCli(ctx, ["status", "--json"]);
      const names = allHosts(lab().plan).map((h) => h.dropletName);
      const prod = status.json?.prod as { droplet: string } | undefined;
      const fallback = status.json?.fallback as { droplet: string } | undefined;
      expect({ prod: names.includes(prod?.droplet ?? ""), fallback: names.includes(fallback?.droplet ?? ""), consistent: status.json?.consistent }).toEqual({
        prod: true,
        fallback: true,
        consistent: true,
      });
    });
  });
}
