import { Vpc } from "@cdktf/provider-digitalocean/lib/vpc";
import { Construct } from "constructs";
import { PROTECTED } from "./lifecycle";
import { isHostname, isIpv4Cidr, isNonEmpty, PropsValidator } from "./props-validation";

export interface NetworkProps {
  /** VPC name, unique per region in the account. */
  readonly name: string;
  /** Region slug, e.g. nyc3. */
  readonly region: string;
  /** Private IPv4 range of the VPC. */
  readonly ipRange: string;
  /** @default "Private network of the do-bluegreen droplets" */
  readonly description?: string;
}

/** The VPC the workers and the HAProxy droplet share; the workers' firewall trusts its range for the app port. */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly ipRange: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    new PropsValidator(this)
      .check(isHostname(props.name), "name", props.name, "not a valid VPC name", "use letters, digits and dashes")
      .check(isNonEmpty(props.region), "region", props.region, "empty region", "use a region slug such as nyc3")
      .check(isIpv4Cidr(props.ipRange), "ipRange", props.ipRange, "not an IPv4 CIDR", "use an IPv4 CIDR block, e.g. the DO_VPC_IP_RANGE default")
      .throwIfInvalid();
    this.ipRange = props.ipRange;
    this.vpc = new Vpc(this, "vpc", {
      name: props.name,
      region: props.region,
      ipRange: props.ipRange,
      description: props.description ?? "Private network of the do-bluegreen droplets",
      // Replacing a VPC replaces every droplet in it (vpc_uuid forces a new droplet).
      lifecycle: PROTECTED,
    });
  }
}
