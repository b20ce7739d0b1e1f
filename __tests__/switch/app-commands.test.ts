import { UsageError } from "../../core/errors";
import { Redactor } from "../../core/redact";
import {
  AppCommandDeps,
  DEFAULT_LOG_LINES,
  KILLED_EXIT_CODE,
  StreamRedactor,
  parseLines,
  parseRole,
  parseSince,
  runExec,
  runLogs,
} from "../../switch/app-commands";
import { DockerError, InconsistentStateError } from "../../switch/errors";
import { LABEL } from "../../switch/model";
import { testConfig } from "./fakes/config";
import { FakeWorld, OneOffScript } from "./fakes/world";

const NOW = Date.parse("2026-11-22T12:00:00Z");
const NOW_S = NOW / 1000;

describe("--since", () => {
  it.each([
    ["30s", NOW_S - 30],
    ["10m", NOW_S - 600],
    ["2h", NOW_S - 7200],
    ["1h30m", NOW_S - 5400],
    ["1h30m15s", NOW_S - 5415],
    ["1.5h", NOW_S - 5400],
    ["0s", NOW_S],
    [" 5m ", NOW_S - 300],
    ["2026-11-22T10:00:00Z", NOW_S - 7200],
    ["2026-11-22T11:30:00+01:00", NOW_S - 5400],
    ["2026-11-22T11:59:59.500Z", NOW_S - 1],
  ])("GIVEN %j WHEN parsed THEN it is Unix second %d", (text, expected) => {
    expect(parseSince(text, NOW)).toBe(expected);
  });

  it("GIVEN a bare ISO date WHEN parsed THEN it is that day's start (UTC, as Date.parse reads a date alone)", () => {
    expect(parseSince("2026-11-22", NOW)).toBe(NOW_S - 12 * 3600);
  });

  it.each([
    ["a number without a unit", "10", /--since "10" is neither a duration nor a date \(a number needs a unit\)/],
    ["days (Docker has no d)", "2d", /--since "2d"/],
    ["words", "yesterday", /--since "yesterday"/],
    ["a negative duration", "-5m", /--since "-5m"/],
    ["an impossible date", "2026-13-45", /--since "2026-13-45"/],
    ["nothing", "", /--since ""/],
    ["a unit alone", "m", /--since "m"/],
  ])("GIVEN %s WHEN parsed THEN a usage error names --since and the fix", (_n, text, message) => {
    let error: unknown;
    try {
      parseSince(text, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).oneLine()).toMatch(message);
    expect((error as UsageError).fix).toMatch(/10m, 2h or 1h30m, or an ISO date/);
  });
});

describe("--lines and --on", () => {
  it.each([
    ["100", 100],
    ["0", 0],
    [" 7 ", 7],
  ])("GIVEN --lines %j WHEN parsed THEN it is %d", (text, expected) => {
    expect(parseLines(text)).toBe(expected);
  });

  it.each(["-1", "1.5", "many", ""])("GIVEN --lines %j WHEN parsed THEN a usage error names --lines", (text) => {
    expect(() => parseLines(text)).toThrow(/--lines/);
  });

  it.each([
    ["prod", "prod"],
    ["fallback", "fallback"],
    ["PROD", "prod"],
  ])("GIVEN --on %s WHEN parsed THEN the role is %s", (text, role) => {
    expect(parseRole(text)).toBe(role);
  });

  it("GIVEN --on staging WHEN parsed THEN a usage error lists the roles", () => {
    expect(() => parseRole("staging")).toThrow(/--on "staging" is not a droplet role/);
  });
});

function deps(world: FakeWorld): AppCommandDeps {
  return { ports: world.ports(), config: testConfig() };
}

