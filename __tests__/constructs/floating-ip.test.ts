import { FloatingIpAssignment } from "@cdktf/provider-digitalocean/lib/floating-ip-assignment";
import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { ReservedIpAssignment } from "@cdktf/provider-digitalocean/lib/reserved-ip-assignment";
import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { FloatingIp } from "../../constructs";
import { propsErrorOf, synth } from "./synth-helpers";

function build() {
  return synth((scope) => {
    const droplet = new Droplet(scope, "prod", { name: "web-blue", size: "s-1vcpu-1gb", image: "debian-12-x64" });
    new FloatingIp(scope, "floating-ip", { region: "nyc3", initialDropletId: droplet.id });
  });
}

describe("FloatingIp", () => {
  it("GIVEN the initial PROD droplet WHEN synthesized THEN a reserved IP is assigned to it by droplet_id, which Terraform then ignores", () => {
    expect(build().text).toHaveResourceWithProperties(ReservedIp, {
      region: "nyc3",
      droplet_id: "${digitalocean_droplet.prod.id}",
      lifecycle: { ignore_changes: ["droplet_id"], prevent_destroy: true },
    });
  });

  it("GIVEN the construct WHEN synthesized THEN no *_assignment resource exists (it would move the IP back after a cutover)", () => {
    const { text, resources } = build();
    expect(text).not.toHaveResource(ReservedIpAssignment);
    expect(text).not.toHaveResource(FloatingIpAssignment);
    expect(Object.keys(resources).filter((type) => type.endsWith("_assignment"))).toEqual([]);
  });

  it("GIVEN empty props WHEN constructed THEN both problems are reported", () => {
    const error = propsErrorOf((scope) => new FloatingIp(scope, "fip", { region: "", initialDropletId: "" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["region", "initialDropletId"]);
  });
});
