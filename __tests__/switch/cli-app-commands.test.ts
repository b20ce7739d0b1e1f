import { PassThrough } from "node:stream";
import { CliIo, main } from "../../switch/cli";
import { SECRETS, TEST_ENV } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

/** `exec` and `logs` through main(), with the in-memory world: raw output is kept as written (no line splitting). */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
  portsMade: number;
}

async function cli(argv: string[], world = new FakeWorld(), tweak?: (io: CliIo) => CliIo): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let portsMade = 0;
  let io: CliIo = {
    env: TEST_ENV,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
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

describe("switch CLI: exec", () => {
  it("GIVEN exec --on fallback -- sh -c 'exit 3' WHEN run THEN the process exits 3, and it ran on FALLBACK", async () => {
    const world = new FakeWorld();
    world.engine(2).script("sh -c exit 3", { exitCode: 3 });
    const r = await cli(["exec", "--on", "fallback", "--", "sh", "-c", "exit 3"], world);
    expect(r.code).toBe(3);
    expect(world.engine(2).oneOffs.map((o) => o.command)).toEqual([["sh", "-c", "exit 3"]]);
    expect(world.engine(1).oneOffs).toEqual([]);
    expect(r.stderr).toBe("");
  });

  it.each([
    ["--on before --", ["exec", "--on", "prod", "--", "ls", "-la", "/app"]],
    ["no --on (prod by default)", ["exec", "--", "ls", "-la", "/app"]],
    ["no -- (options after the command pass through)", ["exec", "ls", "-la", "/app"]],
  ])("GIVEN %s WHEN run THEN the command words reach PROD unchanged", async (_n, argv) => {
    const world = new FakeWorld();
    const r = await cli(argv, world);
    expect(r.code).toBe(0);
    expect(world.engine(1).oneOffs.map((o) => o.command)).toEqual([["ls", "-la", "/app"]]);
  });

  it("GIVEN a command writing to both streams WHEN run off a terminal THEN stdout and stderr go their own ways, unprefixed", async () => {
    const world = new FakeWorld();
    world.engine(1).script("bin/report", { stdout: "rows: 3\nrows: 4\n", stderr: "slow query\n", exitCode: 0 });
    const r = await cli(["exec", "--", "bin/report"], world);
    expect(r).toMatchObject({ code: 0, stdout: "rows: 3\nrows: 4\n", stderr: "slow query\n" });
    expect(world.engine(1).oneOffs[0]).toMatchObject({ tty: false, stdin: false });
  });

  it("GIVEN the app prints a deploy secret WHEN streamed THEN it is masked like everything else we print", async () => {
    const world = new FakeWorld();
    world.engine(1).script("env", { stdout: `DIGITALOCEAN_TOKEN=${SECRETS.token}\nPORT=8080\n` });
    const r = await cli(["exec", "--", "env"], world);
    expect(r.stdout).toBe("DIGITALOCEAN_TOKEN=[redacted]\nPORT=8080\n");
  });

  it("GIVEN a terminal on both ends WHEN run THEN stdin is attached with a TTY, in raw mode while it runs", async () => {
    const world = new FakeWorld();
    const modes: boolean[] = [];
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (raw: boolean) => modes.push(raw) });
    const r = await cli(["exec", "--", "sh"], world, (io) => ({ ...io, isTTY: true, stdin }));
    expect(r.code).toBe(0);
    expect(world.engine(1).oneOffs[0]).toMatchObject({ tty: true, stdin: true });
    expect(modes).toEqual([true, false]);
  });

  it("GIVEN stdout is a terminal but stdin is not WHEN run THEN no TTY is attached", async () => {
    const world = new FakeWorld();
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    await cli(["exec", "--", "sh"], world, (io) => ({ ...io, isTTY: true, stdin }));
    expect(world.engine(1).oneOffs[0]).toMatchObject({ tty: false, stdin: false });
  });

  it.each([
    ["no command", ["exec"], /missing required argument 'command'/],
    ["an unknown role", ["exec", "--on", "staging", "--", "true"], /--on "staging" is not a droplet role/],
  ])("GIVEN %s WHEN run THEN exit 2 with one line and no port is built", async (_n, argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.portsMade).toBe(0);
  });

  it("GIVEN FALLBACK runs no app container WHEN exec --on fallback THEN exit 2 with the fix", async () => {
    const r = await cli(["exec", "--on", "fallback", "--", "true"], new FakeWorld({ fallbackImage: null }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: FALLBACK web-green runs no web container — fix: /);
  });

  it("GIVEN a command the image lacks WHEN exec THEN exit 3 naming it", async () => {
    const world = new FakeWorld();
    world.engine(1).script("psql", { missing: true });
    const r = await cli(["exec", "--", "psql"], world);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot run "psql": image .* has no psql/);
  });
});

describe("switch CLI: logs", () => {
  it("GIVEN logs --lines 1 WHEN run THEN PROD's last line is printed and exit 0", async () => {
    const world = new FakeWorld();
    const app = world.engine(1).containers[0];
    world.engine(1).say(app.id, "first");
    world.engine(1).say(app.id, "oops", "stderr");
    world.engine(1).say(app.id, "last");
    const r = await cli(["logs", "--lines", "1"], world);
    expect(r).toMatchObject({ code: 0, stdout: "last\n", stderr: "" });
  });

  it("GIVEN logs --on fallback --since 1h30m WHEN run THEN FALLBACK is read from 90 minutes ago, 100 lines by default", async () => {
    const world = new FakeWorld();
    await cli(["logs", "--on", "fallback", "--since", "1h30m"], world);
    const app = world.engine(2).containers[0];
    expect(world.engine(2).logQueries).toEqual([{ id: app.id, query: { follow: false, since: world.clock.now() / 1000 - 5400, tail: 100 } }]);
  });

  it.each([
    ["a bad --since", ["logs", "--since", "10"], /--since "10" is neither a duration nor a date/],
    ["a bad --lines", ["logs", "--lines", "lots"], /--lines "lots" is not a whole number/],
  ])("GIVEN %s WHEN run THEN exit 2 before any port is built", async (_n, argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.portsMade).toBe(0);
  });
});
