import { LABEL } from "../../switch/model";
import { formatStatus, runStatus } from "../../switch/status";
import { testConfig } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

const status = (world: FakeWorld) => runStatus(world.ports(), testConfig(), identity(100));
const maintenanceLine = (text: string) => text.split("\n").find((l) => l.startsWith("maintenance"));

describe("status: maintenance mode", () => {
  it.each([
    ["off", { on: false }, { on: false }, "maintenance off"],
    [
      "on",
      { on: true, message: "Migrating the database" },
      { on: true, message: "Migrating the database" },
      'maintenance ON: visitors get 503 ("Migrating the database"); the app keeps running — `maintenance off` ends it',
    ],
  ])("GIVEN maintenance %s WHEN status THEN the report and its text say so, and the state stays consistent", async (_, map, reported, line) => {
    const world = new FakeWorld();
    world.maintenance = map;
    const report = await status(world);
    expect(report.maintenance).toEqual(reported);
    expect(report.consistent).toBe(true);
    expect(maintenanceLine(formatStatus(report))).toBe(line);
  });

  it("GIVEN the map cannot be read WHEN status THEN everything else is still reported, and a finding says why", async () => {
    const world = new FakeWorld();
    world.failOn = "haproxy maintenance read";
    const report = await status(world);
    expect(report.maintenance).toEqual({ on: false, error: "injected failure in haproxy maintenance read — fix: retry" });
    expect(report.consistent).toBe(false);
    expect(report.findings).toEqual(["maintenance mode unknown: injected failure in haproxy maintenance read — fix: retry"]);
    expect(report.prod).toMatchObject({ droplet: "web-blue", health: "200 (v1)" });
    const text = formatStatus(report);
    expect(maintenanceLine(text)).toBe("maintenance unknown: HAProxy's maintenance map cannot be read (see state)");
    expect(text).toMatch(/state {4}INCONSISTENT:\n {2}- maintenance mode unknown: injected failure/);
  });

  it("GIVEN status WHEN it reads the mode THEN nothing changes: no write to the map, no server command", async () => {
    const world = new FakeWorld();
    await status(world);
    expect(world.calls.filter((c) => c.startsWith("haproxy"))).toEqual(["haproxy maintenance read"]);
    expect(world.haproxyCommands).toEqual([]);
  });
});

describe("status: release history and the lock, as the containers and the balancer say", () => {
  it.each([
    ["a container that served (marked by the finish step)", (c: { name: string; labels: Record<string, string> }) => Object.assign(c.labels, { [LABEL.history]: "name" }), "finished", []],
    [
      "an interrupted cutover's container (still .pending)",
      (c: { name: string; labels: Record<string, string> }) => (Object.assign(c.labels, { [LABEL.history]: "name" }), (c.name = `${c.name}.pending`)),
      "unfinished",
      [/started by a cutover that never finished/],
    ],
    [
      "a container from before release marks, no audit line",
      (c: { name: string; labels: Record<string, string> }) => Object.assign(c.labels, { [LABEL.deployedAt]: "2026-11-20T10:00:00.000Z" }),
      "unknown",
      [/started before release marks, and no audit line says whether it finished: rollback would refuse/],
    ],
  ])("GIVEN FALLBACK runs %s WHEN status THEN its release reads %s", async (_name, make, release, findings) => {
    const world = new FakeWorld();
    make(world.engine(2).containers.find((c) => c.running)!);
    const report = await status(world);
    expect(report.fallback!.container!.release).toBe(release);
    expect(report.findings).toEqual(findings.map((f) => expect.stringMatching(f)));
    if (release !== "finished") expect(formatStatus(report)).toContain(`release ${release.toUpperCase()}`);
  });

  it("GIVEN a holder record that cannot be trusted WHEN status THEN the lock line says what is wrong and when it can be taken over", async () => {
    const world = new FakeWorld();
    world.lockDirWithoutHolder = true;
    world.lockChangedAt = world.balancerNow() - 100_000;
    const report = await status(world);
    expect(report.lock).toMatchObject({ problem: expect.stringMatching(/no holder record/), stale: undefined });
    expect(formatStatus(report)).toMatch(/^lock {5}held by a lock whose record cannot be trusted: it has no holder record .*; it can be taken over in 500 s$/m);
  });
});
