import { networkDownCommands, networkUpCommands } from "../../../lab/network/topology";
import { planLab } from "../../../lab/plan";

describe("networkUpCommands", () => {
  const plan = planLab(9);
  const up = networkUpCommands(plan).map((c) => c.argv.join(" "));

  it("GIVEN a plan WHEN the network is built THEN the bridge comes first and carries the host's lab address", () => {
    expect(up.slice(0, 4)).toEqual(["ip link add dbg9 type bridge", "sysctl -q -w net.ipv6.conf.dbg9.disable_ipv6=1", "ip addr add 198.18.9.1/24 dev dbg9", "ip link set dbg9 up"]);
  });

  it("GIVEN a plan THEN each droplet namespace gets a veth with a fixed MAC plus its public and private address", () => {
    expect(up).toContain("ip link add dbg9-wa type veth peer name eth0 address 02:db:09:00:00:0b netns dbg9-wa");
    expect(up).toContain("ip -n dbg9-wa addr add 198.18.9.11/24 dev eth0");
    expect(up).toContain("ip -n dbg9-wa addr add 198.18.9.111/24 dev eth0");
    expect(up).toContain("ip -n dbg9-lb addr add 198.18.9.2/24 dev eth0");
  });

  it("GIVEN a plan THEN the reserved IP starts on the PROD worker only", () => {
    expect(up.filter((c) => c.includes("198.18.9.100"))).toEqual(["ip -n dbg9-wa addr add 198.18.9.100/32 dev eth0"]);
  });

  it("GIVEN a plan THEN IPv6 is off on the bridge, the host veths and inside every namespace (the lab speaks IPv4 only)", () => {
    expect(up).toContain("sysctl -q -w net.ipv6.conf.dbg9.disable_ipv6=1");
    expect(up).toContain("sysctl -q -w net.ipv6.conf.dbg9-wa.disable_ipv6=1");
    expect(up).toContain("nsenter --net=/var/run/netns/dbg9-lb sysctl -q -w net.ipv6.conf.eth0.disable_ipv6=1");
    expect(up.indexOf("sysctl -q -w net.ipv6.conf.dbg9.disable_ipv6=1")).toBeLessThan(up.indexOf("ip link set dbg9 up"));
  });

  it("GIVEN a plan THEN only the balancer's namespace reuses TIME_WAIT ports and has the wide port range, as its cloud-init sets them", () => {
    expect(up.filter((c) => /tcp_tw_reuse|ip_local_port_range/.test(c))).toEqual([
      "nsenter --net=/var/run/netns/dbg9-lb sysctl -q -w net.ipv4.tcp_tw_reuse=1",
      "nsenter --net=/var/run/netns/dbg9-lb sysctl -q -w net.ipv4.ip_local_port_range=10240 65535",
    ]);
  });

  it("GIVEN a plan THEN no namespace gets a default route (droplets reach only the lab)", () => {
    expect(up.filter((c) => / route /.test(c))).toEqual([]);
  });

  it("GIVEN any command THEN re-running it is tolerated (add tolerates 'File exists')", () => {
    for (const c of networkUpCommands(plan).filter((c) => c.argv.includes("add"))) expect(c.tolerate?.test("RTNETLINK answers: File exists")).toBe(true);
  });
});

describe("networkDownCommands", () => {
  it("GIVEN a plan THEN every namespace and link is deleted, the bridge last, each tolerating absence", () => {
    const down = networkDownCommands(planLab(9));
    expect(down.at(-1)?.argv).toEqual(["ip", "link", "delete", "dbg9"]);
    expect(down.map((c) => c.argv.join(" "))).toEqual(expect.arrayContaining(["ip netns delete dbg9-lb", "ip netns delete dbg9-wa", "ip netns delete dbg9-wb"]));
    for (const c of down) expect(c.tolerate?.test('Cannot find device "dbg9"')).toBe(true);
  });
});
