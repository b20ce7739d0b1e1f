import { Domain } from "@cdktf/provider-digitalocean/lib/domain";
import { Record as DnsRecord } from "@cdktf/provider-digitalocean/lib/record";
import { Dns } from "../../constructs";
import { propsErrorOf, synth } from "./synth-helpers";

describe("Dns", () => {
  it("GIVEN a domain and the HAProxy address WHEN synthesized THEN the domain and an A record to that address exist", () => {
    const { text } = synth((scope) => new Dns(scope, "dns", { domain: "example.com", recordName: "www", ipv4Address: "${digitalocean_droplet.haproxy.ipv4_address}" }));
    // Deleting a domain deletes all its records: it cannot be destroyed.
    expect(text).toHaveResourceWithProperties(Domain, { name: "example.com", lifecycle: { prevent_destroy: true } });
    expect(text).toHaveResourceWithProperties(DnsRecord, {
      domain: "${digitalocean_domain.dns_domain_CE934588.name}",
      type: "A",
      name: "www",
      value: "${digitalocean_droplet.haproxy.ipv4_address}",
      ttl: 300,
    });
  });

  it("GIVEN no record name WHEN synthesized THEN the apex (@) is used", () => {
    const { text } = synth((scope) => new Dns(scope, "dns", { domain: "example.com", ipv4Address: "${digitalocean_droplet.haproxy.ipv4_address}" }));
    expect(text).toHaveResourceWithProperties(DnsRecord, { type: "A", name: "@" });
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf((scope) => new Dns(scope, "dns", { domain: " ", recordName: "", ipv4Address: "x", ttl: 5 }));
    expect(error.issues.map((i) => i.prop)).toEqual(["domain", "recordName", "ttl"]);
  });
});
