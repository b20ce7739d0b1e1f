import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { EntryIp } from "../../constructs";
import { only, propsErrorOf, synth } from "./synth-helpers";

function build() {
  return synth((scope) => {
    const balancer = new Droplet(scope, "haproxy", { name: "web-haproxy", size: "s-1vcpu-512mb-10gb", image: "debian-12-x64" });
    new EntryIp(scope, "entry-ip", { region: "nyc3", balancerDropletId: balancer.id });
  });
}

describe("EntryIp", () => {
  it("GIVEN the HAProxy droplet WHEN synthesized THEN a reserved IP of its own is assigned to it by droplet_id, which stays managed (nothing moves it) and cannot be destroyed", () => {
    const { text, resources } = build();
    expect(text).toHaveResourceWithProperties(ReservedIp, { region: "nyc3", droplet_id: "${digitalocean_droplet.haproxy.id}" });
    // Not ignored: if the balancer were replaced anyway, the same apply would put the entry on the new droplet.
    expect(only(resources, "digitalocean_reserved_ip").lifecycle).toEqual({ prevent_destroy: true });
  });

  it("GIVEN the construct WHEN synthesized THEN no *_assignment resource exists", () => {
    expect(Object.keys(build().resources).filter((type) => type.endsWith("_assignment"))).toEqual([]);
  });

  it("GIVEN empty props WHEN constructed THEN both problems are reported", () => {
    const error = propsErrorOf((scope) => new EntryIp(scope, "entry", { region: "", balancerDropletId: "" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["region", "balancerDropletId"]);
  });
});
