import { startSimulator, type RunningSimulator, type SimulatedDroplet } from "../../../lab/simulator";
import { SimulatorControl } from "../../../lab/simulator-control";
import { BLUE, FLOATING_IP, FakeMover, baseOptions, call } from "./fixtures";

const STAGING_BLUE: SimulatedDroplet = { id: 201, name: "web-staging-blue", tags: ["web-staging-prod"], region: "fra1", publicIpv4: "198.18.9.2", privateIpv4: "198.19.9.2" };

describe("simulator control plane: droplets and reserved IPs made outside the API", () => {
  let sim: RunningSimulator;
  let control: SimulatorControl;
  let mover: FakeMover;
  beforeEach(async () => {
    mover = new FakeMover();
    sim = await startSimulator(baseOptions(mover));
    control = new SimulatorControl(sim.url);
  });
  afterEach(async () => {
    await sim.stop();
  });

  it("GIVEN another environment's droplet WHEN added through /_lab THEN the API lists it, its tag exists, and nothing is in the request log", async () => {
    await control.addDroplet(STAGING_BLUE);
    const listed = await call(sim, "GET", "/v2/droplets?tag_name=web-staging-prod");
    expect(listed.json.droplets.map((d: { id: number; name: string }) => [d.id, d.name])).toEqual([[201, "web-staging-blue"]]);
    expect(sim.state().tags).toContain("web-staging-prod");
    expect(sim.requests().map((r) => r.path)).toEqual(["/v2/droplets?tag_name=web-staging-prod"]);
  });

  it.each([
    ["an existing id", { ...STAGING_BLUE, id: BLUE.id }, /already exists/],
    ["no name", { ...STAGING_BLUE, name: "" }, /name must be a non-empty string/],
    ["a bad tag", { ...STAGING_BLUE, tags: ["not ok"] }, /not a valid tag name/],
  ])("GIVEN a droplet with %s WHEN added THEN 422 and nothing changes", async (_name, droplet, message) => {
    await expect(control.addDroplet(droplet as SimulatedDroplet)).rejects.toThrow(message);
    expect(sim.state().droplets).toHaveLength(4);
  });

  it("GIVEN a reserved IP added assigned to a droplet WHEN read through the API THEN it is assigned, and no address moved", async () => {
    await control.addDroplet(STAGING_BLUE);
    await control.addReservedIp({ ip: "198.18.9.100", region: "fra1", dropletId: 201 });
    expect((await call(sim, "GET", "/v2/reserved_ips/198.18.9.100")).json.reserved_ip.droplet.id).toBe(201);
    expect(mover.calls).toEqual([]);
    await control.removeReservedIp("198.18.9.100");
    expect((await call(sim, "GET", "/v2/reserved_ips/198.18.9.100")).status).toBe(404);
  });

  it("GIVEN a droplet holding a reserved IP WHEN removed THEN the IP is unassigned (as when DigitalOcean destroys it) and the droplet is gone", async () => {
    await control.removeDroplet(BLUE.id);
    expect(sim.state().reservedIps.find((r) => r.ip === FLOATING_IP)?.dropletId).toBeNull();
    expect((await call(sim, "GET", `/v2/droplets/${BLUE.id}`)).status).toBe(404);
    await expect(control.removeDroplet(BLUE.id)).rejects.toThrow(/404/);
  });

  it("GIVEN tag and assign requests WHEN logged THEN each record carries its JSON body (the droplet ids are there, not in the path); a GET has none", async () => {
    await call(sim, "POST", "/v2/tags/PROD/resources", { body: { resources: [{ resource_id: "102", resource_type: "droplet" }] } });
    await call(sim, "POST", `/v2/reserved_ips/${FLOATING_IP}/actions`, { body: { type: "assign", droplet_id: 102 } });
    await call(sim, "GET", "/v2/droplets");
    expect(sim.requests().map((r) => r.body)).toEqual([{ resources: [{ resource_id: "102", resource_type: "droplet" }] }, { type: "assign", droplet_id: 102 }, undefined]);
    expect(Object.keys(sim.requests()[2])).not.toContain("body");
  });
});
