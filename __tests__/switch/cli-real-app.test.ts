import { ExitCode } from "../../core/errors";
import { CliIo, main } from "../../switch/cli";
import { LABEL } from "../../switch/model";
import { TEST_ENV } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

/**
 * A real app through the CLI (fixtures/real-app.config.ts): secrets from the environment, both hooks, release
 * identity, and the secrets' values on no output path.
 */
const DATABASE_URL = "postgres://app:pa55w0rd-db@db.internal:5432/app";
const TLS_KEY = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAbCdEfGhIjKlMnOpQrStUvWxYz0123456789\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n-----END PRIVATE KEY-----\n";
const ENV = { ...TEST_ENV, BLUEGREEN_CONFIG: "__tests__/fixtures/real-app.config.ts", DATABASE_URL, TLS_KEY };
const V2 = ["--image", "registry.test/web:v2"];
const SECRET_FORMS = [DATABASE_URL, JSON.stringify(DATABASE_URL).slice(1, -1), encodeURIComponent(DATABASE_URL), ...TLS_KEY.split("\n").filter((l) => l && !l.startsWith("-----")), JSON.stringify(TLS_KEY).slice(1, -1)];

async function cli(argv: string[], world: FakeWorld, env: Record<string, string | undefined> = ENV) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let portsMade = 0;
  const io: CliIo = {
    env,
    stdout: (t) => stdout.push(t),
    stderr: (t) => stderr.push(t),
    isTTY: false,
    makePorts: () => (portsMade++, world.ports()),
    self: identity(100),
  };
  const code = await main(argv, io);
  const all = stdout.join("") + stderr.join("");
  const last = stdout.join("").trim().split("\n").pop() ?? "";
  return { code, all, json: last.startsWith("{") ? JSON.parse(last) : {}, portsMade };
}

const newContainer = (world: FakeWorld) => world.engine(2).containers.find((c) => c.running)!;

