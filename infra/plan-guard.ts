/**
 * The deploy job's guard rail: reads Terraform's JSON plan (`terraform show -json plan.tfplan`, format 1.x:
 * `resource_changes[].change.actions`) and refuses every delete or replacement of a resource whose loss a team feels
 * at once, unless ALLOW_DESTROY names its exact address. Pure: plan in, verdict out; infra/plan-guard-cli.ts prints it.
 *
 * prevent_destroy (constructs/lifecycle.ts) already makes Terraform refuse such a plan for resources that are still in
 * the code. The guard covers what it cannot: a resource removed from the code (its lifecycle goes with it), a renamed
 * construct (a new address: delete + create), a `-replace` or a taint, and a lifecycle edited by mistake.
 */
import { UsageError } from "../core/errors";

/** The resource types the guard protects, by Terraform type. The floating-IP name is the reserved IP's old one (provider < 2.21). */
export const GUARDED_TYPES: readonly string[] = ["digitalocean_droplet", "digitalocean_reserved_ip", "digitalocean_floating_ip", "digitalocean_domain", "digitalocean_vpc"];

/** Terraform's change actions, as `terraform show -json` writes them (`forget` from Terraform 1.7). */
export type PlanAction = "no-op" | "create" | "read" | "update" | "delete" | "forget";

/** The parts of one `resource_changes[]` entry the guard reads. */
export interface ResourceChange {
  readonly address: string;
  readonly mode?: "managed" | "data";
  readonly type: string;
  /** Set when the change is about a deposed object (left by a failed create-before-destroy), not the current one. */
  readonly deposed?: string;
  readonly action_reason?: string;
  readonly change: { readonly actions: readonly PlanAction[]; readonly replace_paths?: readonly (readonly (string | number)[])[] };
}

export interface PlanJson {
  readonly format_version: string;
  readonly resource_changes?: readonly ResourceChange[];
}

/** A guarded resource the plan would delete, or replace (delete and create, in either order). */
export interface Destruction {
  readonly address: string;
  readonly type: string;
  readonly kind: "delete" | "replace";
  /** In plain words, why Terraform plans it, when the plan says (e.g. "user_data forces a new resource"). */
  readonly reason?: string;
  readonly deposed?: string;
}

export interface PlanVerdict {
  /** Destructions that ALLOW_DESTROY does not name: the deploy must stop. */
  readonly refused: readonly Destruction[];
  /** Destructions ALLOW_DESTROY names: they go ahead. */
  readonly allowed: readonly Destruction[];
  /** ALLOW_DESTROY entries the plan does not destroy (a stale override, or a typo). */
  readonly unusedAllowances: readonly string[];
  /** How many resource changes were read (managed resources only). */
  readonly checked: number;
}

export class PlanFormatError extends UsageError {
  constructor(problem: string) {
    super(`not a Terraform JSON plan: ${problem}`, "pass the output of `terraform show -json plan.tfplan` (Terraform >= 0.12, format 1.x)");
  }
}

const REASONS: Readonly<Record<string, string>> = {
  replace_because_tainted: "the resource is tainted",
  replace_by_request: "-replace was asked for",
  replace_by_triggers: "replace_triggered_by fired",
  delete_because_no_resource_config: "it is no longer in the code (or its construct id changed)",
  delete_because_no_module: "its module is no longer in the code",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "its count index is gone",
  delete_because_each_key: "its for_each key is gone",
  delete_because_no_move_target: "its moved block has no target",
};

function reasonOf(change: ResourceChange): string | undefined {
  if (change.deposed) return "it is a deposed object left by an earlier failed apply";
  const paths = (change.change.replace_paths ?? []).map((path) => path.join("."));
  if (change.action_reason === "replace_because_cannot_update" || (paths.length > 0 && !change.action_reason))
    return paths.length > 0 ? `${paths.join(", ")} ${paths.length === 1 ? "forces" : "force"} a new resource` : "an attribute that forces a new resource changed";
  return change.action_reason ? (REASONS[change.action_reason] ?? change.action_reason) : undefined;
}

