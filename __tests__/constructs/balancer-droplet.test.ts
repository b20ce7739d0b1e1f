import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { BalancerDroplet, BalancerDropletProps } from "../../constructs";
import { CLOUD_CONFIG, only, PLACEMENT, propsErrorOf, synth } from "./synth-helpers";

const PROPS: BalancerDropletProps = { ...PLACEMENT, size: "s-1vcpu-512mb-10gb", name: "web-haproxy", tag: "BALANCER", userData: CLOUD_CONFIG };

describe("BalancerDroplet", () => {
  it("GIVEN the props WHEN synthesized THEN the HAProxy droplet carries the BALANCER tag so the switch can find it", () => {
    const { text } = synth((scope) => new BalancerDroplet(scope, "haproxy", PROPS));
    expect(text).toHaveResourceWithProperties(Droplet, {
      name: "web-haproxy",
      tags: ["BALANCER"],
      size: "s-1vcpu-512mb-10gb",
      vpc_uuid: "vpc-uuid-1",
      user_data: CLOUD_CONFIG,
    });
  });

  it("GIVEN the props WHEN synthesized THEN its tags are managed by Terraform (only the workers' tags move)", () => {
    const { resources } = synth((scope) => new BalancerDroplet(scope, "haproxy", PROPS));
    expect(only(resources, "digitalocean_droplet")).not.toHaveProperty("lifecycle");
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf((scope) => new BalancerDroplet(scope, "haproxy", { ...PROPS, name: "web_haproxy", tag: "", size: "", userData: "echo hi" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["size", "name", "tag", "userData"]);
  });
});
