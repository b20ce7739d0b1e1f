import { observe } from "../../switch/observe";
import { InconsistentStateError } from "../../switch/errors";
import { testConfig } from "./fakes/config";
import { FakeWorld } from "./fakes/world";

describe("observe", () => {
  it("GIVEN FLOATING_IP is empty WHEN observing THEN the reserved IP attached to a worker is discovered", async () => {
    const world = new FakeWorld();
    const observed = await observe(world.ports(), testConfig({ FLOATING_IP: "" }));
    expect(observed.reservedIp).toMatchObject({ ip: "198.18.1.100", dropletId: 1 });
  });

  it("GIVEN FLOATING_IP is empty and no reserved IP is on a worker WHEN observing THEN it refuses with the fix", async () => {
    const world = new FakeWorld();
    world.ip = { ...world.ip, dropletId: null };
    await expect(observe(world.ports(), testConfig({ FLOATING_IP: "" }))).rejects.toThrow(InconsistentStateError);
  });

  it("GIVEN an action still pending on the reserved IP WHEN observing THEN it waits until the IP is unlocked", async () => {
    const world = new FakeWorld();
    let reads = 0;
    const ports = world.ports();
    ports.digitalocean.getReservedIp = async () => ({ ...world.ip, locked: ++reads < 3 });
    const observed = await observe(ports, testConfig());
    expect(reads).toBe(3);
    expect(observed.reservedIp.locked).toBe(false);
  });

  it("GIVEN the IP stays locked WHEN the action timeout passes THEN it stops with a clear error", async () => {
    const world = new FakeWorld();
    const ports = world.ports();
    ports.digitalocean.getReservedIp = async () => ({ ...world.ip, locked: true });
    await expect(observe(ports, testConfig())).rejects.toThrow(/stays locked by a pending action/);
  });

  it.each([
    ["no balancer", [] as string[], /no droplet is tagged BALANCER/],
    ["two balancers", ["BALANCER"], /more than one droplet is tagged BALANCER/],
  ])("GIVEN %s WHEN observing THEN it refuses", async (_n, extraTags, message) => {
    const world = new FakeWorld();
    if (extraTags.length === 0) world.droplets = world.droplets.filter((d) => !d.tags.includes("BALANCER"));
    else world.droplets.push({ id: 10, name: "lb2", tags: extraTags, region: "nyc3", publicIp: "198.18.1.9" });
    await expect(observe(world.ports(), testConfig())).rejects.toThrow(message);
  });
});
