import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { BalancerDroplet, BalancerDropletProps } from "../../constructs";
import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { CLOUD_CONFIG, evaluateUserData, only, PLACEMENT, propsErrorOf, synth } from "./synth-helpers";

const PROPS: BalancerDropletProps = { ...PLACEMENT, size: "s-1vcpu-512mb-10gb", name: "web-haproxy", tag: "BALANCER", userData: CLOUD_CONFIG };

describe("BalancerDroplet", () => {
  it("GIVEN the props WHEN synthesized THEN the HAProxy droplet carries the BALANCER tag so the switch can find it", () => {
    const { text } = synth((scope) => new BalancerDroplet(scope, "haproxy", PROPS));
    expect(text).toHaveResourceWithProperties(Droplet, {
      name: "web-haproxy",
      tags: ["BALANCER"],
      size: "s-1vcpu-512mb-10gb",
      vpc_uuid: "vpc-uuid-1",
    });
  });

  it("GIVEN user data with a placeholder and a token for it WHEN synthesized THEN the droplet receives the document with the apply-time value", () => {
    const { resources } = synth((scope) => {
      const ip = new ReservedIp(scope, "fip", { region: "nyc3" });
      new BalancerDroplet(scope, "haproxy", { ...PROPS, userData: CLOUD_CONFIG + "# forwards to FIP\n", userDataValues: { FIP: ip.ipAddress } });
    });
    const userData = only(resources, "digitalocean_droplet").user_data;
    expect(evaluateUserData(userData, { "digitalocean_reserved_ip.fip.ip_address": "198.18.0.10" })).toBe(CLOUD_CONFIG + "# forwards to 198.18.0.10\n");
  });

  it("GIVEN the props WHEN synthesized THEN user_data and ssh_keys are first-boot only, it cannot be destroyed, and its tags stay managed by Terraform (only the workers' tags move)", () => {
    const { resources } = synth((scope) => new BalancerDroplet(scope, "haproxy", PROPS));
    const droplet = only(resources, "digitalocean_droplet");
    expect(droplet.lifecycle).toEqual({ ignore_changes: ["user_data", "ssh_keys"], prevent_destroy: true });
    expect(droplet.graceful_shutdown).toBe(true);
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf((scope) => new BalancerDroplet(scope, "haproxy", { ...PROPS, name: "web_haproxy", tag: "", size: "", userData: "echo hi" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["size", "name", "tag", "userData"]);
  });
});
