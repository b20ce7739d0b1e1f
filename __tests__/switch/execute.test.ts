import { ExitCode } from "../../core/errors";
import { runCutover, runRollback } from "../../switch/cutover";
import { ImageRejectedError, LockHeldError, RegistryError } from "../../switch/errors";
import { LABEL } from "../../switch/model";
import { SECRETS } from "./fakes/config";
import { CrashingReporter, HOST, captureReporter, deps, stepNames } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

const V2 = "registry.test/web:v2";

const STEADY_V1 = {
  ipOn: 1,
  tags: { 1: ["PROD"], 2: ["FALLBACK"] },
  running: { 1: ["registry.test/web:v1"], 2: ["registry.test/web:v0"] },
  haproxy: { floating: "ready", spare: "maint" },
  locked: false,
};
const LIVE_V2 = {
  ipOn: 2,
  tags: { 1: ["FALLBACK"], 2: ["PROD"] },
  running: { 1: ["registry.test/web:v1"], 2: [V2] },
  haproxy: { floating: "ready", spare: "maint" },
  locked: false,
};

async function cutover(world: FakeWorld, image = V2, pid = 100) {
  const { reporter, lines } = captureReporter();
  const result = await runCutover(deps(world, reporter, pid), { image, message: "ship it" }).then(
    (r) => ({ ok: true as const, r }),
    (e) => ({ ok: false as const, e }),
  );
  return { result, lines };
}

describe("cutover with in-memory DigitalOcean, Docker, HAProxy and lock", () => {
  it("GIVEN v1 live WHEN cutting over to v2 THEN v2 is live on the other droplet, tags swapped, HAProxy steady, lock released", async () => {
    const world = new FakeWorld();
    const { result, lines } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(world.snapshot()).toEqual(LIVE_V2);
    expect(stepNames(lines)).toEqual([
      "lock",
      "observe",
      "pull",
      "start",
      "gate",
      "route-to-spare",
      "drain",
      "move-ip",
      "restore-floating",
      "release-spare",
      "retag",
      "verify",
      "prune",
      "record",
      "unlock",
    ]);
    expect(world.audit).toEqual([
      expect.objectContaining({
        who: "alice@laptop",
        command: "cutover",
        outcome: "deployed",
        message: "ship it",
        from: expect.objectContaining({ image: "registry.test/web:v1" }),
        to: expect.objectContaining({ image: V2, digest: `digest-${V2}` }),
      }),
    ]);
    expect(world.deployments).toEqual([{ image: V2, states: ["in_progress", "success"] }]);
  });

  it("GIVEN a cutover WHEN counting DigitalOcean calls THEN it makes a bounded number (3 lists, IP reads, 1 assign, 4 tag calls)", async () => {
    const world = new FakeWorld();
    await cutover(world);
    const doCalls = world.calls.filter((c) => c.startsWith("do ")).length + world.actionPolls;
    expect(doCalls).toBeLessThanOrEqual(14);
    expect(world.calls.filter((c) => c.startsWith("do assign"))).toHaveLength(1);
  });

  it("GIVEN a flip WHEN HAProxy is driven THEN spare takes traffic before floating drains, and the IP moves only while floating is in maint", async () => {
    const world = new FakeWorld();
    await cutover(world);
    const seq = world.calls.filter((c) => c.startsWith("haproxy") || c.startsWith("do assign"));
    expect(seq).toEqual([
      "haproxy spare addr 198.18.2.12:8080",
      "haproxy spare ready",
      "haproxy spare health up",
      "haproxy floating drain",
      "haproxy floating maint",
      "do assign 198.18.1.100 2",
      "haproxy floating ready",
      "haproxy floating health down",
      "haproxy spare drain",
      "haproxy spare maint",
    ]);
  });

  it("GIVEN a new container WHEN started THEN it has restart policy data, labels, PORT and a <app>-<id> name, and the pull got the registry credentials", async () => {
    const world = new FakeWorld();
    await cutover(world);
    expect(world.lastAuth).toEqual({ username: "deployer", password: SECRETS.registryPassword, serveraddress: "registry.test" });
    expect(world.lastSpec).toMatchObject({ image: V2, env: ["PORT=8080"], stopTimeoutSeconds: 30 });
    expect(world.lastSpec!.name).toMatch(/^web-[0-9a-f]{8}$/);
    expect(world.lastSpec!.labels).toMatchObject({
      [LABEL.app]: "web",
      [LABEL.version]: "v2",
      [LABEL.digest]: `digest-${V2}`,
      [LABEL.deployedBy]: "alice@laptop",
      [LABEL.image]: V2,
    });
    expect(world.lastSpec!.labels[LABEL.deployedAt]).toMatch(/^2026-11-22T/);
  });

  it("GIVEN an image from another registry WHEN pulling THEN no credentials are sent to it", async () => {
    const world = new FakeWorld();
    await cutover(world, "other.example/web:v2");
    expect(world.lastAuth).toBeUndefined();
  });

  it("GIVEN a cutover WHEN it succeeds THEN FALLBACK keeps only the newest stopped container", async () => {
    const world = new FakeWorld();
    world.engine(2).seed("registry.test/web:v0", false);
    await cutover(world);
    expect(world.engine(2).containers.filter((c) => !c.running)).toHaveLength(1);
  });

  it("GIVEN v1 already live WHEN cutting over to v1 THEN nothing changes and only verification runs", async () => {
    const world = new FakeWorld();
    const { result, lines } = await cutover(world, "registry.test/web:v1");
    expect(result.ok && result.r.outcome).toBe("already-live");
    expect(stepNames(lines)).toEqual(["lock", "observe", "verify", "record", "unlock"]);
    expect(world.snapshot()).toEqual(STEADY_V1);
  });
});

