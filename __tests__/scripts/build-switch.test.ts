import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSwitch } from "../../scripts/build-switch";

describe("buildSwitch", () => {
  const bundle = buildSwitch();
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["--enable-source-maps", bundle, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });

  it("GIVEN the sources WHEN bundled THEN the bundle and its source map are written", () => {
    expect({ bundle: existsSync(bundle), map: existsSync(`${bundle}.map`) }).toEqual({ bundle: true, map: true });
  });

  it("GIVEN the bundle WHEN run under plain node with --help THEN it prints the switch's usage", () => {
    expect(run(["--help"]).stdout).toContain("rollback");
  });

  it("GIVEN a TypeScript app file with a wrong export WHEN the bundle loads it THEN the problem is the file's content, so tsx loaded it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bundle-")), "bluegreen.config.ts");
    writeFileSync(file, "const port: number = 5;\nexport default port;\n");
    const result = run(["status"], { BLUEGREEN_CONFIG: file });
    expect({ code: result.status, problem: /Expected object, received number/.test(result.stderr) }).toEqual({ code: 2, problem: true });
  });
});
