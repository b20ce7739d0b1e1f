import { Project as DoProject } from "@cdktf/provider-digitalocean/lib/project";
import { Project } from "../../constructs";
import { propsErrorOf, synth } from "./synth-helpers";

describe("Project", () => {
  it("GIVEN resource URNs WHEN synthesized THEN one project groups exactly them", () => {
    const urns = ["${digitalocean_droplet.blue.urn}", "${digitalocean_reserved_ip.fip.urn}"];
    const { text } = synth((scope) => new Project(scope, "project", { name: "do-bluegreen", resources: urns }));
    expect(text).toHaveResourceWithProperties(DoProject, { name: "do-bluegreen", resources: urns, environment: "Production", purpose: "Web Application" });
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf((scope) => new Project(scope, "project", { name: "", resources: [], environment: "Prod" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["name", "resources", "environment"]);
  });
});
