import { existsSync } from "node:fs";
import path from "node:path";
import { GitlabCiLocal, REPO_ROOT } from "./gitlab-ci-local";
import { npmCommandsOf, readRepoFile } from "./npm-commands";

// The README is the contract with users: every npm command the pipeline runs must be one they can read about
// (and run locally). When this fails, document the command in README.md.
describe("README.md and .gitlab-ci.yml", () => {
  let ci: GitlabCiLocal;
  let commands: string[];

  beforeAll(async () => {
    ci = await GitlabCiLocal.inSandbox();
    commands = [...new Set(npmCommandsOf(await ci.preview()).map((c) => c.command))];
  }, 30_000);

  afterAll(() => ci?.dispose());

  it("GIVEN every npm command a job runs THEN README.md mentions it", () => {
    const readme = existsSync(path.join(REPO_ROOT, "README.md")) ? readRepoFile("README.md") : "";
    expect(commands.filter((command) => !readme.includes(command))).toEqual([]);
  });
});
