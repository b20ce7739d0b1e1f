import { allHosts, labIndexFromName, planLab, workerPaths } from "../../lab/plan";

const inLabRange = (ip: string) => /^198\.1[89]\.\d{1,3}\.\d{1,3}$/.test(ip);

describe("planLab", () => {
  it.each([1, 7, 250])("GIVEN index %i WHEN planned THEN every address is inside 198.18.0.0/15 and inside the lab's own /24", (index) => {
    const plan = planLab(index);
    const addresses = [plan.bridge.ip, plan.floatingIp, plan.registry.host, plan.simulator.host, ...allHosts(plan).flatMap((h) => [h.publicIp, h.privateIp])];
    for (const ip of addresses) {
      expect(inLabRange(ip)).toBe(true);
      expect(ip.startsWith(`198.18.${index}.`)).toBe(true);
    }
    expect(new Set(addresses.filter((a) => a !== plan.bridge.ip)).size).toBe(addresses.length - 3); // registry and simulator share the bridge address
  });

  it("GIVEN two indices WHEN planned THEN they share no name, address or path", () => {
    const [a, b] = [planLab(3), planLab(4)];
    const keys = (p: ReturnType<typeof planLab>) => [p.bridge.name, p.subnet, p.floatingIp, p.paths.stateDir, p.paths.dataDir, ...allHosts(p).flatMap((h) => [h.namespace, h.hostVeth, h.mac, h.publicIp, String(h.dropletId)])];
    const overlap = keys(a).filter((k) => keys(b).includes(k));
    expect(overlap).toEqual([]);
  });

  it("GIVEN the largest index WHEN planned THEN interface names fit Linux's 15-character limit", () => {
    const plan = planLab(250);
    for (const name of [plan.bridge.name, ...allHosts(plan).map((h) => h.hostVeth)]) expect(name.length).toBeLessThanOrEqual(15);
  });

  it("GIVEN a plan THEN the workers start as PROD and FALLBACK and the balancer as BALANCER", () => {
    const plan = planLab(5);
    expect([plan.workers[0].tag, plan.workers[1].tag, plan.balancer.tag]).toEqual(["PROD", "FALLBACK", "BALANCER"]);
  });

  it("GIVEN a worker THEN its docker socket, data root and cgroup parent are private to it", () => {
    const plan = planLab(5);
    const [a, b] = plan.workers.map((w) => workerPaths(plan, w));
    expect(a.socket).not.toEqual(b.socket);
    expect(a.dataRoot.startsWith(plan.paths.dataDir)).toBe(true);
    expect(a.cgroupParent).toBe("/dbg5-worker-a");
  });

  it.each([0, 251, 1.5, -1, NaN])("GIVEN index %p WHEN planned THEN a usage error names the valid range", (index) => {
    expect(() => planLab(index)).toThrow(expect.objectContaining({ message: expect.stringMatching(/out of range/), fix: expect.stringMatching(/from 1 to 250/) }));
  });

  it.each([
    ["dbg12", 12],
    ["dbg12-wa", 12],
    ["dbg250-lb", 250],
    ["dbg0", undefined],
    ["dbg251", undefined],
    ["docker0", undefined],
    ["dbgx-wa", undefined],
  ])("GIVEN the name %p THEN labIndexFromName gives %p", (name, index) => {
    expect(labIndexFromName(name)).toBe(index);
  });
});

describe("planLab: the app's domain, ACME and DNS", () => {
  // The HTTPS work's domain validation (issue 12): what TLS=auto accepts as APP_DOMAIN.
  const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

  it.each([1, 7, 250])("GIVEN index %i WHEN planned THEN its domain is a valid name under the reserved .test, and its own", (index) => {
    const plan = planLab(index);
    expect(plan.domain).toMatch(DOMAIN_NAME);
    expect(plan.domain).toBe(`lab${index}.bluegreen.test`);
  });

  it.each([1, 7, 250])("GIVEN index %i WHEN planned THEN Pebble and the DNS server listen on the host side of the lab bridge", (index) => {
    const plan = planLab(index);
    expect([plan.acme.host, plan.dns.host]).toEqual([plan.bridge.ip, plan.bridge.ip]);
    expect(inLabRange(plan.acme.host)).toBe(true);
    expect(new URL(plan.acme.directoryUrl)).toMatchObject({ protocol: "https:", hostname: plan.bridge.ip, port: "14000", pathname: "/dir" });
    expect(new URL(plan.acme.managementUrl)).toMatchObject({ protocol: "https:", hostname: plan.bridge.ip, port: "15000" });
    expect(plan.dns.port).toBe(53);
  });

  it("GIVEN a plan THEN the bridge address's services use distinct ports", () => {
    const plan = planLab(3);
    const ports = [plan.registry.port, plan.simulator.port, plan.acme.port, plan.acme.managementPort];
    expect(new Set(ports).size).toBe(ports.length);
  });
});
