import { Project as DoProject } from "@cdktf/provider-digitalocean/lib/project";
import { ProjectResources } from "@cdktf/provider-digitalocean/lib/project-resources";
import { Project } from "../../constructs";
import { propsErrorOf, synth } from "./synth-helpers";

describe("Project", () => {
  it("GIVEN resource URNs WHEN synthesized THEN one project groups exactly them", () => {
    const urns = ["${digitalocean_droplet.blue.urn}", "${digitalocean_domain.example.urn}"];
    const { text, resources } = synth((scope) => new Project(scope, "project", { name: "do-bluegreen", resources: urns }));
    expect(text).toHaveResourceWithProperties(DoProject, { name: "do-bluegreen", environment: "Production", purpose: "Web Application" });
    expect(text).toHaveResourceWithProperties(ProjectResources, { project: "${digitalocean_project.project_22F52B9F.id}", resources: urns });
    // The project's own `resources` would read back every member, reserved IPs included: it stays unset.
    expect(Object.values(resources.digitalocean_project)[0]).not.toHaveProperty("resources");
  });

  it.each(["do:reservedip:203.0.113.7", "do:floatingip:203.0.113.7"])("GIVEN a reserved IP's URN (%s) WHEN constructed THEN it is refused: an assigned reserved IP follows its droplet", (urn) => {
    const error = propsErrorOf((scope) => new Project(scope, "project", { name: "web-production", resources: ["do:droplet:1", urn] }));
    expect(error.issues).toEqual([expect.objectContaining({ prop: "resources", value: [urn], fix: "leave reserved IPs out" })]);
  });

  it("GIVEN invalid props WHEN constructed THEN every problem is reported at once", () => {
    const error = propsErrorOf((scope) => new Project(scope, "project", { name: "", resources: [], environment: "Prod" }));
    expect(error.issues.map((i) => i.prop)).toEqual(["name", "resources", "environment"]);
  });
});