describe("a bad image never reaches users", () => {
  it.each([
    ["health path answers 500", "registry.test/web:health-fails", /health check timed out .*answered 500/],
    ["container exits at start", "registry.test/web:exits-at-start", /exited at start .*exit code 1/],
    ["container crash-loops under its restart policy", "registry.test/web:crash-loop", /exited at start and was restarted 2 times/],
  ])("GIVEN %s WHEN cutting over THEN exit 5, PROD untouched, FALLBACK restored, lock released", async (_n, image, message) => {
    const world = new FakeWorld();
    const { result, lines } = await cutover(world, image);
    expect(result.ok).toBe(false);
    const error = (result as { e: ImageRejectedError }).e;
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect(error.exitCode).toBe(ExitCode.rejected);
    expect(error.message).toMatch(message);
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(world.calls.some((c) => c.startsWith("do assign") || c.startsWith("haproxy"))).toBe(false);
    expect(world.engine(2).containers.map((c) => c.image)).not.toContain(image);
    expect(lines.join("\n")).toMatch(/last 20 log lines/);
    expect(stepNames(lines)).toContain("restore");
    expect(world.audit[0]).toMatchObject({ outcome: "rejected", from: { droplet: "web-blue", image: "registry.test/web:v1" }, to: { droplet: "web-green", image } });
    expect(world.deployments[0].states).toEqual(["in_progress", "failure"]);
  });

  it("GIVEN an image the registry does not have WHEN cutting over THEN exit 3 and nothing changed", async () => {
    const world = new FakeWorld();
    const { result } = await cutover(world, "registry.test/web:nope");
    expect((result as { e: Error }).e).toBeInstanceOf(RegistryError);
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(world.calls.filter((c) => c.includes(" run ") || c.includes(" stop "))).toEqual([]);
  });

  it("GIVEN the public entry keeps serving the old version WHEN verifying THEN it rolls back automatically, exit 5, and FALLBACK gets its previous container back", async () => {
    const world = new FakeWorld();
    world.publicOverride = (a) => ({ ...a, version: "v1" });
    const { result, lines } = await cutover(world);
    const error = (result as { e: ImageRejectedError }).e;
    expect(error.exitCode).toBe(ExitCode.rejected);
    expect(error.message).toMatch(/failed verification and was rolled back to registry.test\/web:v1/);
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(stepNames(lines)).toContain("rollback");
  });

  it("GIVEN REF already live but the public entry serves something else WHEN re-run THEN it fails verification (exit 5) without flipping anything", async () => {
    const world = new FakeWorld();
    world.publicOverride = (a) => ({ ...a, version: "v0" });
    const { result } = await cutover(world, "registry.test/web:v1");
    const error = (result as { e: ImageRejectedError }).e;
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect(error.exitCode).toBe(ExitCode.rejected);
    expect(world.snapshot()).toEqual(STEADY_V1);
  });

  it("GIVEN HAProxy cannot reach the new droplet WHEN routing to the spare slot THEN floating is never drained and traffic stays on PROD", async () => {
    const world = new FakeWorld();
    world.spareUnreachable = true;
    const { result } = await cutover(world);
    expect((result as { e: Error }).e.message).toMatch(/HAProxy cannot reach the new droplet at 198.18.2.12:8080 \(check L4CON: Connection refused\)/);
    expect(world.calls).not.toContain("haproxy floating drain");
    expect(world.snapshot()).toEqual(STEADY_V1);
  });

  it("GIVEN DigitalOcean refuses the assign WHEN moving the IP THEN traffic is routed back through floating, the IP stays on PROD and FALLBACK is as before", async () => {
    const world = new FakeWorld();
    world.failOn = "assign";
    const { result } = await cutover(world);
    expect(result.ok).toBe(false);
    expect(world.snapshot()).toEqual(STEADY_V1);
  });

  it("GIVEN the assign was accepted but polling it fails WHEN the IP may still move THEN FALLBACK's new container is left running, so the IP never points at a stopped one", async () => {
    const world = new FakeWorld();
    world.failOn = "action";
    const { result } = await cutover(world);
    expect(result.ok).toBe(false);
    // The fake moved the IP at assign time: FALLBACK must still serve the new image.
    expect(world.snapshot()).toMatchObject({ ipOn: 2, running: { 2: [V2] }, locked: false });
  });
});

