import { Vpc } from "@cdktf/provider-digitalocean/lib/vpc";
import { loadConfig } from "../../core/config";
import { Network } from "../../constructs";
import { propsErrorOf, synth } from "./synth-helpers";

const VPC_RANGE = loadConfig({}, "stack").digitalocean.vpcIpRange;

describe("Network", () => {
  it("GIVEN a name, region and range WHEN synthesized THEN one VPC with exactly those is declared", () => {
    const { text } = synth((scope) => new Network(scope, "network", { name: "web-vpc", region: "ams3", ipRange: VPC_RANGE }));
    expect(text).toHaveResourceWithProperties(Vpc, { name: "web-vpc", region: "ams3", ip_range: VPC_RANGE, lifecycle: { prevent_destroy: true } });
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once with the construct path", () => {
    const error = propsErrorOf((scope) => new Network(scope, "network", { name: "bad name", region: "", ipRange: "not-a-cidr" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["name", "region", "ipRange"]);
    expect(error.oneLine()).toMatch(/^invalid construct props \(3 problems\): stack\/network: name="bad name": not a valid VPC name — fix: /);
    expect(error.oneLine()).toContain('ipRange="not-a-cidr": not an IPv4 CIDR');
  });
});
