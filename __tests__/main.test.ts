import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { withTempDir } from "./core/debian-validators";

const ROOT = join(__dirname, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

function runMain(env: Record<string, string>) {
  // A minimal environment: nothing from the developer's shell leaks into the run.
  const result = spawnSync(TSX, ["main.ts"], { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("main.ts (the cdktf app entry point)", () => {
  it("GIVEN a valid environment WHEN run THEN it writes stacks/do-bluegreen/cdk.tf.json and exits 0", () => {
    withTempDir((outdir) => {
      // The least a deploy accepts: a key for the deploy user and a restricted SSH source (stacks/deploy-safety.ts).
      const result = runMain({ CDKTF_OUTDIR: outdir, DO_SSH_KEYS: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa", DO_SSH_ALLOWED_CIDRS: "203.0.113.0/24" });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
      const file = join(outdir, "stacks", "do-bluegreen", "cdk.tf.json");
      expect(existsSync(file)).toBe(true);
      expect(Object.keys(JSON.parse(readFileSync(file, "utf8")).resource)).toContain("digitalocean_reserved_ip");
    });
  });

  it("GIVEN bad configuration WHEN run THEN it prints one line naming each problem and its fix, writes nothing and exits 2", () => {
    withTempDir((outdir) => {
      const token = "bad token with spaces in it";
      const result = runMain({ CDKTF_OUTDIR: join(outdir, "out"), DO_REGION: "mars1", APP_PORT: "0", DIGITALOCEAN_TOKEN: token });
      expect(result.status).toBe(2);
      const lines = result.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^do-bluegreen: invalid configuration \(3 problems\): /);
      expect(lines[0]).toContain('DO_REGION="mars1": unknown region — fix: use one of');
      expect(lines[0]).toContain('APP_PORT="0"');
      expect(result.stderr).not.toContain(token);
      expect(existsSync(join(outdir, "out"))).toBe(false);
    });
  });

  it("GIVEN the defaults (no SSH key, no SSH source) WHEN run THEN synth refuses the deploy in one line with the fixes and writes nothing", () => {
    withTempDir((outdir) => {
      const result = runMain({ CDKTF_OUTDIR: join(outdir, "out") });
      expect(result.status).toBe(2);
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^do-bluegreen: invalid configuration \(2 problems\): DO_SSH_ALLOWED_CIDRS="": .*DO_SSH_KEYS="": .*fix: /)]);
      expect(existsSync(join(outdir, "out"))).toBe(false);
    });
  });
});