describe("the deploy lock", () => {
  const holder = (over: object) => ({
    id: "other",
    who: "bob@ci",
    host: "elsewhere",
    pid: 7,
    command: "cutover",
    image: "x:v9",
    acquiredAt: "2026-11-22T11:59:00Z",
    expiresAt: "2026-11-22T12:10:00Z",
    ...over,
  });

  it("GIVEN a live holder WHEN cutting over THEN exit 4 with who holds it, and nothing is touched", async () => {
    const world = new FakeWorld();
    world.lockHolder = holder({});
    const { result } = await cutover(world);
    const error = (result as { e: LockHeldError }).e;
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.exitCode).toBe(ExitCode.lockHeld);
    expect(error.oneLine()).toMatch(/bob@ci .*lock release --force/);
    expect(world.calls.filter((c) => !c.startsWith("do list") && c !== "lock acquire")).toEqual([]);
    expect(world.lockHolder!.id).toBe("other");
  });

  it.each([
    ["expired", holder({ expiresAt: "2026-11-22T11:00:00Z" })],
    ["held by a dead process on this host", holder({ host: HOST, pid: 3 })],
    ["a directory without holder record", null],
  ])("GIVEN a lock %s WHEN cutting over THEN it is taken over and the cutover proceeds", async (_n, stale) => {
    const world = new FakeWorld();
    world.lockHolder = stale;
    world.lockDirWithoutHolder = stale === null;
    const { result, lines } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(lines.join("\n")).toMatch(/taking over a stale deploy lock/);
    expect(world.snapshot()).toEqual(LIVE_V2);
  });
});

