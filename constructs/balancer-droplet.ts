import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { Construct } from "constructs";
import { checkPlacement, DropletPlacement } from "./droplet-placement";
import { isHostname, isNonEmpty, PropsValidator } from "./props-validation";
import { withTerraformValues } from "./terraform-text";

export interface BalancerDropletProps extends DropletPlacement {
  /** Droplet name (and hostname), e.g. web-haproxy. */
  readonly name: string;
  /** Tag by which the switch finds this droplet (TAG_BALANCER). */
  readonly tag: string;
  /** cloud-init user data that installs HAProxy with the rendered haproxy.cfg. Changing it replaces the droplet. */
  readonly userData: string;
  /**
   * Apply-time values spliced into userData, by placeholder: e.g. the reserved IP's address token
   * where the rendered haproxy.cfg says `DO_BLUEGREEN_FLOATING_IP`.
   * @default {} (userData is used as is)
   */
  readonly userDataValues?: Readonly<Record<string, string>>;
}

/** The public entry: HAProxy forwarding to the reserved IP, plus the switch's lock, audit log and runtime API socket. */
export class BalancerDroplet extends Construct {
  readonly droplet: Droplet;

  constructor(scope: Construct, id: string, props: BalancerDropletProps) {
    super(scope, id);
    checkPlacement(new PropsValidator(this), props)
      .check(isHostname(props.name), "name", props.name, "not a valid hostname", "use letters, digits and dashes, e.g. web-haproxy")
      .check(isNonEmpty(props.tag), "tag", props.tag, "empty tag", "use a tag such as BALANCER")
      .check(props.userData.startsWith("#cloud-config"), "userData", props.userData.slice(0, 20), "not a #cloud-config document", "render it with core/cloud-init")
      .throwIfInvalid();
    this.droplet = new Droplet(this, "droplet", {
      name: props.name,
      region: props.region,
      size: props.size,
      image: props.image,
      vpcUuid: props.vpcUuid,
      sshKeys: [...(props.sshKeys ?? [])],
      monitoring: props.monitoring ?? true,
      tags: [props.tag],
      userData: withTerraformValues(props.userData, props.userDataValues),
    });
  }
}
