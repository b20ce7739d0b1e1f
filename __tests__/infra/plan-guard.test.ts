import { readFileSync } from "node:fs";
import { join } from "node:path";
import { destructionOf, guardPlan, GUARDED_TYPES, PlanAction, PlanFormatError, refusalLine, verdictReport } from "../../infra/plan-guard";

const PLANS = join(__dirname, "..", "fixtures", "plans");
const plan = (name: string): unknown => JSON.parse(readFileSync(join(PLANS, name), "utf8"));

const BLUE = "digitalocean_droplet.workers_blue_E84A8D04";
const GREEN = "digitalocean_droplet.workers_green_5A8A2750";
const BALANCER = "digitalocean_droplet.haproxy_droplet_7059612A";
const FLOATING_IP = "digitalocean_reserved_ip.floating-ip_reserved-ip_F32D358E";
const DOMAIN = "digitalocean_domain.dns_domain_CE934588";
const VPC = "digitalocean_vpc.network_vpc_4E8F0223";

describe("destructionOf (Terraform's action lists)", () => {
  it.each<[PlanAction[], string | null]>([
    [["no-op"], null],
    [["create"], null],
    [["read"], null],
    [["update"], null],
    [["forget"], null],
    [["delete"], "delete"],
    [["delete", "create"], "replace"],
    [["create", "delete"], "replace"],
  ])("GIVEN actions %j THEN it is %s", (actions, kind) => {
    expect(destructionOf(actions)).toBe(kind);
  });
});

describe("guardPlan, on plan JSON in Terraform's format", () => {
  // Each row: the fixture, then what the guard refuses (address, kind, reason) with no override.
  it.each<[string, [string, string, string | undefined][]]>([
    ["no-changes-after-cutover.json", []],
    ["routine-updates.json", []],
    ["forget-is-not-destroy.json", []],
    ["empty.json", []],
    ["replace-balancer-user-data.json", [[BALANCER, "replace", "user_data forces a new resource"]]],
    [
      "replace-workers-ssh-keys.json",
      [
        [BLUE, "replace", "ssh_keys forces a new resource"],
        [GREEN, "replace", "ssh_keys forces a new resource"],
      ],
    ],
    [
      "delete-removed-domain-replace-vpc.json",
      [
        [VPC, "replace", "-replace was asked for"],
        [DOMAIN, "delete", "it is no longer in the code (or its construct id changed)"],
      ],
    ],
    [
      "tainted-reserved-ip-and-deposed-droplet.json",
      [
        [BLUE, "delete", "it is a deposed object left by an earlier failed apply"],
        [FLOATING_IP, "replace", "the resource is tainted"],
      ],
    ],
  ])("GIVEN %s WHEN guarded THEN exactly the expected guarded resources are refused", (fixture, expected) => {
    const verdict = guardPlan(plan(fixture));
    expect(verdict.refused.map((d) => [d.address, d.kind, d.reason])).toEqual(expected);
    expect(verdict.allowed).toEqual([]);
  });

  it("GIVEN a deleted A record (not a guarded type) WHEN guarded THEN it goes through: only droplets, reserved IPs, domains and VPCs are guarded", () => {
    expect(GUARDED_TYPES).toEqual(["digitalocean_droplet", "digitalocean_reserved_ip", "digitalocean_floating_ip", "digitalocean_domain", "digitalocean_vpc"]);
    const verdict = guardPlan(plan("delete-removed-domain-replace-vpc.json"));
    expect(verdict.refused.map((d) => d.address)).not.toContain("digitalocean_record.dns_a-record_09DFB2EC");
  });

  it("GIVEN a data source being read WHEN guarded THEN it is not counted as a resource change", () => {
    expect(guardPlan(plan("routine-updates.json")).checked).toBe(9);
  });

  it("GIVEN ALLOW_DESTROY naming one of two replaced workers WHEN guarded THEN that one is allowed and the other still refused", () => {
    const verdict = guardPlan(plan("replace-workers-ssh-keys.json"), [BLUE]);
    expect(verdict.allowed.map((d) => d.address)).toEqual([BLUE]);
    expect(verdict.refused.map((d) => d.address)).toEqual([GREEN]);
  });

  it("GIVEN ALLOW_DESTROY naming a deposed droplet's address WHEN guarded THEN its deposed object is allowed too", () => {
    const verdict = guardPlan(plan("tainted-reserved-ip-and-deposed-droplet.json"), [BLUE, FLOATING_IP]);
    expect(verdict.refused).toEqual([]);
    expect(verdict.allowed.map((d) => [d.address, d.deposed])).toEqual([
      [BLUE, "00000001"],
      [FLOATING_IP, undefined],
    ]);
  });

  it("GIVEN ALLOW_DESTROY naming a resource the plan keeps WHEN guarded THEN it is reported as unused (a stale override or a typo)", () => {
    const verdict = guardPlan(plan("no-changes-after-cutover.json"), [BALANCER, "digitalocean_droplet.web-blue"]);
    expect(verdict.unusedAllowances).toEqual([BALANCER, "digitalocean_droplet.web-blue"]);
  });

  it.each<[string, unknown, RegExp]>([
    ["the human-readable plan", "Terraform will perform the following actions", /not a JSON object/],
    ["a list", [], /not a JSON object/],
    ["a state file (no format_version 1.x)", { version: 4, terraform_version: "1.11.4", resources: [] }, /format_version undefined is not 1\.x/],
    ["a future format", { format_version: "2.0", resource_changes: [] }, /format_version "2.0" is not 1\.x/],
    ["resource_changes that is not a list", { format_version: "1.2", resource_changes: {} }, /resource_changes is not a list/],
    ["a change without actions", { format_version: "1.2", resource_changes: [{ address: VPC, type: "digitalocean_vpc", change: {} }] }, /resource_changes\[0\] has no address, type or change\.actions/],
  ])("GIVEN %s WHEN guarded THEN it is refused as not a plan, never read as 'no changes'", (_name, input, message) => {
    expect(() => guardPlan(input)).toThrow(PlanFormatError);
    expect(() => guardPlan(input)).toThrow(message);
  });
});