describe("crash at any step, then re-run: always one PROD and the IP on a healthy container", () => {
  const STEPS = ["lock", "observe", "pull", "start", "gate", "route-to-spare", "drain", "move-ip", "restore-floating", "release-spare", "retag", "verify", "prune", "record"];

  it.each(STEPS)("GIVEN the switch was killed right after `step %s done` WHEN re-run THEN v2 is live and consistent", async (after) => {
    const world = new FakeWorld();
    void runCutover(deps(world, new CrashingReporter(after), 3), { image: V2 });
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 50; i++) await Promise.resolve();
    // Invariants hold even before the re-run.
    const mid = world.snapshot();
    expect([mid.tags[1], mid.tags[2]].filter((t) => t.length === 1 && t[0] === "PROD").length).toBeLessThanOrEqual(1);
    expect(mid.running[mid.ipOn as 1 | 2]).toHaveLength(1);
    expect(mid.locked).toBe(true);
    expect(mid.ipOn).toBe(STEPS.indexOf(after) >= STEPS.indexOf("move-ip") ? 2 : 1);

    const { result } = await cutover(world, V2, 200);
    expect(result.ok ? "ok" : (result as { e: Error }).e.message).toBe("ok");
    expect(world.snapshot()).toEqual(LIVE_V2);
  });

  it("GIVEN retag failed half-way WHEN re-run THEN the repair finishes it", async () => {
    const world = new FakeWorld();
    world.failOn = "untag PROD 1";
    const first = await cutover(world);
    expect(first.result.ok).toBe(false);
    expect(world.tagsOf(1)).toEqual(["FALLBACK", "PROD"]);
    world.failOn = undefined;
    const { result, lines } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(lines.join("\n")).toMatch(/repairing: reserved IP .* interrupted retag/);
    expect(world.snapshot()).toEqual(LIVE_V2);
  });
});

describe("an interrupted cutover's container is never taken for the previous version", () => {
  async function crashAfterStart(world: FakeWorld) {
    void runCutover(deps(world, new CrashingReporter("start"), 3), { image: V2 });
    for (let i = 0; i < 60; i++) await new Promise((r) => setImmediate(r));
    expect(world.snapshot().running[2]).toEqual([V2]);
  }

  it("GIVEN a crash after start WHEN rolling back THEN FALLBACK's replaced container runs again and goes live, not the unfinished image", async () => {
    const world = new FakeWorld();
    await world.auditPort.append({ at: "2026-11-22T11:00:00.000Z", who: "x", command: "cutover", outcome: "deployed", durationMs: 1 });
    await crashAfterStart(world);
    const { reporter, lines } = captureReporter();
    const result = await runRollback({ ...deps(world, reporter, 200) });
    expect(result.to).toMatchObject({ droplet: "web-green", image: "registry.test/web:v0" });
    expect(stepNames(lines)).toContain("restore-previous");
    expect(world.snapshot()).toMatchObject({ ipOn: 2, running: { 1: ["registry.test/web:v1"], 2: ["registry.test/web:v0"] } });
    expect(world.engine(2).containers.map((c) => c.image)).not.toContain(V2);
  });

  it("GIVEN a crash after start WHEN the next cutover's image is rejected THEN FALLBACK gets the original previous container back", async () => {
    const world = new FakeWorld();
    await crashAfterStart(world);
    const { result } = await cutover(world, "registry.test/web:health-fails", 200);
    expect(result.ok).toBe(false);
    expect(world.snapshot()).toEqual(STEADY_V1);
  });
});

describe("rollback", () => {
  it("GIVEN v2 live after a cutover WHEN rolling back THEN v1 is live again without a pull", async () => {
    const world = new FakeWorld();
    await cutover(world);
    world.calls.length = 0;
    const { reporter } = captureReporter();
    const result = await runRollback(deps(world, reporter));
    expect(result.outcome).toBe("rolled-back");
    expect(world.snapshot()).toMatchObject({ ipOn: 1, tags: { 1: ["PROD"], 2: ["FALLBACK"] }, running: { 1: ["registry.test/web:v1"], 2: [V2] } });
    expect(world.calls.some((c) => c.includes(" pull "))).toBe(false);
  });

  it("GIVEN FALLBACK runs no container WHEN rolling back THEN it refuses, changes nothing and releases the lock", async () => {
    const world = new FakeWorld({ fallbackImage: null });
    const { reporter } = captureReporter();
    await expect(runRollback(deps(world, reporter))).rejects.toThrow(/previous version is missing/);
    expect(world.snapshot()).toMatchObject({ ipOn: 1, locked: false });
    expect(world.calls.some((c) => c.startsWith("haproxy") || c.startsWith("do assign"))).toBe(false);
  });
});