describe("exec", () => {
  it.each([
    ["prod", 1, "web-blue"],
    ["fallback", 2, "web-green"],
  ] as const)("GIVEN --on %s WHEN a command runs THEN it runs beside that droplet's app container, in its release", async (on, dropletId, name) => {
    const world = new FakeWorld();
    const app = world.engine(dropletId).containers[0];
    const result = await runExec(deps(world), { on, command: ["bin/rails", "runner", "1"] });
    expect(result).toMatchObject({ exitCode: 0, droplet: name, container: app.name });
    const [run] = world.engine(dropletId).oneOffs;
    expect(run).toMatchObject({ command: ["bin/rails", "runner", "1"], image: `sha256:id-${app.image}`, env: ["PORT=8080"], labels: { [LABEL.oneOff]: app.id } });
    expect(run.labels).not.toHaveProperty(LABEL.app);
    expect(world.engine(dropletId === 1 ? 2 : 1).oneOffs).toEqual([]);
  });

  it("GIVEN the reserved IP on web-green while the tags still say otherwise WHEN exec --on prod THEN it runs on web-green: the IP holder is PROD", async () => {
    const world = new FakeWorld();
    world.ip = { ...world.ip, dropletId: 2 };
    expect(await runExec(deps(world), { on: "prod", command: ["true"] })).toMatchObject({ droplet: "web-green" });
    expect(world.engine(2).oneOffs).toHaveLength(1);
  });

  it("GIVEN an app container started with mounts and limits WHEN exec runs beside it THEN the one-off gets them too", async () => {
    const world = new FakeWorld();
    const app = world.engine(1).containers[0];
    app.runtime = { env: ["PORT=8080", "RAILS_ENV=production"], mounts: [{ source: "uploads", target: "/app/uploads", readOnly: false }], memoryBytes: 1 << 29, cpus: 0.5, log: app.runtime.log };
    await runExec(deps(world), { on: "prod", command: ["ls", "/app/uploads"] });
    expect(world.engine(1).oneOffs[0]).toMatchObject({ env: ["PORT=8080", "RAILS_ENV=production"], mounts: [{ source: "uploads", target: "/app/uploads" }], memoryBytes: 1 << 29, cpus: 0.5 });
  });

  it.each<[string, OneOffScript, number]>([
    ["exits 3", { exitCode: 3 }, 3],
    ["exits 0 with output", { stdout: "ok\n" }, 0],
    ["fails with 1", { exitCode: 1, stderr: "boom\n" }, 1],
  ])("GIVEN a command that %s WHEN exec runs it THEN its exit code comes back", async (_n, script, code) => {
    const world = new FakeWorld();
    world.engine(1).script("sh -c exit 3", script);
    const output: string[] = [];
    const result = await runExec(deps(world), { on: "prod", command: ["sh", "-c", "exit 3"], io: { onOutput: (t, s) => output.push(`${s}:${t}`) } });
    expect(result.exitCode).toBe(code);
    expect(output).toEqual([...(script.stdout ? [`stdout:${script.stdout}`] : []), ...(script.stderr ? [`stderr:${script.stderr}`] : [])]);
  });

  it("GIVEN a command that hangs WHEN Ctrl-C aborts it THEN exec reports the killed code", async () => {
    const world = new FakeWorld();
    world.engine(1).script("sleep 1000", { hangs: true });
    const stop = new AbortController();
    const running = runExec(deps(world), { on: "prod", command: ["sleep", "1000"], io: { signal: stop.signal } });
    setTimeout(() => stop.abort(), 1);
    expect(await running).toMatchObject({ exitCode: KILLED_EXIT_CODE, timedOut: false });
  });

  it("GIVEN a command that hangs WHEN its timeout passes THEN exec reports the killed code and timed out", async () => {
    const world = new FakeWorld();
    world.engine(1).script("sleep 1000", { hangs: true });
    expect(await runExec(deps(world), { on: "prod", command: ["sleep", "1000"], io: { timeoutMs: 5000 } })).toMatchObject({ exitCode: KILLED_EXIT_CODE, timedOut: true });
  });

  it("GIVEN a command the image lacks WHEN exec runs it THEN the DockerError names it", async () => {
    const world = new FakeWorld();
    world.engine(1).script("psql", { missing: true });
    await expect(runExec(deps(world), { on: "prod", command: ["psql"] })).rejects.toThrow(DockerError);
    await expect(runExec(deps(world), { on: "prod", command: ["psql"] })).rejects.toThrow(/has no psql/);
  });

  it.each([
    ["FALLBACK has never run a release", { fallbackImage: null }, "fallback", /FALLBACK web-green runs no web container/],
    ["PROD's container is stopped", {}, "prod", /PROD web-blue runs no web container \(1 stopped\)/],
  ] as const)("GIVEN %s WHEN exec runs there THEN an inconsistent-state error with a fix, and nothing runs", async (_n, options, on, message) => {
    const world = new FakeWorld(options);
    if (on === "prod") world.engine(1).containers[0].running = false;
    const error = await runExec(deps(world), { on, command: ["true"] }).catch((e) => e);
    expect(error).toBeInstanceOf(InconsistentStateError);
    expect(error.oneLine()).toMatch(message);
    expect(error.fix).not.toBe("");
    expect([...world.engine(1).oneOffs, ...world.engine(2).oneOffs]).toEqual([]);
  });

  it("GIVEN the reserved IP on no worker WHEN exec THEN which droplet is PROD is undecided: an error pointing at status", async () => {
    const world = new FakeWorld();
    world.ip = { ...world.ip, dropletId: null };
    const error = await runExec(deps(world), { on: "prod", command: ["true"] }).catch((e) => e);
    expect(error.oneLine()).toMatch(/not on a PROD or FALLBACK droplet, so which one is PROD is undecided — fix: run `npm run switch -- status`/);
  });

  it("GIVEN no command words WHEN exec THEN a usage error before any call", async () => {
    const world = new FakeWorld();
    await expect(runExec(deps(world), { on: "prod", command: [] })).rejects.toThrow(UsageError);
    expect(world.calls).toEqual([]);
  });
});