describe("what the guard prints", () => {
  it("GIVEN a refused replacement THEN one line names the address, what would happen, why, and the fix with the exact override", () => {
    const [refused] = guardPlan(plan("replace-balancer-user-data.json")).refused;
    expect(refusalLine(refused)).toBe(
      `refused: ${BALANCER} would be replaced (deleted and created anew): user_data forces a new resource — fix: make the change without replacing it (docs/day-two.md), or, if losing it is intended, re-run the deploy with ALLOW_DESTROY=${BALANCER}`,
    );
  });

  it("GIVEN a resource removed from the code THEN the fix says to put it back (or move it)", () => {
    const domain = guardPlan(plan("delete-removed-domain-replace-vpc.json")).refused.find((d) => d.address === DOMAIN)!;
    expect(refusalLine(domain)).toMatch(/would be deleted: it is no longer in the code .* — fix: put it back in the code \(or a `moved` block for a renamed construct\), or, if losing it is intended, re-run the deploy with ALLOW_DESTROY=digitalocean_domain\.dns_domain_CE934588$/);
  });

  it("GIVEN refusals, an allowance and an unused allowance THEN the report has one line each and is not ok", () => {
    const report = verdictReport(guardPlan(plan("replace-workers-ssh-keys.json"), [BLUE, VPC]));
    expect(report.ok).toBe(false);
    expect(report.lines).toEqual([
      expect.stringMatching(new RegExp(`^refused: ${GREEN} would be replaced`)),
      `allowed by ALLOW_DESTROY: ${BLUE} will be replaced (deleted and created anew): ssh_keys forces a new resource`,
      `note: ALLOW_DESTROY names ${VPC}, which this plan does not delete or replace — fix: remove it from ALLOW_DESTROY`,
    ]);
  });

  it("GIVEN a plan that destroys nothing guarded THEN the report is ok and says how many changes it read", () => {
    expect(verdictReport(guardPlan(plan("routine-updates.json")))).toEqual({ ok: true, lines: ["ok: no droplet, reserved IP, domain or VPC is deleted or replaced (9 resource changes read)"] });
  });
});
