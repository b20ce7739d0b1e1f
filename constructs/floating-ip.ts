import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { PROTECTED } from "./lifecycle";
import { isNonEmpty, PropsValidator } from "./props-validation";

export interface FloatingIpProps {
  /** Region slug; a reserved IP only attaches to droplets in its own region. */
  readonly region: string;
  /** Id of the droplet the IP is assigned to at creation (the initial PROD droplet). */
  readonly initialDropletId: string;
}

/**
 * The public address HAProxy forwards to. Assigned once at creation with `droplet_id`, then
 * owned by the switch: `ignore_changes = ["droplet_id"]` keeps `deploy` from moving it back.
 * Deliberately not a `*_assignment` resource, which drops out of state after a cutover and would be
 * re-created, moving the IP back (docs/decisions/0101-reserved-ip-with-ignore-changes.md).
 */
export class FloatingIp extends Construct {
  readonly reservedIp: ReservedIp;

  constructor(scope: Construct, id: string, props: FloatingIpProps) {
    super(scope, id);
    new PropsValidator(this)
      .check(isNonEmpty(props.region), "region", props.region, "empty region", "use the droplets' region slug")
      .check(isNonEmpty(props.initialDropletId), "initialDropletId", props.initialDropletId, "empty droplet id", "pass the initial PROD droplet's id")
      .throwIfInvalid();
    this.reservedIp = new ReservedIp(this, "reserved-ip", {
      region: props.region,
      dropletId: Token.asNumber(props.initialDropletId),
      lifecycle: { ignoreChanges: ["droplet_id"], ...PROTECTED },
    });
  }

  get ipAddress(): string {
    return this.reservedIp.ipAddress;
  }
}
