import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { WorkerDroplets, WorkerDropletsProps } from "../../constructs";
import { CLOUD_CONFIG, evaluateUserData, PLACEMENT, propsErrorOf, synth } from "./synth-helpers";

const PROPS: WorkerDropletsProps = { ...PLACEMENT, namePrefix: "web", prodTag: "PROD", fallbackTag: "FALLBACK", userData: CLOUD_CONFIG, sshKeys: ["1234"] };

describe("WorkerDroplets", () => {
  it.each([
    ["web-blue", "PROD"],
    ["web-green", "FALLBACK"],
  ])("GIVEN the props WHEN synthesized THEN %s is created tagged %s; tags, user_data and ssh_keys are ignored afterwards and it cannot be destroyed", (name, tag) => {
    const { text } = synth((scope) => new WorkerDroplets(scope, "workers", PROPS));
    expect(text).toHaveResourceWithProperties(Droplet, {
      name,
      tags: [tag],
      lifecycle: { ignore_changes: ["tags", "user_data", "ssh_keys"], prevent_destroy: true },
      graceful_shutdown: true,
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

  it("GIVEN a size for one worker WHEN synthesized THEN only that worker gets it, so a resize powers off one droplet at a time", () => {
    const { resources } = synth((scope) => new WorkerDroplets(scope, "workers", { ...PROPS, sizes: { green: "s-2vcpu-2gb" } }));
    const sizes = Object.fromEntries(Object.values(resources.digitalocean_droplet).map((d) => [d.name, d.size]));
    expect(sizes).toEqual({ "web-blue": "s-1vcpu-1gb", "web-green": "s-2vcpu-2gb" });
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf(
      (scope) => new WorkerDroplets(scope, "workers", { ...PROPS, namePrefix: "-web", region: "", prodTag: "SAME", fallbackTag: "SAME", userData: "#!/bin/sh\n" }),
    );
    expect(error.issues.map((i) => i.prop)).toEqual(["region", "namePrefix", "fallbackTag", "userData"]);
    expect(error.oneLine()).toContain('stack/workers: fallbackTag="SAME": same as prodTag — fix: use two different tags');
  });
});