describe("logs", () => {
  function worldWithLogs() {
    const world = new FakeWorld();
    const app = world.engine(1).containers[0];
    world.clock.t = NOW - 3600_000;
    world.engine(1).say(app.id, "an hour ago");
    world.clock.t = NOW - 60_000;
    world.engine(1).say(app.id, "a minute ago");
    world.engine(1).say(app.id, "a warning", "stderr");
    world.clock.t = NOW;
    return { world, app };
  }

  it("GIVEN --lines 2 WHEN logs THEN the last two lines of PROD's app container reach the sink by stream", async () => {
    const { world, app } = worldWithLogs();
    const got: string[] = [];
    expect(await runLogs(deps(world), { on: "prod", follow: false, lines: 2, sink: (t, s) => got.push(`${s}:${t}`) })).toEqual({ droplet: "web-blue", container: app.name });
    expect(got).toEqual(["stdout:a minute ago\n", "stderr:a warning\n"]);
    expect(world.engine(1).logQueries).toEqual([{ id: app.id, query: { follow: false, since: undefined, tail: 2 } }]);
  });

  it("GIVEN --since 10m WHEN logs THEN the engine is asked from ten minutes ago, with the default line count", async () => {
    const { world, app } = worldWithLogs();
    const got: string[] = [];
    await runLogs(deps(world), { on: "prod", follow: false, since: "10m", sink: (t) => got.push(t) });
    expect(got).toEqual(["a minute ago\n", "a warning\n"]);
    expect(world.engine(1).logQueries[0]).toEqual({ id: app.id, query: { follow: false, since: NOW_S - 600, tail: DEFAULT_LOG_LINES } });
  });

  it("GIVEN --on fallback WHEN logs THEN FALLBACK's container is read", async () => {
    const world = new FakeWorld();
    await runLogs(deps(world), { on: "fallback", follow: false, sink: () => undefined });
    expect(world.engine(2).logQueries).toHaveLength(1);
    expect(world.engine(1).logQueries).toHaveLength(0);
  });

  it("GIVEN --follow WHEN the app writes and then Ctrl-C aborts THEN new lines arrive live and it resolves", async () => {
    const { world, app } = worldWithLogs();
    const stop = new AbortController();
    const got: string[] = [];
    const following = runLogs(deps(world), { on: "prod", follow: true, lines: 0, sink: (t) => got.push(t), signal: stop.signal });
    await new Promise((r) => setTimeout(r, 1));
    world.engine(1).say(app.id, "GET /health 200");
    stop.abort();
    await following;
    expect(got).toEqual(["GET /health 200\n"]);
  });

  it("GIVEN an invalid --since WHEN logs THEN a usage error before any call", async () => {
    const world = new FakeWorld();
    await expect(runLogs(deps(world), { on: "prod", follow: false, since: "soon", sink: () => undefined })).rejects.toThrow(/--since "soon"/);
    expect(world.calls).toEqual([]);
  });

  it("GIVEN no app container on FALLBACK WHEN logs --on fallback THEN an inconsistent-state error", async () => {
    await expect(runLogs(deps(new FakeWorld({ fallbackImage: null })), { on: "fallback", follow: false, sink: () => undefined })).rejects.toThrow(InconsistentStateError);
  });
});

describe("streamed output through the redactor", () => {
  const redactor = new Redactor(["tok-0123456789", "hunter2-password"]);
  it.each([
    ["a secret inside one chunk", ["token tok-0123456789 ok\n"], "token [redacted] ok\n"],
    ["a secret split across two chunks", ["token tok-01234", "56789 ok\n"], "token [redacted] ok\n"],
    ["a secret split across three chunks", ["pw: hun", "ter2-pa", "ssword\n"], "pw: [redacted]\n"],
    ["lines without secrets", ["GET / 200\nGET /health", " 200\n"], "GET / 200\nGET /health 200\n"],
    ["a last line without newline", ["done tok-0123456789"], "done [redacted]"],
  ])("GIVEN %s WHEN streamed and flushed THEN every secret is masked", (_n, chunks, expected) => {
    const stream = new StreamRedactor(redactor);
    expect(chunks.map((c) => stream.write(c)).join("") + stream.flush()).toBe(expected);
  });

  it("GIVEN a partial line WHEN written THEN it is held until its newline, complete lines pass at once", () => {
    const stream = new StreamRedactor(redactor);
    expect(stream.write("line one\npartial")).toBe("line one\n");
    expect(stream.holding).toBe(true);
    expect(stream.write(" line\n")).toBe("partial line\n");
    expect(stream.holding).toBe(false);
  });
});
