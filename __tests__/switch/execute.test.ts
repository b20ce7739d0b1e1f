import { ExitCode } from "../../core/errors";
import { SwitchDeps, runCutover, runRollback } from "../../switch/cutover";
import { ImageRejectedError, InconsistentStateError, LockHeldError, LockLostError, RegistryError } from "../../switch/errors";
import { acquireLock } from "../../switch/lock";
import { LABEL } from "../../switch/model";
import { SECRETS } from "./fakes/config";
import { CrashingReporter, HOST, captureReporter, deps, identity, manualLockTimer, reporterActingAt, stepNames } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";
import type { Reporter } from "../../switch/progress";

const V2 = "registry.test/web:v2";

const STEADY_V1 = {
  ipOn: 1,
  tags: { 1: ["PROD"], 2: ["FALLBACK"] },
  running: { 1: ["registry.test/web:v1"], 2: ["registry.test/web:v0"] },
  haproxy: { blue: "ready", green: "drain" },
  locked: false,
};
/** The slots swapped states: green (pinned to web-green) serves, blue (web-blue, the previous version) is armed. */
const LIVE_V2 = {
  ipOn: 2,
  tags: { 1: ["FALLBACK"], 2: ["PROD"] },
  running: { 1: ["registry.test/web:v1"], 2: [V2] },
  haproxy: { blue: "drain", green: "ready" },
  locked: false,
};

