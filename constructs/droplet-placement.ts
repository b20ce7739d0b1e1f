import { isNonEmpty, PropsValidator } from "./props-validation";

/** Where and how a droplet runs; shared by the workers and the HAProxy droplet. */
export interface DropletPlacement {
  /** Region slug, e.g. nyc3; must match the VPC's and the reserved IP's. */
  readonly region: string;
  /** Size slug, e.g. s-1vcpu-1gb. */
  readonly size: string;
  /** Image slug; the cloud-init documents assume a Debian image. */
  readonly image: string;
  /** The VPC to attach the droplet's private interface to. */
  readonly vpcUuid: string;
  /**
   * SSH key fingerprints or ids DigitalOcean installs at creation (cloud-init copies them to the deploy user).
   * Ignored afterwards, since a change would replace the droplet: keys are managed live. @default []
   */
  readonly sshKeys?: readonly string[];
  /** DigitalOcean monitoring agent. @default true */
  readonly monitoring?: boolean;
}

export function checkPlacement(validator: PropsValidator, p: DropletPlacement): PropsValidator {
  return validator
    .check(isNonEmpty(p.region), "region", p.region, "empty region", "use a region slug such as nyc3")
    .check(isNonEmpty(p.size), "size", p.size, "empty size", "use a size slug such as s-1vcpu-1gb")
    .check(isNonEmpty(p.image), "image", p.image, "empty image", "use an image slug such as debian-12-x64")
    .check(isNonEmpty(p.vpcUuid), "vpcUuid", p.vpcUuid, "empty VPC id", "pass the Network construct's vpc.id");
}
