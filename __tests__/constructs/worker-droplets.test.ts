import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { WorkerDroplets, WorkerDropletsProps } from "../../constructs";
import { CLOUD_CONFIG, evaluateUserData, PLACEMENT, propsErrorOf, synth } from "./synth-helpers";

const PROPS: WorkerDropletsProps = { ...PLACEMENT, namePrefix: "web", prodTag: "PROD", fallbackTag: "FALLBACK", userData: CLOUD_CONFIG, sshKeys: ["1234"] };

describe("WorkerDroplets", () => {
  it.each([
    ["web-blue", "PROD"],
    ["web-green", "FALLBACK"],
  ])("GIVEN the props WHEN synthesized THEN %s is created tagged %s, with tags ignored afterwards", (name, tag) => {
    const { text } = synth((scope) => new WorkerDroplets(scope, "workers", PROPS));
    expect(text).toHaveResourceWithProperties(Droplet, {
      name,
      tags: [tag],
      lifecycle: { ignore_changes: ["tags"] },
      region: "nyc3",
      size: "s-1vcpu-1gb",
      image: "debian-12-x64",
      vpc_uuid: "vpc-uuid-1",
      ssh_keys: ["1234"],
      monitoring: true,
    });
  });

  it("GIVEN user data WHEN synthesized THEN both workers receive exactly that document", () => {
    const { resources } = synth((scope) => new WorkerDroplets(scope, "workers", PROPS));
    for (const droplet of Object.values(resources.digitalocean_droplet)) expect(evaluateUserData(droplet.user_data)).toBe(CLOUD_CONFIG);
  });

  it("GIVEN the props WHEN synthesized THEN there are exactly two droplets, and neither uses the deprecated private_networking", () => {
    const { resources } = synth((scope) => new WorkerDroplets(scope, "workers", PROPS));
    const droplets = Object.values(resources.digitalocean_droplet);
    expect(droplets).toHaveLength(2);
    for (const droplet of droplets) expect(droplet).not.toHaveProperty("private_networking");
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf(
      (scope) => new WorkerDroplets(scope, "workers", { ...PROPS, namePrefix: "-web", region: "", prodTag: "SAME", fallbackTag: "SAME", userData: "#!/bin/sh\n" }),
    );
    expect(error.issues.map((i) => i.prop)).toEqual(["region", "namePrefix", "fallbackTag", "userData"]);
    expect(error.oneLine()).toContain('stack/workers: fallbackTag="SAME": same as prodTag — fix: use two different tags');
  });
});
