import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { Construct } from "constructs";
import { checkPlacement, DropletPlacement } from "./droplet-placement";
import { FIRST_BOOT_ONLY, PROTECTED } from "./lifecycle";
import { isHostname, isNonEmpty, PropsValidator } from "./props-validation";
import { withTerraformValues } from "./terraform-text";

export interface BalancerDropletProps extends DropletPlacement {
  /** Droplet name (and hostname), e.g. web-haproxy. */
  readonly name: string;
  /** Tag by which the switch finds this droplet (TAG_BALANCER). */
  readonly tag: string;
  /**
   * cloud-init user data that installs HAProxy with the rendered haproxy.cfg, read at the first boot only: a later
   * change (a new health path, say) is ignored here and applied live by `npm run switch -- balancer apply`.
   */
  readonly userData: string;
  /**
   * Apply-time values spliced into userData, by placeholder: e.g. the reserved IP's address token
   * where the rendered haproxy.cfg says `DO_BLUEGREEN_FLOATING_IP`.
   * @default {} (userData is used as is)
   */
  readonly userDataValues?: Readonly<Record<string, string>>;
}

/**
 * HAProxy forwarding to the reserved IP, plus the switch's lock, audit log and runtime API socket. Visitors reach it
 * through its own reserved IP (EntryIp). Its tags stay Terraform's (only the workers' tags move); nothing routine
 * replaces it (user_data and ssh_keys are first-boot only, prevent_destroy refuses the rest).
 */
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
      gracefulShutdown: true,
      lifecycle: { ignoreChanges: [...FIRST_BOOT_ONLY], ...PROTECTED },
    });
  }
}
