import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAppDefinition } from "../../../core/app";
import { loadConfig } from "../../../core/config";
import { ConfigError } from "../../../core/errors";

const dir = mkdtempSync(join(tmpdir(), "bluegreen-config-"));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("loading bluegreen.config.ts", () => {
  it("GIVEN no file at the default path WHEN loaded THEN the app has every default", () => {
    expect(loadAppDefinition("bluegreen.config.ts", false, dir)).toMatchObject({ issues: [], app: { source: "defaults", secretNames: [] } });
  });

  it("GIVEN BLUEGREEN_CONFIG naming a missing file WHEN loaded THEN it is a usage problem on BLUEGREEN_CONFIG", () => {
    expect(loadAppDefinition("missing.ts", true, dir).issues).toEqual([expect.objectContaining({ variable: "BLUEGREEN_CONFIG", problem: "no such file" })]);
  });

  it("GIVEN a file exporting defineApp WHEN loaded THEN its definition is parsed", () => {
    const path = file("ok.config.ts", `export default { env: { clear: { A: "1" } } };`);
    expect(loadAppDefinition(path, true, dir).app?.clearEnv).toEqual({ A: "1" });
  });

  it("GIVEN a file exporting a function of the environment WHEN loaded THEN it gets the environment loadConfig was given", () => {
    const path = file("fn.config.ts", `export default (env) => ({ env: { clear: { STAGE: env.STAGE ?? "none" } } });`);
    expect(loadAppDefinition(path, true, dir, { STAGE: "staging" }).app?.clearEnv).toEqual({ STAGE: "staging" });
  });

  it("GIVEN a file that throws WHEN loaded THEN the error names the file and says what to export", () => {
    const path = file("bad.config.ts", `throw new Error("boom");`);
    expect(loadAppDefinition(path, true, dir).issues[0]).toMatchObject({ problem: "cannot be loaded (boom)" });
  });

  it("GIVEN the project's own bluegreen.config.ts WHEN loaded THEN it is valid", () => {
    expect(loadAppDefinition("bluegreen.config.ts", true).issues).toEqual([]);
  });

  it("GIVEN a bad environment variable and a bad app definition WHEN the config loads THEN both problems come in one error", () => {
    const path = file("two.config.ts", `export default { volumes: [{ source: "./rel", target: "/x" }] };`);
    let error: unknown;
    try {
      loadConfig({ APP_PORT: "0", BLUEGREEN_CONFIG: path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable)).toEqual(["APP_PORT", expect.stringMatching(/two\.config\.ts → volumes\.0\.source$/)]);
  });
});
