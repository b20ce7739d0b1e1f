import { Project as DoProject } from "@cdktf/provider-digitalocean/lib/project";
import { ProjectResources } from "@cdktf/provider-digitalocean/lib/project-resources";
import { Construct } from "constructs";
import { isNonEmpty, PropsValidator } from "./props-validation";

export interface ProjectProps {
  /** Project name in the control panel. */
  readonly name: string;
  /**
   * URNs of the resources to group: the droplets and the domain. Never a reserved IP: an assigned one follows its
   * droplet's project, and its URN (`do:reservedip:<ip>`) is not the one the Projects API reports (`do:floatingip:<ip>`),
   * so listing it gives a diff on every plan and a failing apply (decision 0110).
   */
  readonly resources: readonly string[];
  /** @default "Blue/green deployment managed by do-bluegreen" */
  readonly description?: string;
  /** One of DigitalOcean's purposes. @default "Web Application" */
  readonly purpose?: string;
  /** Development, Staging or Production. @default "Production" */
  readonly environment?: string;
}

const isReservedIpUrn = (urn: string): boolean => /^do:(reservedip|floatingip):/.test(urn);

/**
 * Groups the deployment in one DigitalOcean project, so the team sees it as one unit.
 *
 * The members are a separate `digitalocean_project_resources`, and the project itself sets no `resources`. In provider
 * 2.71, `digitalocean_project.resources` is Optional+Computed and its Read stores every URN the Projects API lists,
 * so a reserved IP that followed its droplet into the project (reported as `do:floatingip:<ip>`) would be a diff on every
 * plan, and the apply would try to move it out (412). `digitalocean_project_resources` reads back only the URNs it was
 * given, so the reserved IPs can stay out and still follow their droplets (decision 0110).
 */
export class Project extends Construct {
  readonly project: DoProject;
  readonly members: ProjectResources;

  constructor(scope: Construct, id: string, props: ProjectProps) {
    super(scope, id);
    const environment = props.environment ?? "Production";
    new PropsValidator(this)
      .check(isNonEmpty(props.name), "name", props.name, "empty name", "set DO_PROJECT_NAME")
      .check(props.resources.length > 0, "resources", props.resources, "nothing to group", "pass the droplets' and the domain's URNs")
      .check(!props.resources.some(isReservedIpUrn), "resources", props.resources.filter(isReservedIpUrn), "a reserved IP follows its droplet's project", "leave reserved IPs out")
      .check(["Development", "Staging", "Production"].includes(environment), "environment", environment, "unknown environment", "use Development, Staging or Production")
      .throwIfInvalid();
    this.project = new DoProject(this, "project", {
      name: props.name,
      description: props.description ?? "Blue/green deployment managed by do-bluegreen",
      purpose: props.purpose ?? "Web Application",
      environment,
    });
    this.members = new ProjectResources(this, "resources", { project: this.project.id, resources: [...props.resources] });
  }
}