async function cutover(world: FakeWorld, image = V2, pid = 100, captured: { reporter: Reporter; lines: string[] } = captureReporter(), overrides: Record<string, string> = {}) {
  const { reporter, lines } = captured;
  const result = await runCutover(deps(world, reporter, pid, overrides), { image, secrets: {}, message: "ship it" }).then(
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
      "drain",
      "start",
      "arm",
      "gate",
      "hand-over",
      "move-ip",
      "retag",
      "verify",
      "finish",
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

  it("GIVEN a cutover WHEN counting DigitalOcean calls THEN it makes at most 10 (1 droplet list, 1 IP read, 1 assign and its polls, 4 tag calls)", async () => {
    const world = new FakeWorld();
    await cutover(world);
    const doCalls = world.calls.filter((c) => c.startsWith("do ")).length + world.actionPolls;
    expect(doCalls).toBeLessThanOrEqual(10);
    expect(world.calls.filter((c) => c === "do list")).toHaveLength(1);
    expect(world.calls.filter((c) => c.startsWith("do assign"))).toHaveLength(1);
  });

  it("GIVEN a flip WHEN HAProxy is driven THEN the one change of the serving slot is one command, the new slot ready before the old drains, and no slot is re-pointed", async () => {
    const world = new FakeWorld();
    await cutover(world);
    expect(world.haproxyCommands).toEqual([
      ["green maint", "green drain health down"],
      ["green ready", "blue drain"],
    ]);
    expect(world.calls.filter((c) => / addr /.test(c))).toEqual([]);
  });

  it("GIVEN requests in flight on the old slot at the flip WHEN the cutover goes on THEN it moves the IP and ends without waiting for them: they finish on the previous version", async () => {
    const world = new FakeWorld();
    world.leftoverSessions = 1000;
    const { result } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(world.snapshot()).toEqual(LIVE_V2);
    expect(world.calls.filter((c) => c.includes("shutdown sessions"))).toEqual([]);
  });

  it("GIVEN streams still open on FALLBACK's slot from an earlier flip WHEN the next cutover replaces its container THEN they are closed at the drain deadline first, and counted", async () => {
    const world = new FakeWorld();
    world.streams.green = 3;
    const { result } = await cutover(world);
    expect(result.ok && result.r.sessionsClosedAtDrainDeadline).toBe(3);
    const shutdown = world.calls.indexOf("haproxy green shutdown sessions");
    expect(shutdown).toBeGreaterThan(-1);
    expect(shutdown).toBeLessThan(world.calls.findIndex((c) => c.startsWith("docker web-green run")));
    expect(world.snapshot()).toEqual(LIVE_V2);
  });

  it("GIVEN a cutover WHEN sampling the public entry at every HAProxy poll THEN it answers v1 until the hand-over and v2 after it: never both", async () => {
    const world = new FakeWorld();
    const versions: string[] = [];
    world.onServersPoll = () => versions.push(world.publicAnswer().version ?? String(world.publicAnswer().status));
    await cutover(world);
    const switches = versions.filter((v, i) => i > 0 && v !== versions[i - 1]);
    expect(switches).toEqual(["v2"]);
    expect(versions[0]).toBe("v1");
  });

  it("GIVEN a new container WHEN started THEN it has restart policy data, labels, PORT and a <app>-<id> name, and the pull got the registry credentials", async () => {
    const world = new FakeWorld();
    await cutover(world);
    expect(world.lastAuth).toEqual({ username: "deployer", password: SECRETS.registryPassword, serveraddress: "registry.test" });
    expect(world.lastSpec).toMatchObject({ image: V2, env: ["PORT=8080"], stopTimeoutSeconds: 30 });
    // Created pending; the finish step renamed it once the release served.
    expect(world.lastSpec!.name).toMatch(/^web-[0-9a-f]{8}\.pending$/);
    expect(world.engine(2).containers.find((c) => c.running)!.name).toBe(world.lastSpec!.name.replace(/\.pending$/, ""));
    expect(world.lastSpec!.labels).toMatchObject({
      [LABEL.app]: "web",
      [LABEL.version]: "v2",
      [LABEL.digest]: `digest-${V2}`,
      [LABEL.deployedBy]: "alice@laptop",
      [LABEL.image]: V2,
    });
    expect(world.lastSpec!.labels[LABEL.deployedAt]).toMatch(/^2026-11-22T/);
  });

  it("GIVEN a reference with surrounding whitespace WHEN cutting over THEN the parsed reference is what is pulled, labelled, compared and recorded", async () => {
    const world = new FakeWorld();
    const { result } = await cutover(world, ` ${V2}\n`);
    expect(result.ok).toBe(true);
    expect(world.calls.filter((c) => c.includes(" pull "))).toEqual([`docker web-green pull ${V2}`]);
    expect(world.lastSpec).toMatchObject({ image: V2, labels: expect.objectContaining({ [LABEL.image]: V2 }) });
    expect(world.audit[0].to?.image).toBe(V2);
    expect((await cutover(world, `${V2} `)).result).toMatchObject({ ok: true, r: { outcome: "already-live" } });
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
    expect(stepNames(lines)).toEqual(["lock", "observe", "verify", "finish", "record", "unlock"]);
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
    expect(world.calls.some((c) => c.startsWith("do assign") || c === "haproxy green ready" || c === "haproxy blue drain")).toBe(false);
    expect(world.engine(2).containers.map((c) => c.image)).not.toContain(image);
    expect(lines.join("\n")).toMatch(/last 20 log lines/);
    expect(stepNames(lines)).toContain("restore-fallback");
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

  it("GIVEN the public entry keeps serving the old version WHEN verifying THEN traffic is handed back at once, exit 5, and FALLBACK gets its previous container back", async () => {
    const world = new FakeWorld();
    world.publicOverride = (a) => ({ ...a, version: "v1" });
    const { result, lines } = await cutover(world);
    const error = (result as { e: ImageRejectedError }).e;
    expect(error.exitCode).toBe(ExitCode.rejected);
    expect(error.message).toMatch(/step verify failed after the hand-over: .* did not serve version v2 .*; every new request went back to web-blue \(registry.test\/web:v1\)/);
    expect(world.snapshot()).toEqual(STEADY_V1);
    expect(stepNames(lines)).toEqual(expect.arrayContaining(["hand-back", "restore-fallback"]));
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

  it("GIVEN HAProxy cannot reach the new droplet WHEN handing over THEN nothing is handed over (exit 3), PROD's slot keeps serving and FALLBACK is restored", async () => {
    const world = new FakeWorld();
    world.unreachableSlot = "green";
    const versions: string[] = [];
    world.onServersPoll = () => versions.push(world.publicAnswer().version ?? "none");
    const { result } = await cutover(world);
    const error = (result as { e: Error & { exitCode: number } }).e;
    expect(error.message).toMatch(/HAProxy's checks of 198.18.2.12:8080 \(green\) did not pass \(DOWN, check L4CON: Connection refused\); nothing was handed over/);
    expect(error.exitCode).toBe(ExitCode.external);
    expect(versions).not.toContain("v2");
    expect(world.snapshot()).toEqual(STEADY_V1);
  });

  it("GIVEN DigitalOcean refuses the assign WHEN moving the IP after the hand-over THEN every request goes back to PROD at once, exit 5, the IP stays and FALLBACK is as before", async () => {
    const world = new FakeWorld();
    world.failOn = "assign";
    const { result } = await cutover(world);
    expect((result as { e: ImageRejectedError }).e.exitCode).toBe(ExitCode.rejected);
    expect(world.snapshot()).toEqual(STEADY_V1);
  });

  it("GIVEN DigitalOcean refuses the assign WHEN traffic is handed back THEN some slot serves after every single change of the hand-back (no 503 window): PROD's slot, still armed on it", async () => {
    const world = new FakeWorld();
    world.failOn = "assign";
    const answers: number[] = [];
    let handingBack = false;
    world.onHaproxyChange = () => handingBack && answers.push(world.publicAnswer().status);
    const assign = world.digitalocean.assignReservedIp;
    world.digitalocean.assignReservedIp = async (ip, id) => {
      handingBack = true;
      return assign(ip, id);
    };
    await cutover(world);
    expect(world.haproxyCommands).toContainEqual(["blue ready", "green drain"]);
    expect(answers.filter((status) => status !== 200)).toEqual([]);
  });

  it("GIVEN the assign was accepted but polling it fails WHEN the IP may still move THEN traffic is handed back to PROD's own address and FALLBACK's new container is left running", async () => {
    const world = new FakeWorld();
    world.failOn = "action";
    const { result } = await cutover(world);
    expect(result.ok).toBe(false);
    // The fake moves the IP at assign time (both ways): the previous version serves, and the IP never points at a stopped container.
    expect(world.publicAnswer().version).toBe("v1");
    const after = world.snapshot();
    expect(after).toMatchObject({ running: { 2: [V2] }, locked: false });
    expect(after.running[after.ipOn as 1 | 2]).toHaveLength(1);
  });
});

describe("a release that fails after the hand-over is handed back at once", () => {
  const AFTER_HAND_OVER = ["move-ip", "retag", "verify"];

  it.each(AFTER_HAND_OVER)("GIVEN the new container dies (docker kill) as step %s starts WHEN the switch notices THEN the previous version serves, exit 5, and PROD is the old droplet again", async (at) => {
    const world = new FakeWorld();
    const kill = () => world.engine(2).containers.filter((c) => c.running).forEach((c) => (c.running = false));
    const { result } = await cutover(world, V2, 100, reporterActingAt(at, kill));
    const error = (result as { e: ImageRejectedError }).e;
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect(error.message).toMatch(/every new request went back to web-blue/);
    expect(world.publicAnswer().version).toBe("v1");
    expect(world.snapshot()).toMatchObject({ ipOn: 1, tags: { 1: ["PROD"], 2: ["FALLBACK"] }, haproxy: { blue: "ready", green: "drain" }, locked: false });
  });

  it("GIVEN the new release fails 20% of real requests but passes its health path WHEN the bake window watches HAProxy's counters THEN it is handed back with the figures that triggered it", async () => {
    const world = new FakeWorld();
    let handedOver = false;
    world.onServersPoll = () => {
      handedOver ||= world.servers.find((s) => s.name === "green")!.admin === "ready";
      // Once the new release serves, the serving slot's counters grow: 20 of every 100 answers are 5xx.
      const serving = world.servers.find((s) => s.admin === "ready")!.name;
      if (handedOver) {
        const t = world.traffic[serving] ?? { responses: 0, serverErrors: 0, connectionErrors: 0, responseTimeMs: 3 };
        world.traffic[serving] = { ...t, responses: t.responses + 100, serverErrors: t.serverErrors + 20 };
      }
    };
    // Each sleep of the run takes a little real time, so the (fake-clock) bake window lasts long enough for the watchdog's real-time polls.
    world.clock.sleep = async (ms) => {
      world.clock.t += Math.max(ms, 1);
      await new Promise((r) => setTimeout(r, 20));
    };
    const { reporter, lines } = captureReporter();
    const error = await runCutover(deps(world, reporter, 100, { SWITCH_BAKE_SECONDS: "10" }), { image: V2, secrets: {} }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ImageRejectedError);
    expect((error as Error).message).toMatch(/the new release failed \d+ of \d+ requests \(20\.0% > 1\.0%/);
    expect(world.publicAnswer().version).toBe("v1");
    expect(stepNames(lines)).toContain("hand-back");
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
  const TTL_MS = 600_000;

  it.each([
    ["live", () => holder({})],
    // A hostname is not a machine: two containers or laptops may share one, so the pid tells nothing.
    ["held by a pid that is not running on a host of this name", () => holder({ host: HOST, pid: 3 })],
  ])("GIVEN a %s holder WHEN cutting over THEN exit 4 with who holds it, and nothing is touched", async (_n, make) => {
    const world = new FakeWorld();
    world.lockHolder = make();
    const { result } = await cutover(world);
    const error = (result as { e: LockHeldError }).e;
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.exitCode).toBe(ExitCode.lockHeld);
    expect(error.oneLine()).toMatch(/bob@ci .*lock release --force/);
    expect(world.calls.filter((c) => !c.startsWith("do list") && c !== "lock acquire")).toEqual([]);
    expect(world.lockHolder!.id).toBe("other");
  });

  it.each([
    // The runner's clock says the holder expired 20 minutes ago; the balancer's, which decides, says it is live.
    ["a runner whose clock is 20 minutes ahead of the balancer's", -20 * 60_000],
    ["a runner whose clock is 20 minutes behind the balancer's", 20 * 60_000],
  ])("GIVEN a live holder and %s WHEN cutting over THEN it is refused all the same", async (_n, skew) => {
    const world = new FakeWorld();
    world.balancerClockSkewMs = skew;
    world.lockHolder = holder({ expiresAt: new Date(world.balancerNow() + 60_000).toISOString() });
    const { result } = await cutover(world);
    expect((result as { e: Error }).e).toBeInstanceOf(LockHeldError);
    expect(world.lockHolder!.id).toBe("other");
  });

  it.each([
    ["expired by the balancer's clock", () => holder({ expiresAt: "2026-11-22T11:00:00Z" }), 0],
    ["directory without holder record, older than the TTL", () => null, TTL_MS],
  ])("GIVEN a lock %s WHEN cutting over THEN it is taken over and the cutover proceeds", async (_n, stale, ageMs) => {
    const world = new FakeWorld();
    world.lockHolder = stale();
    world.lockDirWithoutHolder = world.lockHolder === null;
    world.lockChangedAt = world.balancerNow() - ageMs;
    const { result, lines } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(lines.join("\n")).toMatch(/taking over a stale deploy lock/);
    expect(world.snapshot()).toEqual(LIVE_V2);
  });

  it("GIVEN a directory without holder record younger than the TTL WHEN cutting over THEN it is refused, saying when it can be taken over", async () => {
    const world = new FakeWorld();
    world.lockDirWithoutHolder = true;
    world.lockChangedAt = world.balancerNow() - 60_000;
    const { result } = await cutover(world);
    expect((result as { e: Error }).e.message).toMatch(/cannot be trusted: it has no holder record .*; it can be taken over in 540 s/);
  });

  it("GIVEN a cutover WHEN it runs THEN the lock is renewed before every step after observe, each renewal a full TTL from the balancer's now", async () => {
    const world = new FakeWorld();
    const expiries: number[] = [];
    const renew = world.lockPort.renew;
    world.lockPort.renew = async (id, ttl) => {
      const r = await renew(id, ttl);
      if (r.renewed) expiries.push(Date.parse(r.holder.expiresAt) - world.balancerNow());
      return r;
    };
    const { result, lines } = await cutover(world);
    expect(result.ok).toBe(true);
    const planned = stepNames(lines).filter((n) => !["lock", "observe", "record", "unlock"].includes(n));
    expect(world.calls.filter((c) => c === "lock renew")).toHaveLength(planned.length);
    expect(new Set(expiries)).toEqual(new Set([TTL_MS]));
  });

  it("GIVEN the lock is force-released and taken by another run during the gate WHEN the next step is due THEN the run stops there with exit 4: no hand-over, no undo", async () => {
    const world = new FakeWorld();
    const captured = reporterActingAt("gate", () => {
      world.lockHolder = holder({ id: "intruder", who: "carol@ci", expiresAt: new Date(world.balancerNow() + TTL_MS).toISOString() });
    });
    const { result, lines } = await cutover(world, V2, 100, captured);
    const error = (result as { e: Error }).e;
    expect(error).toBeInstanceOf(LockLostError);
    expect(error.message).toMatch(/taken over by carol@ci .*: stopped before the next change/);
    expect((error as LockLostError).exitCode).toBe(ExitCode.lockHeld);
    expect(stepNames(lines)).not.toContain("hand-over");
    expect(stepNames(lines)).not.toContain("restore-fallback");
    expect(world.haproxyCommands.some((c) => c.includes("spare ready"))).toBe(false);
    expect(world.lockHolder!.id).toBe("intruder");
  });

  it("GIVEN a pull longer than the TTL WHEN a contender asks for the lock meanwhile THEN it is refused: the lease was renewed every TTL/3 through the wait", async () => {
    const world = new FakeWorld();
    const timer = manualLockTimer();
    const contenders: unknown[] = [];
    const base = deps(world, captureReporter().reporter);
    const slowPull: SwitchDeps = {
      ...base,
      lockTimer: timer,
      ports: {
        ...base.ports,
        docker: (d) => {
          const engine = base.ports.docker(d);
          return Object.assign(Object.create(engine), {
            pull: async (...args: Parameters<typeof engine.pull>) => {
              for (let waited = 0; waited < 2 * TTL_MS; waited += timer.periodMs) {
                world.clock.t += timer.periodMs;
                await timer.tick();
                contenders.push(await acquireLock(world.lockPort, { who: "carol", command: "cutover", ttlMs: TTL_MS }, world.clock, identity(9), () => undefined).catch((e) => e));
              }
              return engine.pull(...args);
            },
          });
        },
      },
    };
    await runCutover(slowPull, { image: V2, secrets: {} });
    expect(timer.periodMs).toBe(TTL_MS / 3);
    expect(contenders.length).toBeGreaterThanOrEqual(6);
    for (const c of contenders) expect(c).toBeInstanceOf(LockHeldError);
    expect(world.snapshot()).toEqual(LIVE_V2);
  });

  it("GIVEN the same long pull with no renewal during it WHEN a contender takes the expired lock over THEN the run stops before its next change (start), with exit 4", async () => {
    const world = new FakeWorld();
    const base = deps(world, captureReporter().reporter);
    let taken = false;
    const stalled: SwitchDeps = {
      ...base,
      ports: {
        ...base.ports,
        docker: (d) => {
          const engine = base.ports.docker(d);
          return Object.assign(Object.create(engine), {
            pull: async (...args: Parameters<typeof engine.pull>) => {
              world.clock.t += TTL_MS + 1000;
              await acquireLock(world.lockPort, { who: "carol", command: "cutover", ttlMs: TTL_MS }, world.clock, identity(9), () => undefined);
              taken = true;
              return engine.pull(...args);
            },
          });
        },
      },
    };
    await expect(runCutover(stalled, { image: V2, secrets: {} })).rejects.toBeInstanceOf(LockLostError);
    expect(taken).toBe(true);
    expect(world.snapshot()).toMatchObject({ ipOn: 1, running: STEADY_V1.running, haproxy: STEADY_V1.haproxy });
    expect(world.calls.some((c) => / run /.test(c) || / stop /.test(c))).toBe(false);
  });
});

/** What waiting out a killed run's lock does: the balancer's clock passes its lease (SWITCH_LOCK_TTL_SECONDS in the test config). */
function expireKilledRunsLock(world: FakeWorld): void {
  world.clock.t += 601_000;
}

describe("crash at any step, then re-run: always one PROD and the IP on a healthy container", () => {
  const STEPS = ["lock", "observe", "pull", "drain", "start", "arm", "gate", "hand-over", "move-ip", "retag", "verify", "finish", "prune", "record"];

  it.each(STEPS)("GIVEN the switch was killed right after `step %s done` WHEN re-run THEN v2 is live and consistent", async (after) => {
    const world = new FakeWorld();
    const crashing = new CrashingReporter(after);
    void runCutover(deps(world, crashing, 3), { image: V2, secrets: {} });
    await crashing.crashed;
    // A killed run's lock expires a TTL after its last renewal (no pid inference): the re-run comes after that.
    expireKilledRunsLock(world);
    // Invariants hold even before the re-run.
    const mid = world.snapshot();
    expect([mid.tags[1], mid.tags[2]].filter((t) => t.length === 1 && t[0] === "PROD").length).toBeLessThanOrEqual(1);
    expect(mid.running[mid.ipOn as 1 | 2]).toHaveLength(1);
    expect(mid.locked).toBe(true);
    expect(mid.ipOn).toBe(STEPS.indexOf(after) >= STEPS.indexOf("move-ip") ? 2 : 1);
    expect(world.publicAnswer().status).toBe(200);

    const { result } = await cutover(world, V2, 200);
    expect(result.ok ? "ok" : (result as { e: Error }).e.message).toBe("ok");
    expect(world.snapshot()).toEqual(LIVE_V2);
  });

  it("GIVEN retag fails half-way WHEN the switch hands back THEN its undo re-tags the old PROD, and the next run deploys", async () => {
    const world = new FakeWorld();
    world.failOn = "untag PROD 1";
    const first = await cutover(world);
    expect((first.result as { e: ImageRejectedError }).e.exitCode).toBe(ExitCode.rejected);
    expect(world.snapshot()).toEqual(STEADY_V1);
    world.failOn = undefined;
    const { result } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(world.snapshot()).toEqual(LIVE_V2);
  });
});

describe("an interrupted cutover's container is never taken for the previous version", () => {
  async function crashAfterStart(world: FakeWorld) {
    const crashing = new CrashingReporter("start");
    void runCutover(deps(world, crashing, 3), { image: V2, secrets: {} });
    await crashing.crashed;
    expireKilledRunsLock(world);
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

describe("release history lives on the containers, not in the audit log", () => {
  const V1 = "registry.test/web:v1";
  const V3 = "registry.test/web:v3";
  const running = (world: FakeWorld, id: 1 | 2) => world.engine(id).containers.filter((c) => c.running);
  async function v1ToV2ToV3(world: FakeWorld) {
    for (const image of [V2, V3]) expect((await cutover(world, image)).result.ok).toBe(true);
    expect(world.snapshot()).toMatchObject({ ipOn: 1, running: { 1: [V3], 2: [V2] } });
  }
  const rollback = async (world: FakeWorld) => {
    const { reporter, lines } = captureReporter();
    const result = await runRollback(deps(world, reporter)).then(
      (r) => ({ ok: true as const, r }),
      (e: Error) => ({ ok: false as const, e }),
    );
    return { result, lines };
  };

  it.each([
    ["kept", false],
    ["lost (a replaced balancer)", true],
  ])("GIVEN v1 → v2 → v3 and the audit log %s WHEN rolling back THEN v2 serves again, one version back", async (_name, lose) => {
    const world = new FakeWorld();
    await v1ToV2ToV3(world);
    if (lose) world.audit.length = 0;
    const { result, lines } = await rollback(world);
    expect(result.ok).toBe(true);
    expect(stepNames(lines)).not.toContain("restore-previous");
    expect(world.snapshot()).toMatchObject({ ipOn: 2, running: { 1: [V3], 2: [V2] } });
    expect(world.publicAnswer().version).toBe("v2");
  });

  it("GIVEN v1 → v2 → v3 and the audit log lost WHEN the next cutover is rejected by the gate THEN FALLBACK gets v2 back: the real previous container was kept", async () => {
    const world = new FakeWorld();
    await v1ToV2ToV3(world);
    world.audit.length = 0;
    const { result } = await cutover(world, "registry.test/web:health-fails");
    expect((result as { e: Error }).e).toBeInstanceOf(ImageRejectedError);
    expect(running(world, 2).map((c) => c.image)).toEqual([V2]);
    expect(world.engine(2).containers.map((c) => c.image)).toContain(V2);
    expect((await rollback(world)).result.ok).toBe(true);
    expect(world.publicAnswer().version).toBe("v2");
  });

  it("GIVEN a cutover killed after start and the audit log lost WHEN rolling back THEN the pending container goes and the one it replaced serves", async () => {
    const world = new FakeWorld();
    await v1ToV2ToV3(world);
    const crashing = new CrashingReporter("start");
    void runCutover(deps(world, crashing, 3), { image: "registry.test/web:v0", secrets: {} });
    await crashing.crashed;
    expireKilledRunsLock(world);
    world.audit.length = 0;
    expect(running(world, 2).map((c) => c.name)).toEqual([expect.stringMatching(/\.pending$/)]);
    const { result, lines } = await rollback(world);
    expect(result.ok).toBe(true);
    expect(stepNames(lines)).toContain("restore-previous");
    expect(world.publicAnswer().version).toBe("v2");
    expect(world.engine(2).containers.filter((c) => c.name.endsWith(".pending"))).toEqual([]);
  });

  it("GIVEN a FALLBACK container from before release marks and no audit line WHEN rolling back THEN it refuses with the fix; once marked as it says, the rollback goes to it", async () => {
    const world = new FakeWorld();
    const legacy = world.engine(2).containers.find((c) => c.running)!;
    legacy.labels[LABEL.deployedAt] = "2026-11-20T10:00:00.000Z";
    const refused = await rollback(world);
    const error = (refused.result as unknown as { e: InconsistentStateError }).e;
    expect(error).toBeInstanceOf(InconsistentStateError);
    expect(error.oneLine()).toMatch(
      new RegExp(`cannot roll back: web-green runs ${legacy.name} \\(registry.test/web:v0\\), started before release marks.* fix: if it served users before, mark it on web-green: docker rename ${legacy.name} ${legacy.name}\\.finished`),
    );
    expect(world.snapshot()).toMatchObject(STEADY_V1);
    legacy.name = `${legacy.name}.finished`;
    expect((await rollback(world)).result.ok).toBe(true);
    expect(world.publicAnswer().version).toBe("v0");
  });

  it("GIVEN containers from before release marks WHEN a cutover finishes THEN both that served are marked, so a later rollback needs no audit line", async () => {
    const world = new FakeWorld();
    for (const id of [1, 2] as const) world.engine(id).containers.forEach((c) => (c.labels[LABEL.deployedAt] = "2026-11-20T10:00:00.000Z"));
    expect((await cutover(world)).result.ok).toBe(true);
    expect(running(world, 1)[0].name).toMatch(/\.finished$/);
    expect(running(world, 2)[0].name).toMatch(/^web-[0-9a-f]{8}$/);
    world.audit.length = 0;
    expect((await rollback(world)).result.ok).toBe(true);
    expect(world.publicAnswer().version).toBe("v1");
  });

  it("GIVEN the finish step fails WHEN cutting over THEN the release stays live with a warning, and the next run's finish marks it", async () => {
    const world = new FakeWorld();
    world.failOn = "rename";
    const { result, lines } = await cutover(world);
    expect(result.ok).toBe(true);
    expect(world.snapshot()).toEqual(LIVE_V2);
    expect(lines.join("\n")).toMatch(/warning: .*injected failure renaming .*\(the release stays live\)/);
    expect(running(world, 2)[0].name).toMatch(/\.pending$/);
    world.failOn = undefined;
    expect((await cutover(world)).result).toMatchObject({ ok: true, r: { outcome: "already-live" } });
    expect(running(world, 2)[0].name).not.toMatch(/\.pending$/);
  });

  it("GIVEN the switch killed after verify, before finish WHEN re-run THEN only verification and the finish run, and the new container is marked", async () => {
    const world = new FakeWorld();
    const crashing = new CrashingReporter("verify");
    void runCutover(deps(world, crashing, 3), { image: V2, secrets: {} });
    await crashing.crashed;
    expireKilledRunsLock(world);
    const { result, lines } = await cutover(world);
    expect(result).toMatchObject({ ok: true, r: { outcome: "already-live" } });
    expect(stepNames(lines)).toEqual(["lock", "observe", "verify", "finish", "record", "unlock"]);
    expect(running(world, 2)[0].name).toMatch(/^web-[0-9a-f]{8}$/);
    expect(running(world, 1).map((c) => c.image)).toEqual([V1]);
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
    expect(world.snapshot().haproxy).toEqual({ blue: "ready", green: "drain" });
  });

  it("GIVEN v2 live after a cutover WHEN rolling back THEN its steps are the hand-over, the IP move, the retag and a verify without bake: no drain, no re-pointed slot", async () => {
    const world = new FakeWorld();
    await cutover(world);
    world.calls.length = 0;
    world.haproxyCommands.length = 0;
    world.leftoverSessions = 1000;
    const { reporter, lines } = captureReporter();
    await runRollback(deps(world, reporter));
    expect(stepNames(lines)).toEqual(["lock", "observe", "hand-over", "move-ip", "retag", "verify", "finish", "record", "unlock"]);
    expect(world.haproxyCommands).toEqual([["blue ready", "green drain"]]);
  });

  it("GIVEN v2 live and v1 armed WHEN rolling back THEN the atomic hand-over is the first change anywhere: no Docker, tag or IP change before it", async () => {
    const world = new FakeWorld();
    await cutover(world);
    world.calls.length = 0;
    world.haproxyCommands.length = 0;
    const { reporter } = captureReporter();
    await runRollback(deps(world, reporter));
    expect(world.haproxyCommands[0]).toEqual(["blue ready", "green drain"]);
    const before = world.calls.slice(0, world.calls.indexOf("haproxy blue ready"));
    expect(before.filter((c) => !c.startsWith("do list") && !c.startsWith("do get-ip") && !c.startsWith("lock") && !c.endsWith(" list"))).toEqual([]);
  });

  it("GIVEN FALLBACK runs no container WHEN rolling back THEN it refuses, changes nothing and releases the lock", async () => {
    const world = new FakeWorld({ fallbackImage: null });
    const { reporter } = captureReporter();
    await expect(runRollback(deps(world, reporter))).rejects.toThrow(/previous version is missing/);
    expect(world.snapshot()).toMatchObject({ ipOn: 1, locked: false });
    expect(world.calls.some((c) => c.startsWith("haproxy") || c.startsWith("do assign"))).toBe(false);
  });
});
