import { VARIABLES } from "../../core/config/variables";
import { readRepoFile } from "./npm-commands";

const doc = readRepoFile("docs/pipeline.md");
const GITLAB_PROVIDED = ["CI_REGISTRY", "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD", "CI_REGISTRY_IMAGE", "CI_COMMIT_SHORT_SHA"];
const SPACES_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

describe("docs/pipeline.md lists the CI/CD variables", () => {
  it.each([...Object.values(VARIABLES).map((v) => v.name), ...SPACES_KEYS, ...GITLAB_PROVIDED])("GIVEN the variable %s THEN docs/pipeline.md documents it", (name) => {
    expect(doc).toContain(`\`${name}\``);
  });

  it("GIVEN the secret variables of core/config THEN docs/pipeline.md lists each under the masked, protected secrets", () => {
    const secretsSection = doc.slice(doc.indexOf("### Secrets (masked, protected)"), doc.indexOf("### Host keys and access"));
    const secrets = [...Object.values(VARIABLES).filter((v) => "secret" in v && v.secret).map((v) => v.name), ...SPACES_KEYS];
    expect(secrets.filter((name) => !secretsSection.includes(`| \`${name}\``))).toEqual([]);
  });
});
