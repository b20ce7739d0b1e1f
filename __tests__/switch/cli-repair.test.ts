import { ExitCode } from "../../core/errors";
import { CliIo, main } from "../../switch/cli";
import { TEST_ENV } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

async function cli(argv: string[], world = new FakeWorld(), env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    env: { ...TEST_ENV, ...env },
    stdout: (t) => stdout.push(...t.split("\n").filter((l) => l !== "")),
    stderr: (t) => stderr.push(...t.split("\n").filter((l) => l !== "")),
    isTTY: false,
    makePorts: () => world.ports(),
    self: identity(100),
  };
  return { code: await main(argv, io), stdout, stderr };
}

const lastJson = (r: { stdout: string[] }) => JSON.parse(r.stdout[r.stdout.length - 1]);

describe("switch CLI: repair", () => {
  it("GIVEN the reserved IP unassigned WHEN `repair --dry-run` runs THEN exit 0, each change with its reason, and nothing changed", async () => {
    const world = new FakeWorld();
    world.ip = { ...world.ip, dropletId: null };
    const r = await cli(["repair", "--dry-run"], world);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("repair plan (dry run, nothing changed):");
    expect(r.stdout).toContainEqual(expect.stringMatching(/^ {2}1\. assign reserved IP 198\.18\.1\.100 to web-blue .* — because reserved IP 198\.18\.1\.100 is not assigned to any droplet/));
    expect(r.stdout.at(-1)).toBe("dry run, nothing changed: 1 repair(s) planned");
    expect(world.ip.dropletId).toBeNull();
  });

  it("GIVEN two PRODs WHEN `repair --json` runs THEN exit 0 and one JSON result listing the change and the steps", async () => {
    const world = new FakeWorld();
    world.droplets = world.droplets.map((d) => (d.id === 2 ? { ...d, tags: ["PROD"] } : d));
    const r = await cli(["repair", "--json"], world);
    expect(r.code).toBe(0);
    expect(lastJson(r)).toMatchObject({ ok: true, command: "repair", outcome: "repaired", plan: [expect.stringMatching(/^tag web-blue PROD and web-green FALLBACK/)] });
    expect(lastJson(r).steps.map((s: { name: string }) => s.name)).toEqual(["lock", "observe", "repair", "record", "unlock"]);
    expect(world.snapshot().tags).toEqual({ 1: ["PROD"], 2: ["FALLBACK"] });
  });

  it("GIVEN FALLBACK without the previous version WHEN `repair --json` runs THEN exit 2 with one error line naming --image, and a JSON failure", async () => {
    const world = new FakeWorld();
    world.engine(2).containers = [];
    const r = await cli(["repair", "--json"], world);
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toEqual([expect.stringMatching(/^error: rollback is unavailable: FALLBACK web-green runs no web container .* — fix: redeploy a known-good image there: npm run switch -- repair --image <ref>/)]);
    expect(lastJson(r)).toMatchObject({ ok: false, command: "repair", exitCode: 2 });
  });

  it("GIVEN FALLBACK without the previous version WHEN `repair --image` runs THEN it is redeployed there and the last line says so", async () => {
    const world = new FakeWorld();
    world.engine(2).containers = [];
    const r = await cli(["repair", "--image", "registry.test/web:v0"], world);
    expect(r.code).toBe(0);
    expect(r.stdout.at(-1)).toMatch(/^repaired \(1 change\(s\), \d+ ms\): redeploy registry.test\/web:v0 on FALLBACK web-green: pull, start \(with today's configuration\), wait until it answers 200, arm its HAProxy slot on it$/);
    expect(world.snapshot().running).toEqual({ 1: ["registry.test/web:v1"], 2: ["registry.test/web:v0"] });
  });

  it("GIVEN a bare image name WHEN `repair --image` runs THEN exit 2 before any call", async () => {
    const world = new FakeWorld();
    const r = await cli(["repair", "--image", "web"], world);
    expect(r.code).toBe(ExitCode.usage);
    expect(world.calls).toEqual([]);
  });
});
