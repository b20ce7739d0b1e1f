import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PROTECTED } from "./lifecycle";
import { isNonEmpty, PropsValidator } from "./props-validation";

export interface EntryIpProps {
  /** Region slug; a reserved IP only attaches to droplets in its own region. */
  readonly region: string;
  /** Id of the HAProxy droplet, the IP's one and only holder. */
  readonly balancerDropletId: string;
}

/**
 * The stable public entry: a reserved IP of its own on the HAProxy droplet, where the A record points. Unlike the
 * workers' reserved IP, nothing moves it, so its `droplet_id` stays managed by Terraform (not ignored): if the
 * balancer were ever replaced, the same apply would put the IP on the new droplet, and visitors would keep the address
 * their resolvers cached. prevent_destroy keeps the address itself.
 */
export class EntryIp extends Construct {
  readonly reservedIp: ReservedIp;

  constructor(scope: Construct, id: string, props: EntryIpProps) {
    super(scope, id);
    new PropsValidator(this)
      .check(isNonEmpty(props.region), "region", props.region, "empty region", "use the droplets' region slug")
      .check(isNonEmpty(props.balancerDropletId), "balancerDropletId", props.balancerDropletId, "empty droplet id", "pass the HAProxy droplet's id")
      .throwIfInvalid();
    this.reservedIp = new ReservedIp(this, "reserved-ip", {
      region: props.region,
      dropletId: Token.asNumber(props.balancerDropletId),
      lifecycle: PROTECTED,
    });
  }

  get ipAddress(): string {
    return this.reservedIp.ipAddress;
  }
}
