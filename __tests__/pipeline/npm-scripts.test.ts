import { GitlabCiLocal } from "./gitlab-ci-local";
import { NpmCommand, npmCommandsOf, packageScripts, readRepoFile } from "./npm-commands";

describe("npm commands in .gitlab-ci.yml", () => {
  let ci: GitlabCiLocal;
  let commands: NpmCommand[];

  beforeAll(async () => {
    ci = await GitlabCiLocal.inSandbox();
    commands = npmCommandsOf(await ci.preview());
  }, 30_000);

  afterAll(() => ci?.dispose());

  it("GIVEN the pipeline THEN it runs the documented entry points: npm test, diff, deploy (synth, then plan, guard and apply under the deploy lock) and switch", () => {
    expect(new Set(commands.map((c) => c.command))).toEqual(new Set(["npm test", "npm run test:unit", "npm run diff", "npm run deploy", "npm run switch"]));
  });

  it("GIVEN every npm command a job runs THEN its script exists in package.json", () => {
    const scripts = packageScripts();
    expect(commands.filter((c) => !(c.script in scripts)).map((c) => `${c.job}: ${c.command}`)).toEqual([]);
  });

  it("GIVEN every npm command a job runs THEN docs/pipeline.md documents it", () => {
    const doc = readRepoFile("docs/pipeline.md");
    expect(commands.filter((c) => !doc.includes(`\`${c.command}`)).map((c) => `${c.job}: ${c.command}`)).toEqual([]);
  });
});
