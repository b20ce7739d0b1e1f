import { UsageError } from "../../core/errors";
import { DEFAULT_MAINTENANCE_MESSAGE } from "../../core/haproxy";
import { InconsistentStateError } from "../../switch/errors";
import { MaintenanceRequest, runMaintenance } from "../../switch/maintenance";
import type { MaintenanceState } from "../../switch/ports";
import { testConfig } from "./fakes/config";
import { FakeWorld } from "./fakes/world";

function setup(world = new FakeWorld()) {
  const warnings: string[] = [];
  const deps = { ports: world.ports(), config: testConfig(), who: "alice@laptop", warn: (line: string) => void warnings.push(line) };
  return { world, deps, warnings };
}

describe("runMaintenance", () => {
  it.each<[string, MaintenanceRequest, MaintenanceState, string]>([
    ["on with a message", { on: true, message: "Migrating the database" }, { on: true, message: "Migrating the database" }, "maintenance on"],
    ["on without a message", { on: true }, { on: true, message: DEFAULT_MAINTENANCE_MESSAGE }, "maintenance on"],
    ["on with a multi-line message", { on: true, message: " Back\n\nsoon " }, { on: true, message: "Back soon" }, "maintenance on"],
    ["off", { on: false, message: "ignored" }, { on: false }, "maintenance off"],
  ])("GIVEN maintenance %s WHEN run THEN HAProxy's map holds it, the result is what HAProxy reads back, and one audit line says done", async (_, request, state, command) => {
    const { world, deps } = setup();
    const result = await runMaintenance(deps, request);
    expect(result).toEqual({ ...state, balancer: "web-lb" });
    expect(world.maintenance).toEqual(state);
    expect(world.audit).toEqual([
      { at: expect.any(String), who: "alice@laptop", command, outcome: "done", durationMs: expect.any(Number), message: state.message },
    ]);
  });

  it("GIVEN maintenance on WHEN run THEN it finds the balancer, sets the map and reads it back: no lock, no server slot touched", async () => {
    const { world, deps } = setup();
    const before = world.snapshot();
    await runMaintenance(deps, { on: true, message: "x" });
    expect(world.calls).toEqual(["do list", "haproxy maintenance on", "haproxy maintenance read"]);
    expect(world.haproxyCommands).toEqual([]);
    expect(world.snapshot()).toEqual(before);
  });

  it("GIVEN a cutover holds the deploy lock WHEN maintenance is turned on THEN it goes ahead: it composes with the run (e.g. during a migration)", async () => {
    const { world, deps } = setup();
    world.lockHolder = { id: "run-1", who: "ci", host: "ci-runner-1", pid: 42, command: "cutover", image: "registry.test/web:v2", acquiredAt: "2026-11-22T10:00:00Z", expiresAt: "2026-11-22T10:15:00Z" };
    await expect(runMaintenance(deps, { on: true })).resolves.toMatchObject({ on: true });
    expect(world.lockHolder).toMatchObject({ id: "run-1" });
  });

  it("GIVEN a message over 200 characters WHEN run THEN a usage error before anything is read or changed", async () => {
    const { world, deps } = setup();
    await expect(runMaintenance(deps, { on: true, message: "x".repeat(201) })).rejects.toThrow(UsageError);
    expect(world.calls).toEqual([]);
    expect(world.audit).toEqual([]);
  });

  it("GIVEN HAProxy refuses WHEN run THEN the error propagates and the audit line says failed, with the reason", async () => {
    const { world, deps } = setup();
    world.failOn = "haproxy maintenance on";
    await expect(runMaintenance(deps, { on: true, message: "x" })).rejects.toThrow(/injected failure in haproxy maintenance on/);
    expect(world.maintenance).toEqual({ on: false });
    expect(world.audit).toEqual([expect.objectContaining({ command: "maintenance on", outcome: "failed", error: "injected failure in haproxy maintenance on", message: "x" })]);
  });

  it("GIVEN the audit log cannot be appended WHEN run THEN the mode is set anyway and a warning says the line is missing", async () => {
    const { world, deps, warnings } = setup();
    world.auditPort.append = async () => {
      throw new Error("disk full");
    };
    await expect(runMaintenance(deps, { on: true })).resolves.toMatchObject({ on: true });
    expect(warnings).toEqual(["could not append the audit line: disk full"]);
  });

  it("GIVEN no droplet is tagged BALANCER WHEN run THEN the error says which tag is missing, nothing changed", async () => {
    const { world, deps } = setup();
    world.droplets = world.droplets.filter((d) => !d.tags.includes("BALANCER"));
    await expect(runMaintenance(deps, { on: true })).rejects.toThrow(InconsistentStateError);
    expect(world.maintenance).toEqual({ on: false });
  });
});
