import { ExternalError } from "../../core/errors";
import { CliIo, main } from "../../switch/cli";
import { SECRETS, TEST_ENV } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
  portsMade: number;
}

async function cli(argv: string[], world = new FakeWorld(), env: Record<string, string | undefined> = TEST_ENV, tweak?: (io: CliIo) => CliIo): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let portsMade = 0;
  let io: CliIo = {
    env,
    stdout: (t) => stdout.push(...t.split("\n").filter((l) => l !== "")),
    stderr: (t) => stderr.push(...t.split("\n").filter((l) => l !== "")),
    isTTY: false,
    makePorts: () => {
      portsMade++;
      return world.ports();
    },
    self: identity(100),
  };
  if (tweak) io = tweak(io);
  const code = await main(argv, io);
  return { code, stdout, stderr, portsMade };
}

const lastJson = (r: Run) => JSON.parse(r.stdout[r.stdout.length - 1]);
const V2 = ["--image", "registry.test/web:v2"];

describe("switch CLI: cutover", () => {
  it("GIVEN a good image WHEN run with --json THEN exit 0, step lines, and one JSON result on the last line", async () => {
    const r = await cli([...V2, "--message", "release 2", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("step lock started");
    expect(r.stdout.some((l) => /^step move-ip done \(\d+ ms\)$/.test(l))).toBe(true);
    expect(lastJson(r)).toMatchObject({
      ok: true,
      command: "cutover",
      outcome: "deployed",
      to: { image: "registry.test/web:v2", droplet: "web-green" },
      floatingIp: "198.18.1.100",
    });
    expect(lastJson(r).steps.map((s: { name: string }) => s.name)).toContain("verify");
  });

  it("GIVEN --dry-run WHEN run THEN it prints the plan and changes nothing, not even the lock", async () => {
    const world = new FakeWorld();
    const before = world.snapshot();
    const r = await cli([...V2, "--dry-run"], world);
    expect(r.code).toBe(0);
    expect(r.stdout.join("\n")).toMatch(/web-green becomes PROD with registry.test\/web:v2; reserved IP 198.18.1.100 moves from web-blue to web-green/);
    expect(r.stdout.join("\n")).toMatch(/move reserved IP 198.18.1.100 to web-green/);
    expect(world.snapshot()).toEqual(before);
    expect(world.calls.filter((c) => c.startsWith("lock") || c.startsWith("haproxy") || c.includes(" pull ") || c.startsWith("do assign") || c.startsWith("do tag"))).toEqual([]);
  });

  it.each([
    ["no arguments", 2, [], /nothing to do: no --image given/],
    ["a malformed image reference", 2, ["--image", "Registry.test/Web:v2!"], /invalid image reference/],
    ["an image without a version", 2, ["--image", "registry.test/web"], /names no version/],
    ["an unknown option", 2, ["--imgae", "x:v1"], /unknown option '--imgae'/],
    ["an unknown command", 2, ["deploy"], /too many arguments|unknown command/],
  ])("GIVEN %s WHEN run THEN exit %d with one line and no network port is built", async (_n, code, argv, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(message);
    expect(r.stderr[0]).toMatch(/fix: /);
    expect(r.portsMade).toBe(0);
  });

  it("GIVEN no token WHEN run THEN exit 2 naming DIGITALOCEAN_TOKEN, before any network call", async () => {
    const r = await cli(V2, new FakeWorld(), { ...TEST_ENV, DIGITALOCEAN_TOKEN: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/DIGITALOCEAN_TOKEN=\(unset\): required by the switch/);
    expect(r.portsMade).toBe(0);
  });

  it.each([
    ["a health path answering 500", 5, "registry.test/web:health-fails"],
    ["a container exiting at start", 5, "registry.test/web:exits-at-start"],
    ["an image the registry lacks", 3, "registry.test/web:missing"],
  ])("GIVEN %s WHEN run with --json THEN exit %d and the JSON says why", async (_n, code, image) => {
    const r = await cli(["--image", image, "--json"]);
    expect(r.code).toBe(code);
    expect(lastJson(r)).toMatchObject({ ok: false, command: "cutover", exitCode: code });
    expect(r.stderr[r.stderr.length - 1]).toMatch(/^error: .* — fix: /);
  });

  it("GIVEN a live lock WHEN run THEN exit 4", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "x", who: "bob", host: "other", pid: 1, command: "cutover", acquiredAt: "2026-11-22T11:59:00Z", expiresAt: "2026-11-22T12:30:00Z" };
    expect((await cli(V2, world)).code).toBe(4);
  });

  it.each([
    ["a tag in CI", { CI: "true" }, "registry.test/web:v2", 2],
    ["a tag in CI, SWITCH_ALLOW_TAG_REFERENCE=true", { CI: "true", SWITCH_ALLOW_TAG_REFERENCE: "true" }, "registry.test/web:v2", 0],
    ["a tag outside CI", {}, "registry.test/web:v2", 0],
  ])("GIVEN %s WHEN cutting over THEN exit %d (a tag is mutable: CI deploys digests)", async (_name, env, image, code) => {
    const world = new FakeWorld();
    const r = await cli(["--image", image], world, { ...TEST_ENV, ...env });
    expect(r.code).toBe(code);
    if (code === 2) {
      expect(r.stderr.join("\n")).toMatch(/names a tag only, and tags are mutable.* fix: deploy registry.test\/web@sha256:<digest> .*SWITCH_ALLOW_TAG_REFERENCE=true/);
      expect(world.calls).toEqual([]);
    }
  });

  it("GIVEN CI=true WHEN run THEN each step is a GitLab collapsible section", async () => {
    const r = await cli(V2, new FakeWorld(), { ...TEST_ENV, CI: "true", SWITCH_ALLOW_TAG_REFERENCE: "true" });
    expect(r.stdout.some((l) => /^\x1b\[0Ksection_start:\d+:switch_move_ip_\d+\[collapsed=false\]\r\x1b\[0K/.test(l))).toBe(true);
    expect(r.stdout.some((l) => /^\x1b\[0Ksection_end:\d+:switch_move_ip_\d+\r\x1b\[0K$/.test(l))).toBe(true);
    expect(r.stdout).toContain("step move-ip started");
  });

  it("GIVEN --verbose WHEN a step fails THEN the stack trace follows the one-line error", async () => {
    const r = await cli(["--image", "registry.test/web:missing", "--verbose"]);
    expect(r.stderr[0]).toMatch(/^error: image registry.test\/web:missing not found/);
    expect(r.stderr.slice(1).join("\n")).toMatch(/at /);
  });
});

describe("switch CLI: secrets never reach output", () => {
  it("GIVEN an error message carrying the token, the registry password and the key WHEN printed THEN all are masked", async () => {
    const world = new FakeWorld();
    const leaky = new ExternalError(`upstream said ${SECRETS.token} / ${SECRETS.registryPassword} / test-key-material-not-real`, `retry with ${SECRETS.token}`);
    world.digitalocean.listDroplets = async () => {
      throw leaky;
    };
    const r = await cli([...V2, "--json", "--verbose"], world);
    const all = [...r.stdout, ...r.stderr].join("\n");
    expect(r.code).toBe(3);
    for (const secret of [SECRETS.token, SECRETS.registryPassword, "test-key-material-not-real"]) expect(all).not.toContain(secret);
    expect(all).toContain("[redacted]");
  });

  it("GIVEN a full cutover WHEN printed THEN the registry password used for the pull appears nowhere", async () => {
    const r = await cli([...V2, "--json"]);
    expect(r.code).toBe(0);
    expect([...r.stdout, ...r.stderr].join("\n")).not.toContain(SECRETS.registryPassword);
  });

  it("GIVEN SSH_INSECURE_ACCEPT_ANY_HOST_KEY=true WHEN any command runs THEN it warns on every run", async () => {
    const env = { ...TEST_ENV, SSH_INSECURE_ACCEPT_ANY_HOST_KEY: "true" };
    for (const argv of [["status"], ["lock", "status"]]) {
      const r = await cli(argv, new FakeWorld(), env);
      expect(r.stderr.join("\n")).toMatch(/host keys are NOT checked/);
    }
  });
});

describe("switch CLI: rollback, status, lock", () => {
  it("GIVEN v2 live WHEN rollback --json THEN exit 0 and v1 serves again", async () => {
    const world = new FakeWorld();
    await cli(V2, world);
    const r = await cli(["rollback", "--json"], world);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toMatchObject({ ok: true, command: "rollback", outcome: "rolled-back", to: { image: "registry.test/web:v1", droplet: "web-blue" } });
    expect(world.snapshot().ipOn).toBe(1);
  });

  it("GIVEN FALLBACK runs nothing WHEN rollback THEN exit 2: the previous version is missing", async () => {
    const r = await cli(["rollback"], new FakeWorld({ fallbackImage: null }));
    expect(r.code).toBe(2);
    expect(r.stderr[0]).toMatch(/previous version is missing/);
  });

  it("GIVEN a cutover happened WHEN status --json THEN it shows roles, images, health, IP, HAProxy, the lock and the audit", async () => {
    const world = new FakeWorld();
    await cli([...V2, "--message", "v2 please"], world);
    const r = await cli(["status", "--json"], world);
    expect(r.code).toBe(0);
    const s = lastJson(r);
    expect(s).toMatchObject({
      ok: true,
      consistent: true,
      prod: { droplet: "web-green", container: { image: "registry.test/web:v2" }, health: "200 (v2)" },
      fallback: { droplet: "web-blue", container: { image: "registry.test/web:v1" }, health: "200 (v1)" },
      reservedIp: { ip: "198.18.1.100", droplet: "web-green" },
      lock: null,
    });
    // After the cutover the slots swapped: green (the new PROD's) serves, blue is armed on the previous version.
    expect(s.haproxy).toEqual([expect.objectContaining({ server: "blue", admin: "drain" }), expect.objectContaining({ server: "green", admin: "ready" })]);
    expect(s.rollback).toEqual({ ready: true, detail: expect.stringMatching(/HAProxy checks FALLBACK web-blue at 198.18.2.11:8080: DRAIN/) });
    expect(s.audit).toEqual([expect.objectContaining({ outcome: "deployed", message: "v2 please" })]);
  });

  it("GIVEN the IP on FALLBACK and no previous version WHEN status THEN the inconsistencies are listed for a person", async () => {
    const world = new FakeWorld({ fallbackImage: null });
    world.ip = { ...world.ip, dropletId: 2 };
    world.engine(2).seed("registry.test/web:v1");
    world.engine(1).containers = [];
    const r = await cli(["status"], world);
    expect(r.code).toBe(0);
    const text = r.stdout.join("\n");
    expect(text).toMatch(/state {4}INCONSISTENT/);
    expect(text).toMatch(/interrupted retag/);
    expect(text).toMatch(/previous version is missing/);
  });

  it("GIVEN a live lock WHEN lock release without --force THEN exit 4; with --force THEN released", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "x", who: "bob", host: "other", pid: 1, command: "cutover", acquiredAt: "2026-11-22T11:59:00Z", expiresAt: "2026-11-22T12:30:00Z" };
    const status = await cli(["lock", "status", "--json"], world);
    expect(lastJson(status)).toMatchObject({ holder: { who: "bob" }, stale: null });
    expect((await cli(["lock", "release"], world)).code).toBe(4);
    const forced = await cli(["lock", "release", "--force"], world);
    expect(forced.code).toBe(0);
    expect(forced.stdout.join("\n")).toMatch(/released the lock held by bob/);
    expect(world.lockHolder).toBeNull();
  });
});

describe("switch CLI: stale locks", () => {
  it("GIVEN an expired lock WHEN lock release without --force THEN it is released", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "x", who: "bob", host: "other", pid: 1, command: "cutover", acquiredAt: "2026-11-22T10:00:00Z", expiresAt: "2026-11-22T10:15:00Z" };
    const status = await cli(["lock", "status"], world);
    expect(status.stdout.join("\n")).toMatch(/stale: it expired at 2026-11-22T10:15:00Z/);
    const released = await cli(["lock", "release"], world);
    expect(released.code).toBe(0);
    expect(world.lockHolder).toBeNull();
  });
});

describe("switch CLI: maintenance", () => {
  it("GIVEN maintenance on --message WHEN run THEN exit 0, HAProxy serves the page and one line says how to end it", async () => {
    const world = new FakeWorld();
    const r = await cli(["maintenance", "on", "--message", "Migrating the database"], world);
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual(['maintenance on: visitors get a 503 page ("Migrating the database"); the app keeps running — `maintenance off` ends it']);
    expect(world.maintenance).toEqual({ on: true, message: "Migrating the database" });
    expect(world.audit).toEqual([expect.objectContaining({ command: "maintenance on", outcome: "done", message: "Migrating the database" })]);
  });

  it.each([
    [["maintenance", "on", "--json"], { ok: true, command: "maintenance on", on: true, message: expect.stringMatching(/maintenance/), balancer: "web-lb" }],
    [["maintenance", "off", "--json"], { ok: true, command: "maintenance off", on: false, balancer: "web-lb" }],
  ])("GIVEN %j WHEN run THEN one JSON result on the last line", async (argv, json) => {
    const r = await cli(argv);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toEqual(json);
  });

  it("GIVEN maintenance on WHEN status, then maintenance off and status THEN status shows the mode, then its end", async () => {
    const world = new FakeWorld();
    await cli(["maintenance", "on", "--message", "x"], world);
    const on = await cli(["status"], world);
    expect(on.stdout).toContain('maintenance ON: visitors get 503 ("x"); the app keeps running — `maintenance off` ends it');
    expect(lastJson(await cli(["status", "--json"], world)).maintenance).toEqual({ on: true, message: "x" });
    const off = await cli(["maintenance", "off"], world);
    expect(off.stdout).toEqual(["maintenance off: visitors reach the app again"]);
    expect((await cli(["status"], world)).stdout).toContain("maintenance off");
  });

  it.each([
    ["a message over 200 characters", ["maintenance", "on", "--message", "x".repeat(201)], /201 characters long, more than 200 — fix: shorten --message/],
    ["an unknown subcommand", ["maintenance", "maybe"], /unknown command 'maybe'|too many arguments/],
    ["--message on off", ["maintenance", "off", "--message", "x"], /unknown option '--message'/],
  ])("GIVEN %s WHEN run THEN exit 2 and nothing changed", async (_, argv, error) => {
    const world = new FakeWorld();
    const r = await cli(argv, world);
    expect(r.code).toBe(2);
    expect(r.stderr.join("\n")).toMatch(error);
    expect(world.maintenance).toEqual({ on: false });
    expect(world.audit).toEqual([]);
  });

  it("GIVEN HAProxy refuses WHEN maintenance on THEN exit 3 with the reason", async () => {
    const world = new FakeWorld();
    world.failOn = "haproxy maintenance on";
    const r = await cli(["maintenance", "on", "--json"], world);
    expect(r.code).toBe(3);
    expect(lastJson(r)).toMatchObject({ ok: false, command: "maintenance on", error: "injected failure in haproxy maintenance on" });
  });
});
