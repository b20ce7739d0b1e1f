import { ExitCode } from "../../core/errors";
import { runCutover, runRollback } from "../../switch/cutover";
import { ImageRejectedError, InconsistentStateError } from "../../switch/errors";
import type { AuditEntry } from "../../switch/ports";
import { RepairRequest, runRepair } from "../../switch/repair";
import { Redactor } from "../../core/redact";
import { SECRETS } from "./fakes/config";
import { captureReporter, deps } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

const V0 = "registry.test/web:v0";
const V1 = "registry.test/web:v1";

const STEADY_V1 = {
  ipOn: 1,
  tags: { 1: ["PROD"], 2: ["FALLBACK"] },
  running: { 1: [V1], 2: [V0] },
  haproxy: { blue: "ready", green: "drain" },
  locked: false,
};

/** The audit line of the cutover that put v1 live on web-blue, replacing v0: what a repair reads the previous image from. */
const CUTOVER_V0_V1: AuditEntry = {
  at: "2026-11-22T11:00:00.000Z",
  who: "ci",
  command: "cutover",
  outcome: "deployed",
  from: { droplet: "web-green", image: V0 },
  to: { droplet: "web-blue", image: V1 },
  durationMs: 1000,
};

async function repair(world: FakeWorld, request: RepairRequest = {}) {
  const { reporter, lines } = captureReporter();
  const result = await runRepair(deps(world, reporter), { secrets: {}, ...request }).then(
    (r) => ({ ok: true as const, r }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  return { result, lines };
}

/** The states a replaced worker (or a hand) leaves, made in the fake world. */
const unassignIp = (w: FakeWorld) => (w.ip = { ...w.ip, dropletId: null });
const tagBothProd = (w: FakeWorld) => (w.droplets = w.droplets.map((d) => (d.id === 2 ? { ...d, tags: ["PROD"] } : d)));
const stopFallbackApp = (w: FakeWorld) => w.engine(2).containers.forEach((c) => (c.running = false));
const emptyFallback = (w: FakeWorld) => (w.engine(2).containers = []);
const doChanges = (w: FakeWorld) => w.calls.filter((c) => /^do (tag|untag|assign)/.test(c));

describe("repair: the states a replaced worker leaves converge", () => {
  it("GIVEN the reserved IP unassigned WHEN repairing THEN PROD's health path is asked, the IP goes back to PROD (HAProxy's slots untouched: no request goes through it), and one audit line says so", async () => {
    const world = new FakeWorld();
    unassignIp(world);
    const { result, lines } = await repair(world, { message: "blue was replaced" });
    expect(result).toMatchObject({ ok: true, r: { outcome: "repaired", plan: [expect.stringMatching(/^assign reserved IP 198.18.1.100 to web-blue .* — because reserved IP 198.18.1.100 is not assigned/)] } });
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(doChanges(world)).toEqual(["do assign 198.18.1.100 1"]);
    expect(lines).toContainEqual(expect.stringMatching(/^repairing: reserved IP 198.18.1.100 is not assigned to any droplet/));
    expect(world.audit).toEqual([expect.objectContaining({ command: "repair", outcome: "repaired", message: "blue was replaced", detail: expect.stringMatching(/^assign reserved IP 198.18.1.100 to web-blue/) })]);
  });

  it("GIVEN two droplets tagged PROD WHEN repairing THEN the IP holder keeps PROD and the other becomes FALLBACK, never without a tag", async () => {
    const world = new FakeWorld();
    tagBothProd(world);
    const { result } = await repair(world);
    expect(result.ok).toBe(true);
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(doChanges(world)).toEqual(["do tag FALLBACK 2", "do untag PROD 2", "do tag PROD 1", "do untag FALLBACK 1"]);
  });

  it("GIVEN FALLBACK's app container stopped WHEN repairing THEN it runs again, passes its health gate, and its slot is armed on it", async () => {
    const world = new FakeWorld();
    stopFallbackApp(world);
    const { result } = await repair(world);
    expect(result).toMatchObject({ ok: true, r: { outcome: "repaired" } });
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(world.calls).toContain("docker web-green start c2");
  });

  it("GIVEN FALLBACK without the previous version and nothing in the audit log WHEN repairing THEN exit 2: rollback is unavailable, with the fix; nothing changed and no audit line", async () => {
    const world = new FakeWorld();
    emptyFallback(world);
    const { result } = await repair(world);
    expect(result.ok).toBe(false);
    const e = (result as { e: InconsistentStateError }).e;
    expect(e).toBeInstanceOf(InconsistentStateError);
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.oneLine()).toMatch(/^rollback is unavailable: FALLBACK web-green runs no web container .* — fix: redeploy a known-good image there: npm run switch -- repair --image <ref>/);
    expect(doChanges(world)).toEqual([]);
    expect(world.audit).toEqual([]);
    expect(world.lockHolder).toBeNull();
  });

  it("GIVEN FALLBACK without the previous version and the audit log naming it WHEN repairing, then repairing with that --image THEN the fix names it, and the second run redeploys it there, gated, with its slot armed", async () => {
    const world = new FakeWorld();
    world.audit.push(CUTOVER_V0_V1);
    emptyFallback(world);
    const first = await repair(world);
    expect((first.result as { e: InconsistentStateError }).e.fix).toBe(
      `redeploy the previous version there: npm run switch -- repair --image ${V0} (the image the last cutover replaced, started with today's configuration)`,
    );
    const second = await repair(world, { image: V0 });
    expect(second.result).toMatchObject({ ok: true, r: { outcome: "repaired", previousImage: V0 } });
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(world.calls).toEqual(expect.arrayContaining([`docker web-green pull ${V0}`, `docker web-green run ${V0}`]));
    expect(world.audit.at(-1)).toMatchObject({ command: "repair", outcome: "repaired" });
    // The redeployed container is the previous version, not an unfinished cutover's: a rollback flips to it.
    const rollback = await runRollback(deps(world, captureReporter().reporter));
    expect(rollback.outcome).toBe("rolled-back");
    expect(world.snapshot()).toMatchObject({ ipOn: 2, tags: { 1: ["FALLBACK"], 2: ["PROD"] } });
  });

  it("GIVEN --image whose container fails its gate WHEN repairing THEN exit 5, the container is removed again, and PROD was never touched", async () => {
    const world = new FakeWorld();
    emptyFallback(world);
    const { result } = await repair(world, { image: "registry.test/web:health-fails" });
    expect((result as { e: Error }).e).toBeInstanceOf(ImageRejectedError);
    expect(world.engine(2).containers).toEqual([]);
    expect(world.snapshot()).toMatchObject({ ipOn: 1, tags: { 1: ["PROD"], 2: ["FALLBACK"] }, running: { 1: [V1], 2: [] }, locked: false });
    expect(world.audit.at(-1)).toMatchObject({ command: "repair", outcome: "failed" });
  });

  it("GIVEN a replaced FALLBACK worker (two PRODs, nothing on it) WHEN repairing THEN it retags and exits 2 naming --image; with --image it converges", async () => {
    const world = new FakeWorld();
    world.audit.push(CUTOVER_V0_V1);
    tagBothProd(world);
    emptyFallback(world);
    const first = await repair(world);
    expect((first.result as { e: Error }).e.message).toMatch(/rollback is unavailable: .* \(the other repairs were made\)$/);
    expect(world.snapshot().tags).toEqual({ 1: ["PROD"], 2: ["FALLBACK"] });
    expect(world.audit.at(-1)).toMatchObject({ command: "repair", outcome: "repaired, rollback unavailable" });
    expect((await repair(world, { image: V0 })).result.ok).toBe(true);
    expect(world.snapshot()).toEqual(STEADY_V1);
  });

  it("GIVEN a replaced PROD worker's leftovers (the IP unassigned, both tagged PROD, only green serving) WHEN repairing THEN green gets the IP and keeps PROD, blue becomes FALLBACK with its slot armed on it, and exit 2 says rollback is unavailable", async () => {
    const world = new FakeWorld();
    unassignIp(world);
    tagBothProd(world);
    world.engine(1).containers = [];
    const { result } = await repair(world);
    expect((result as { e: Error }).e.message).toMatch(/^rollback is unavailable: FALLBACK web-blue/);
    // green's slot (armed, no request on it) was pinned to the new PROD green; blue's now arms FALLBACK blue.
    expect(world.snapshot()).toMatchObject({ ipOn: 2, tags: { 1: ["FALLBACK"], 2: ["PROD"] }, haproxy: { blue: "drain", green: "ready" } });
    expect(world.servers.find((s) => s.name === "blue")?.address).toBe("198.18.2.11");
    expect(world.servers.find((s) => s.name === "green")?.address).toBe("198.18.2.12");
  });

  it("GIVEN the IP unassigned but PROD's health path answers 500 WHEN repairing THEN it refuses before the assign (exit 2) and records the failure", async () => {
    const world = new FakeWorld({ prodImage: "registry.test/web:health-fails" });
    unassignIp(world);
    const { result } = await repair(world);
    expect((result as { e: Error }).e.message).toMatch(/^refusing to assign reserved IP 198.18.1.100 to web-blue: its \/health answered 500/);
    expect(doChanges(world)).toEqual([]);
    expect(world.ip.dropletId).toBeNull();
    expect(world.audit.at(-1)).toMatchObject({ command: "repair", outcome: "failed" });
    expect(world.lockHolder).toBeNull();
  });

  it.each([
    ["the IP unassigned", unassignIp],
    ["two PRODs", tagBothProd],
    ["FALLBACK's container stopped", stopFallbackApp],
  ])("GIVEN %s WHEN repairing with --dry-run THEN it explains each change and why, and changes nothing (no lock either)", async (_name, make) => {
    const world = new FakeWorld();
    make(world);
    const before = JSON.stringify(world.snapshot());
    const { result, lines } = await repair(world, { dryRun: true });
    expect(result).toMatchObject({ ok: true, r: { outcome: "planned", plan: [expect.stringMatching(/ — because /)] } });
    expect(lines).toContain("repair plan (dry run, nothing changed):");
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}1\. .* — because /));
    expect(JSON.stringify(world.snapshot())).toBe(before);
    expect(world.calls.filter((c) => !/^do (list|get-ip \S+)$|^docker \S+ list$/.test(c))).toEqual([]);
    expect(world.audit).toEqual([]);
  });

  it("GIVEN FALLBACK empty WHEN repairing with --dry-run THEN it says the real run would stop with exit 2 and the fix", async () => {
    const world = new FakeWorld();
    world.audit.push(CUTOVER_V0_V1);
    emptyFallback(world);
    const { result, lines } = await repair(world, { dryRun: true });
    expect(result).toMatchObject({ ok: true, r: { outcome: "planned", plan: [], unresolved: { message: expect.stringMatching(/rollback is unavailable/) }, previousImage: V0 } });
    expect(lines).toContainEqual(expect.stringMatching(/^then it stops \(exit 2\): rollback is unavailable: .* — fix: redeploy the previous version there: npm run switch -- repair --image registry.test\/web:v0/));
  });

  it("GIVEN a steady world WHEN repairing THEN nothing changes and no audit line; after all three states are repaired at once, a second repair is the same: idempotent", async () => {
    const world = new FakeWorld();
    expect((await repair(world)).result).toMatchObject({ ok: true, r: { outcome: "consistent", plan: [] } });
    expect(world.audit).toEqual([]);
    unassignIp(world);
    tagBothProd(world);
    stopFallbackApp(world);
    expect((await repair(world)).result).toMatchObject({ ok: true, r: { plan: [expect.stringMatching(/^assign/), expect.stringMatching(/^tag web-blue PROD/), expect.stringMatching(/^start/)] } });
    expect(world.snapshot()).toEqual(STEADY_V1);
    const calls = world.calls.length;
    expect((await repair(world)).result).toMatchObject({ ok: true, r: { outcome: "consistent" } });
    expect(doChanges({ calls: world.calls.slice(calls) } as FakeWorld)).toEqual([]);
  });

  it("GIVEN a --message carrying a secret WHEN the repair is recorded THEN the audit line masks it, as a cutover's", async () => {
    const world = new FakeWorld();
    tagBothProd(world);
    const redactor = new Redactor([SECRETS.token]);
    await runRepair({ ...deps(world, captureReporter().reporter), redactData: (v) => redactor.redactData(v) }, { message: `replaced green ${SECRETS.token}` });
    expect(world.audit).toEqual([expect.objectContaining({ command: "repair", message: "replaced green [redacted]" })]);
  });

  it.each([
    ["a new balancer (blue through the reserved IP, green disabled)", (w: FakeWorld) => (w.servers = [{ ...w.servers[0], address: w.ip.ip }, { ...w.servers[1], address: "127.0.0.1", admin: "maint" as const }])],
    ["a replaced FALLBACK (green on its old address)", (w: FakeWorld) => (w.servers = [w.servers[0], { ...w.servers[1], address: "198.18.2.99" }])],
  ])("GIVEN %s WHEN repairing THEN both slots end pinned (PROD's serving, FALLBACK's armed) and the public entry never stopped serving v1", async (_name, arrange) => {
    const world = new FakeWorld();
    arrange(world);
    const answers: string[] = [];
    world.onHaproxyChange = () => answers.push(world.publicAnswer().version ?? String(world.publicAnswer().status));
    const { result } = await repair(world);
    expect(result.ok).toBe(true);
    const pinned = Object.fromEntries(world.servers.map((s) => [s.address, s.admin]));
    expect(pinned).toEqual({ "198.18.2.11": "ready", "198.18.2.12": "drain" });
    expect(answers.filter((v) => v !== "v1")).toEqual([]);
  });

  it("GIVEN both slots serving and neither on PROD WHEN repairing THEN it refuses to re-point a serving slot, and names the command that drains one", async () => {
    const world = new FakeWorld();
    world.servers = world.servers.map((s) => ({ ...s, address: "198.18.2.99", admin: "ready" as const }));
    const { result } = await repair(world);
    expect(result.ok).toBe(false);
    expect((result as { e: Error & { fix: string } }).e).toMatchObject({
      message: expect.stringMatching(/HAProxy's green slot serves 198.18.2.99:8080, so it is not re-pointed .*both slots serve, and neither targets PROD/),
      fix: expect.stringContaining('set server app/green state drain'),
    });
  });

  it("GIVEN the reserved IP unassigned WHEN the next cutover runs THEN its repair step assigns it first and the cutover completes", async () => {
    const world = new FakeWorld();
    unassignIp(world);
    const result = await runCutover(deps(world, captureReporter().reporter), { image: "registry.test/web:v2", secrets: {} });
    expect(result.outcome).toBe("deployed");
    expect(doChanges(world).slice(0, 2)).toEqual(["do assign 198.18.1.100 1", "do assign 198.18.1.100 2"]);
    expect(world.snapshot()).toMatchObject({ ipOn: 2, tags: { 1: ["FALLBACK"], 2: ["PROD"] }, haproxy: { blue: "drain", green: "ready" } });
  });
});
