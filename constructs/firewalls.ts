import { Firewall, FirewallInboundRule, FirewallOutboundRule } from "@cdktf/provider-digitalocean/lib/firewall";
import { Fn, Token } from "cdktf";
import { Construct } from "constructs";
import { isCidr, isHostname, isIpv4Cidr, isPort, PropsValidator } from "./props-validation";

const ANYWHERE = ["0.0.0.0/0", "::/0"];

/**
 * Droplet ids as the number list the firewall expects, written as one `tolist([...])` expression.
 * A list of `Token.asNumber` values synthesizes valid JSON but invalid HCL (`$ { id }`) under
 * `cdktf synth --hcl`, which would break the documented exit path to plain Terraform.
 */
function dropletIdList(ids: readonly string[]): number[] {
  return Token.asNumberList(Fn.tolist([...ids]));
}

export interface FirewallsProps {
  /** Prefix of the firewall names: `<prefix>-workers` and `<prefix>-haproxy`. */
  readonly namePrefix: string;
  /** Ids of the two worker droplets. By id, not by tag: the tags move on every cutover. */
  readonly workerDropletIds: readonly string[];
  /** Id of the HAProxy droplet, the only droplet that may reach the app port from outside the VPC. */
  readonly balancerDropletId: string;
  /** The app's port on the workers (APP_PORT). */
  readonly appPort: number;
  /** The VPC's range, trusted for the app port. */
  readonly vpcIpRange: string;
  /** Sources allowed to SSH to every droplet (CI runners, admins). Must not be empty. */
  readonly sshAllowedCidrs: readonly string[];
  /** @default 22 */
  readonly sshPort?: number;
  /** Open 443 on the HAProxy droplet. @default false */
  readonly https?: boolean;
}

/**
 * Cloud firewalls: the app port is reachable only from HAProxy and the VPC, SSH only from the
 * configured CIDRs, HTTP(S) from anywhere on HAProxy. Outbound is open so droplets can pull images and packages.
 */
export class Firewalls extends Construct {
  readonly workers: Firewall;
  readonly balancer: Firewall;

  constructor(scope: Construct, id: string, props: FirewallsProps) {
    super(scope, id);
    const sshPort = props.sshPort ?? 22;
    new PropsValidator(this)
      .check(isHostname(`${props.namePrefix}-workers`), "namePrefix", props.namePrefix, "firewall names would be invalid", "use letters, digits and dashes")
      .check(props.workerDropletIds.length === 2, "workerDropletIds", props.workerDropletIds.length, "expected the two worker droplets", "pass both workers' ids")
      .check(isPort(props.appPort), "appPort", props.appPort, "not a port", "use 1-65535")
      .check(isPort(sshPort), "sshPort", sshPort, "not a port", "use 1-65535")
      .check(isIpv4Cidr(props.vpcIpRange), "vpcIpRange", props.vpcIpRange, "not an IPv4 CIDR", "pass the Network construct's ipRange")
      .check(props.sshAllowedCidrs.length > 0, "sshAllowedCidrs", props.sshAllowedCidrs, "empty: nobody could SSH, so the switch could not work", "list the CI runners' and admins' CIDRs")
      .check(props.sshAllowedCidrs.every(isCidr), "sshAllowedCidrs", props.sshAllowedCidrs, "contains a value that is not a CIDR", "use CIDR blocks such as 203.0.113.0/24")
      .throwIfInvalid();

    const ssh: FirewallInboundRule = { protocol: "tcp", portRange: String(sshPort), sourceAddresses: [...props.sshAllowedCidrs] };
    const outbound: FirewallOutboundRule[] = [
      { protocol: "tcp", portRange: "1-65535", destinationAddresses: ANYWHERE },
      { protocol: "udp", portRange: "1-65535", destinationAddresses: ANYWHERE },
      { protocol: "icmp", destinationAddresses: ANYWHERE },
    ];

    this.workers = new Firewall(this, "workers", {
      name: `${props.namePrefix}-workers`,
      dropletIds: dropletIdList(props.workerDropletIds),
      inboundRule: [
        {
          protocol: "tcp",
          portRange: String(props.appPort),
          sourceDropletIds: dropletIdList([props.balancerDropletId]),
          sourceAddresses: [props.vpcIpRange],
        },
        ssh,
      ],
      outboundRule: outbound,
    });

    const web = (port: number): FirewallInboundRule => ({ protocol: "tcp", portRange: String(port), sourceAddresses: ANYWHERE });
    this.balancer = new Firewall(this, "haproxy", {
      name: `${props.namePrefix}-haproxy`,
      dropletIds: dropletIdList([props.balancerDropletId]),
      inboundRule: [web(80), ...(props.https ? [web(443)] : []), ssh],
      outboundRule: outbound,
    });
  }
}
