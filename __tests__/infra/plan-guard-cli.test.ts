import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../infra/plan-guard-cli";
import { withTempDir } from "../core/debian-validators";

const ROOT = join(__dirname, "..", "..");
const PLANS = join(__dirname, "..", "fixtures", "plans");
const BALANCER = "digitalocean_droplet.haproxy_droplet_7059612A";

function run(args: string[], env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const code = main(args, env, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

describe("infra/plan-guard-cli.ts", () => {
  it("GIVEN a plan that replaces the balancer WHEN run THEN it exits 2 with one stderr line for it, naming the fix", () => {
    const { code, out, err } = run([join(PLANS, "replace-balancer-user-data.json")]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err.trimEnd().split("\n")).toEqual([expect.stringMatching(new RegExp(`^plan-guard: refused: ${BALANCER} would be replaced .* — fix: .*ALLOW_DESTROY=${BALANCER}$`))]);
  });

  it("GIVEN two refused workers WHEN run THEN there is one line per resource", () => {
    const { code, err } = run([join(PLANS, "replace-workers-ssh-keys.json")]);
    expect(code).toBe(2);
    expect(err.trimEnd().split("\n")).toHaveLength(2);
  });

  it("GIVEN ALLOW_DESTROY naming the balancer WHEN run THEN it exits 0 and says what the override lets through", () => {
    const { code, out, err } = run([join(PLANS, "replace-balancer-user-data.json")], { ALLOW_DESTROY: BALANCER });
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(new RegExp(`^plan-guard: allowed by ALLOW_DESTROY: ${BALANCER} will be replaced`));
  });

  it("GIVEN the plan after a cutover WHEN run THEN it exits 0", () => {
    const { code, out } = run([join(PLANS, "no-changes-after-cutover.json")]);
    expect(code).toBe(0);
    expect(out).toBe("plan-guard: ok: no droplet, reserved IP, domain or VPC is deleted or replaced (9 resource changes read)\n");
  });

  it.each<[string, string[], Record<string, string>, RegExp]>([
    ["no file", [], {}, /^plan-guard: no plan file given — fix: run `npx tsx infra\/plan-guard-cli.ts plan.json`/],
    ["a missing file", ["/nonexistent/plan.json"], {}, /^plan-guard: cannot read \/nonexistent\/plan.json \(ENOENT\) — fix: /],
    ["a malformed ALLOW_DESTROY", [join(PLANS, "empty.json")], { ALLOW_DESTROY: "web-blue" }, /^plan-guard: invalid configuration \(1 problem\): ALLOW_DESTROY="web-blue": not a resource address/],
  ])("GIVEN %s WHEN run THEN it exits 2 with one line and the fix", (_name, args, env, message) => {
    const { code, err } = run(args, env);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err.trimEnd().split("\n")).toHaveLength(1);
  });

  it("GIVEN a text plan instead of JSON WHEN run THEN it exits 2 and says how to write the JSON", () => {
    withTempDir((dir) => {
      const file = join(dir, "plan.txt");
      writeFileSync(file, "Terraform will perform the following actions:\n");
      expect(run([file]).err).toMatch(/is not JSON — fix: write it with `terraform show -json plan.tfplan > plan.json`/);
    });
  });

  it("GIVEN the documented command WHEN run as a process with npx tsx THEN its exit code is the guard's", () => {
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const result = spawnSync(tsx, ["infra/plan-guard-cli.ts", join(PLANS, "delete-removed-domain-replace-vpc.json")], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" },
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trimEnd().split("\n").map((line) => line.split(" would")[0])).toEqual([
      "plan-guard: refused: digitalocean_vpc.network_vpc_4E8F0223",
      "plan-guard: refused: digitalocean_domain.dns_domain_CE934588",
    ]);
  });
});