/** Delete, replace, or neither, from Terraform's action list: ["delete"], ["delete","create"], ["create","delete"]. */
export function destructionOf(actions: readonly PlanAction[]): Destruction["kind"] | null {
  if (!actions.includes("delete")) return null;
  return actions.includes("create") ? "replace" : "delete";
}

/** Checks the shape the guard relies on; anything else is refused rather than read as "no changes". */
export function parsePlan(input: unknown): PlanJson {
  if (!input || typeof input !== "object" || Array.isArray(input)) throw new PlanFormatError("not a JSON object");
  const plan = input as Record<string, unknown>;
  if (typeof plan.format_version !== "string" || !/^1\./.test(plan.format_version))
    throw new PlanFormatError(`format_version ${JSON.stringify(plan.format_version)} is not 1.x`);
  if (plan.resource_changes !== undefined && !Array.isArray(plan.resource_changes)) throw new PlanFormatError("resource_changes is not a list");
  for (const [i, change] of ((plan.resource_changes ?? []) as unknown[]).entries()) {
    const c = change as Partial<ResourceChange> | null;
    if (!c || typeof c.address !== "string" || typeof c.type !== "string" || !Array.isArray(c.change?.actions))
      throw new PlanFormatError(`resource_changes[${i}] has no address, type or change.actions`);
  }
  return plan as unknown as PlanJson;
}

/**
 * The verdict on a plan. `allow`: exact resource addresses (ALLOW_DESTROY). An allowance covers the address's current
 * object and any deposed one.
 */
export function guardPlan(input: unknown, allow: readonly string[] = []): PlanVerdict {
  const plan = parsePlan(input);
  const managed = (plan.resource_changes ?? []).filter((change) => (change.mode ?? "managed") === "managed");
  const destructions = managed.flatMap((change): Destruction[] => {
    const kind = destructionOf(change.change.actions);
    if (!kind || !GUARDED_TYPES.includes(change.type)) return [];
    const reason = reasonOf(change);
    return [{ address: change.address, type: change.type, kind, ...(reason ? { reason } : {}), ...(change.deposed ? { deposed: change.deposed } : {}) }];
  });
  const allowed = new Set(allow);
  return {
    refused: destructions.filter((d) => !allowed.has(d.address)),
    allowed: destructions.filter((d) => allowed.has(d.address)),
    unusedAllowances: allow.filter((address) => !destructions.some((d) => d.address === address)),
    checked: managed.length,
  };
}

const KIND_WORDS = { delete: "deleted", replace: "replaced (deleted and created anew)" } as const;

/** One line per refused resource: what would happen, why, and the fix. */
export function refusalLine(d: Destruction): string {
  const what = `${d.address}${d.deposed ? ` (deposed object ${d.deposed})` : ""} would be ${KIND_WORDS[d.kind]}${d.reason ? `: ${d.reason}` : ""}`;
  const avoid =
    d.reason?.startsWith("it is no longer in the code")
      ? "put it back in the code (or a `moved` block for a renamed construct)"
      : "make the change without replacing it (docs/day-two.md)";
  return `refused: ${what} — fix: ${avoid}, or, if losing it is intended, re-run the deploy with ALLOW_DESTROY=${d.address}`;
}

/** What the CLI prints, as data: the lines and whether the deploy may go on. */
export function verdictReport(verdict: PlanVerdict): { readonly ok: boolean; readonly lines: readonly string[] } {
  const lines = [
    ...verdict.refused.map(refusalLine),
    ...verdict.allowed.map((d) => `allowed by ALLOW_DESTROY: ${d.address} will be ${KIND_WORDS[d.kind]}${d.reason ? `: ${d.reason}` : ""}`),
    ...verdict.unusedAllowances.map((address) => `note: ALLOW_DESTROY names ${address}, which this plan does not delete or replace — fix: remove it from ALLOW_DESTROY`),
  ];
  if (verdict.refused.length === 0 && verdict.allowed.length === 0)
    lines.push(`ok: no droplet, reserved IP, domain or VPC is deleted or replaced (${verdict.checked} resource changes read)`);
  return { ok: verdict.refused.length === 0, lines };
}