describe("switch CLI: a real app's release", () => {
  it("GIVEN declared secrets unset WHEN cutting over THEN exit 2 lists every missing name, and nothing was contacted", async () => {
    const r = await cli(V2, new FakeWorld(), { ...ENV, DATABASE_URL: "", TLS_KEY: undefined });
    expect({ code: r.code, portsMade: r.portsMade }).toEqual({ code: ExitCode.usage, portsMade: 0 });
    expect(r.all).toMatch(/DATABASE_URL=\(unset\): declared in .*real-app\.config\.ts env\.secret but unset or empty.*TLS_KEY=\(unset\)/);
  });

  it("GIVEN secrets set WHEN status runs THEN they are not required (only a cutover starts a release)", async () => {
    const r = await cli(["status"], new FakeWorld(), { ...ENV, DATABASE_URL: "" });
    expect(r.code).toBe(ExitCode.ok);
  });

  it("GIVEN the app definition WHEN cutting over THEN the container gets PORT, the clear values, the secrets intact, the volumes and limits, and a fingerprint label without any value", async () => {
    const world = new FakeWorld();
    const r = await cli([...V2, "--json"], world);
    expect(r.code).toBe(ExitCode.ok);
    const c = newContainer(world);
    expect(c.runtime).toMatchObject({
      env: ["PORT=8080", "RAILS_ENV=production", "FEATURE=off", `DATABASE_URL=${DATABASE_URL}`, `TLS_KEY=${TLS_KEY}`],
      mounts: [
        { source: "app-data", target: "/data", readOnly: false },
        { source: "/srv/uploads", target: "/uploads", readOnly: true },
      ],
      memoryBytes: 256 * 1024 * 1024,
      cpus: 1,
      log: { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } },
    });
    expect(c.labels[LABEL.config]).toMatch(/^s1:[0-9a-f]{32}:[0-9a-f]{64}$/);
    const labels = JSON.stringify(c.labels);
    for (const form of SECRET_FORMS) expect(labels).not.toContain(form);
    expect(r.json.to.config).toBe(c.labels[LABEL.config].split(":")[2].slice(0, 12));
  });

  it("GIVEN a release WHEN the hooks run THEN preSwitch runs on FALLBACK before the start and postSwitch on the new PROD after verification, each with the full environment and volumes", async () => {
    const world = new FakeWorld();
    await cli(V2, world);
    const hooks = world.engine(2).oneOffs.map((o) => ({ command: o.command, env: o.env.length, mounts: o.mounts.length, hook: o.labels[LABEL.hook] }));
    expect(hooks).toEqual([
      { command: ["bin/migrate"], env: 5, mounts: 2, hook: "preSwitch" },
      { command: ["bin/notify"], env: 5, mounts: 2, hook: "postSwitch" },
    ]);
    const order = world.calls.filter((e) => /run-once|docker web-green run |haproxy green ready/.test(e));
    expect(order.map((e) => e.replace(/ registry\.test.*| --.*/, ""))).toEqual(["docker web-green run-once bin/migrate", "docker web-green run", "haproxy green ready", "docker web-green run-once bin/notify"]);
  });

  it.each([
    ["exits 1", { exitCode: 1, stdout: `migrating...\nERROR: could not connect to ${DATABASE_URL}\n` }, /preSwitch hook \["bin\/migrate"\] .* exited with 1 on web-green; PROD was not touched/],
    ["runs past its timeout", { hangs: true }, /ran past its timeout of 60 s on web-green and was killed; PROD was not touched/],
    ["is missing from the image", { missing: true }, /hooks\.preSwitch\.command.*has no bin\/migrate.*PROD was not touched/],
  ])("GIVEN a preSwitch hook that %s WHEN cutting over THEN exit 5, PROD untouched, FALLBACK back as it was, no secret shown", async (_name, script, says) => {
    const world = new FakeWorld();
    world.engine(2).script("bin/migrate", script);
    const before = world.snapshot();
    const r = await cli([...V2, "--json"], world);
    expect(r.code).toBe(ExitCode.rejected);
    expect(r.all).toMatch(says);
    expect(world.snapshot()).toEqual(before);
    expect(world.calls.some((e) => / run registry/.test(e) || /docker web-green run $/.test(e))).toBe(false);
    for (const form of SECRET_FORMS) expect(r.all + JSON.stringify(world.audit)).not.toContain(form);
  });

  it("GIVEN a postSwitch hook that fails WHEN cutting over THEN the release stays live, exit 6, and the audit log says so", async () => {
    const world = new FakeWorld();
    world.engine(2).script("bin/notify", { exitCode: 2, stderr: `could not post to https://hooks.example/?token=${encodeURIComponent(DATABASE_URL)}\n` });
    const r = await cli([...V2, "--json"], world);
    expect({ code: r.code, outcome: r.json.outcome, hookFailure: /postSwitch hook .* exited with 2/.test(r.json.hookFailure) }).toEqual({ code: ExitCode.hookFailed, outcome: "deployed", hookFailure: true });
    expect(world.snapshot().running[2]).toEqual(["registry.test/web:v2"]);
    expect(world.audit.at(-1)).toMatchObject({ outcome: "deployed, postSwitch hook failed", error: expect.stringMatching(/postSwitch hook/) });
    for (const form of SECRET_FORMS) expect(r.all).not.toContain(form);
  });

  it("GIVEN the release live WHEN deployed again with the same configuration THEN it only verifies; WHEN a clear value or a secret changes THEN it is a release", async () => {
    const world = new FakeWorld();
    expect((await cli([...V2, "--json"], world)).json.outcome).toBe("deployed");
    expect((await cli([...V2, "--json"], world)).json.outcome).toBe("already-live");
    expect((await cli([...V2, "--json"], world, { ...ENV, TEST_FEATURE: "on" })).json.outcome).toBe("deployed");
  });

  it("GIVEN --dry-run WHEN planning THEN the secret names are listed and no value is shown", async () => {
    const r = await cli([...V2, "--dry-run", "--json"], new FakeWorld());
    expect(r.all).toMatch(/secrets DATABASE_URL, TLS_KEY \(values never shown\)/);
    for (const form of SECRET_FORMS) expect(r.all).not.toContain(form);
  });
});
