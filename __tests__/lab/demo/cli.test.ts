import { spawnSync } from "node:child_process";
import { join } from "node:path";

const ROOT = join(__dirname, "../../..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");

// The command starts a real lab: a mistyped flag taken as a stray argument must stop it before anything starts.
describe("npm run demo", () => {
  it("GIVEN a stray positional argument WHEN run THEN it refuses with exit 2 and starts nothing", () => {
    const result = spawnSync(TSX, ["lab/demo/cli.ts", "extra"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/too many arguments/);
    expect(result.stdout).not.toMatch(/lab|Start/i);
  });
});
