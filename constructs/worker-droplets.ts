import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { Construct } from "constructs";
import { checkPlacement, DropletPlacement } from "./droplet-placement";
import { FIRST_BOOT_ONLY, PROTECTED } from "./lifecycle";
import { isHostname, isNonEmpty, PropsValidator } from "./props-validation";
import { withTerraformValues } from "./terraform-text";

export interface WorkerDropletsProps extends DropletPlacement {
  /** Prefix of the droplet names: `<prefix>-blue` and `<prefix>-green`. */
  readonly namePrefix: string;
  /** Tag of the droplet that serves traffic at creation (blue). */
  readonly prodTag: string;
  /** Tag of the idle droplet at creation (green). */
  readonly fallbackTag: string;
  /** cloud-init user data of both workers (a #cloud-config document), read at the first boot only: later changes are ignored. */
  readonly userData: string;
  /**
   * Size slugs per worker, so a resize (which powers the droplet off) can take one worker at a time.
   * @default `size` for both
   */
  readonly sizes?: { readonly blue?: string; readonly green?: string };
}

/**
 * The two app droplets. Blue starts as PROD and green as FALLBACK; from then on the switch owns
 * the tags (it swaps them on every cutover), so Terraform ignores them: a deploy never undoes a cutover.
 * Names say blue/green rather than prod/fallback because the roles move and the names do not.
 * Nothing routine replaces them: user_data and ssh_keys are first-boot only, and prevent_destroy refuses a plan that would.
 * graceful_shutdown: a droplet that is destroyed anyway is shut down first (provider 2.71 uses it on delete only;
 * a resize still powers off, hence the per-worker sizes).
 */
export class WorkerDroplets extends Construct {
  /** The droplet tagged PROD at creation; the reserved IP starts on it. */
  readonly initialProd: Droplet;
  readonly initialFallback: Droplet;
  readonly all: readonly Droplet[];

  constructor(scope: Construct, id: string, props: WorkerDropletsProps) {
    super(scope, id);
    const userData = withTerraformValues(props.userData);
    checkPlacement(new PropsValidator(this), props)
      .check(isHostname(`${props.namePrefix}-green`), "namePrefix", props.namePrefix, "droplet names would not be valid hostnames", "use letters, digits and dashes, e.g. web")
      .check(isNonEmpty(props.prodTag), "prodTag", props.prodTag, "empty tag", "use a tag such as PROD")
      .check(isNonEmpty(props.fallbackTag), "fallbackTag", props.fallbackTag, "empty tag", "use a tag such as FALLBACK")
      .check(props.prodTag !== props.fallbackTag, "fallbackTag", props.fallbackTag, "same as prodTag", "use two different tags")
      .check(props.userData.startsWith("#cloud-config"), "userData", props.userData.slice(0, 20), "not a #cloud-config document", "render it with core/cloud-init")
      .check(isNonEmpty(props.sizes?.blue ?? props.size), "sizes.blue", props.sizes?.blue, "empty size", "use a size slug such as s-1vcpu-1gb")
      .check(isNonEmpty(props.sizes?.green ?? props.size), "sizes.green", props.sizes?.green, "empty size", "use a size slug such as s-1vcpu-1gb")
      .throwIfInvalid();

    const worker = (color: "blue" | "green", tag: string) =>
      new Droplet(this, color, {
        name: `${props.namePrefix}-${color}`,
        region: props.region,
        size: props.sizes?.[color] ?? props.size,
        image: props.image,
        vpcUuid: props.vpcUuid,
        sshKeys: [...(props.sshKeys ?? [])],
        monitoring: props.monitoring ?? true,
        tags: [tag],
        userData,
        gracefulShutdown: true,
        lifecycle: { ignoreChanges: ["tags", ...FIRST_BOOT_ONLY], ...PROTECTED },
      });
    this.initialProd = worker("blue", props.prodTag);
    this.initialFallback = worker("green", props.fallbackTag);
    this.all = [this.initialProd, this.initialFallback];
  }
}
