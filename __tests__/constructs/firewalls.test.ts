import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { Firewall } from "@cdktf/provider-digitalocean/lib/firewall";
import { Construct } from "constructs";
import { loadConfig } from "../../core/config";
import { Firewalls, FirewallsProps } from "../../constructs";
import { propsErrorOf, synth } from "./synth-helpers";

const VPC_RANGE = loadConfig({}, "stack").digitalocean.vpcIpRange;
const ADMINS = ["203.0.113.0/24", "2001:db8::/32"];
const BASE = { namePrefix: "web", appPort: 8080, vpcIpRange: VPC_RANGE, sshAllowedCidrs: ADMINS };

/** Firewalls wired to three real droplets, as in the stack. */
function withDroplets(scope: Construct, overrides: Partial<FirewallsProps> = {}): Firewalls {
  const droplet = (name: string) => new Droplet(scope, name, { name, size: "s-1vcpu-1gb", image: "debian-12-x64" }).id;
  return new Firewalls(scope, "firewalls", {
    ...BASE,
    workerDropletIds: [droplet("blue"), droplet("green")],
    balancerDropletId: droplet("haproxy"),
    ...overrides,
  });
}
const OUTBOUND_ANYWHERE = [
  { protocol: "tcp", port_range: "1-65535", destination_addresses: ["0.0.0.0/0", "::/0"] },
  { protocol: "udp", port_range: "1-65535", destination_addresses: ["0.0.0.0/0", "::/0"] },
  { protocol: "icmp", destination_addresses: ["0.0.0.0/0", "::/0"] },
];

describe("Firewalls", () => {
  it("GIVEN the workers WHEN synthesized THEN the app port is open only to HAProxy and the VPC, SSH only to the configured CIDRs", () => {
    const { text } = synth((scope) => withDroplets(scope));
    expect(text).toHaveResourceWithProperties(Firewall, {
      name: "web-workers",
      droplet_ids: "${tolist([digitalocean_droplet.blue.id, digitalocean_droplet.green.id])}",
      inbound_rule: [
        { protocol: "tcp", port_range: "8080", source_droplet_ids: "${tolist([digitalocean_droplet.haproxy.id])}", source_addresses: [VPC_RANGE] },
        { protocol: "tcp", port_range: "22", source_addresses: ADMINS },
      ],
      outbound_rule: OUTBOUND_ANYWHERE,
    });
  });

  it("GIVEN no certificate WHEN synthesized THEN HAProxy accepts 80 from anywhere and SSH only from the configured CIDRs", () => {
    const { text } = synth((scope) => withDroplets(scope));
    expect(text).toHaveResourceWithProperties(Firewall, {
      name: "web-haproxy",
      droplet_ids: "${tolist([digitalocean_droplet.haproxy.id])}",
      inbound_rule: [
        { protocol: "tcp", port_range: "80", source_addresses: ["0.0.0.0/0", "::/0"] },
        { protocol: "tcp", port_range: "22", source_addresses: ADMINS },
      ],
      outbound_rule: OUTBOUND_ANYWHERE,
    });
  });

  it("GIVEN https and a custom SSH port WHEN synthesized THEN HAProxy also accepts 443 and SSH rules use that port", () => {
    const { text } = synth((scope) => withDroplets(scope, { https: true, sshPort: 2222 }));
    expect(text).toHaveResourceWithProperties(Firewall, {
      name: "web-haproxy",
      inbound_rule: [
        { protocol: "tcp", port_range: "80", source_addresses: ["0.0.0.0/0", "::/0"] },
        { protocol: "tcp", port_range: "443", source_addresses: ["0.0.0.0/0", "::/0"] },
        { protocol: "tcp", port_range: "2222", source_addresses: ADMINS },
      ],
    });
    expect(text).toHaveResourceWithProperties(Firewall, {
      name: "web-workers",
      inbound_rule: [expect.objectContaining({ port_range: "8080" }), { protocol: "tcp", port_range: "2222", source_addresses: ADMINS }],
    });
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf(
      (scope) =>
        withDroplets(scope, { workerDropletIds: ["1"], appPort: 0, sshPort: 70000, vpcIpRange: "::/0", sshAllowedCidrs: [] }),
    );
    expect(error.issues.map((i) => i.prop)).toEqual(["workerDropletIds", "appPort", "sshPort", "vpcIpRange", "sshAllowedCidrs"]);
    expect(error.oneLine()).toContain("nobody could SSH, so the switch could not work");
  });

  it("GIVEN a CIDR list with a bad entry WHEN constructed THEN it is rejected", () => {
    const error = propsErrorOf((scope) => withDroplets(scope, { sshAllowedCidrs: ["203.0.113.0/24", "everyone"] }));
    expect(error.issues).toEqual([expect.objectContaining({ prop: "sshAllowedCidrs", problem: "contains a value that is not a CIDR" })]);
  });
});
