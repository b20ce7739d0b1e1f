import { Annotations, TerraformResource } from "cdktf";
import { Construct } from "constructs";
import { VARIABLES } from "../core/config";
import { ConfigError } from "../core/errors";
import { GUARDED_TYPES } from "../infra/plan-guard";

/** A resource's address in the plan, e.g. digitalocean_droplet.workers_blue_E84A8D04: what ALLOW_DESTROY names. */
export function addressOf(resource: TerraformResource): string {
  return `${resource.terraformResourceType}.${resource.friendlyUniqueId}`;
}

/** Every resource in the stack that carries prevent_destroy, by address. */
export function protectedResources(stack: Construct): Map<string, TerraformResource> {
  const all = stack.node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource && c.lifecycle?.preventDestroy === true);
  return new Map(all.map((resource) => [addressOf(resource), resource]));
}

/**
 * ALLOW_DESTROY at synth time: drops prevent_destroy from exactly the named resources, so Terraform can plan their
 * delete or replacement (the plan guard then lets the same addresses through). An address of a guarded type that is not
 * in the stack is fine (a resource removed from the code: only the guard sees its delete) and is warned about; an
 * address of any other type is refused, because the guard never stops those and a typo must not pass as an override.
 */
export function allowDestroyOf(stack: Construct, addresses: readonly string[]): void {
  if (addresses.length === 0) return;
  const protectedByAddress = protectedResources(stack);
  const unguarded = addresses.filter((address) => !protectedByAddress.has(address) && !GUARDED_TYPES.includes(address.split(".")[0]));
  if (unguarded.length > 0)
    throw new ConfigError([
      {
        variable: VARIABLES.allowDestroy.name,
        value: unguarded.join(","),
        problem: `names no protected resource (the plan guard only stops ${GUARDED_TYPES.join(", ")})`,
        fix: `use exact addresses as the plan guard prints them, e.g. ${[...protectedByAddress.keys()].sort().join(", ")}`,
      },
    ]);
  for (const address of addresses) {
    const resource = protectedByAddress.get(address);
    if (resource) resource.lifecycle = { ...resource.lifecycle, preventDestroy: false };
    else Annotations.of(stack).addWarning(`ALLOW_DESTROY names ${address}, which is not in this stack: only the plan guard will let its delete through`);
  }
}
