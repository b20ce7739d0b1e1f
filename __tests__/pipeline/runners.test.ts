import { GitlabCiLocal } from "./gitlab-ci-local";

/** The two runner kinds of docs/pipeline.md ("Runners"): one protected and non-privileged, one for branch code. */
const PRODUCTION_TAG = "bluegreen-production";
const CI_TAG = "bluegreen-ci";

const ENVIRONMENTS = ["staging", "production"] as const;
/** The jobs that hold the write-scope token (read-only for status) and the SSH key. */
const PRODUCTION_JOBS = ["deploy", "switch", "rollback", "status"].flatMap((job) => ENVIRONMENTS.map((env) => `${job}:${env}`));
/** The jobs that run branch and merge-request code, some of them privileged (the lab, Docker-in-Docker). */
const CI_JOBS = ["test", "test:unit", "build", "diff"];

describe(".gitlab-ci.yml runner tags, as expanded by gitlab-ci-local --preview", () => {
  let ci: GitlabCiLocal;
  let file: Record<string, any>;
  const tags = (name: string): string[] => {
    expect(file[name]).toBeDefined();
    return file[name].tags ?? [];
  };

  beforeAll(async () => {
    ci = await GitlabCiLocal.inSandbox();
    file = await ci.preview();
  }, 30_000);

  afterAll(() => ci?.dispose());

  it.each(PRODUCTION_JOBS)("GIVEN the production job %s THEN it runs only on the protected runner: its tag, and never the CI runner's", (name) => {
    expect(tags(name)).toEqual([PRODUCTION_TAG]);
  });

  it.each(CI_JOBS)("GIVEN the branch-code job %s THEN it runs only on the CI runner, never on the protected one", (name) => {
    expect(tags(name)).toEqual([CI_TAG]);
  });

  it("GIVEN every job THEN it has tags, so no job lands on a runner that takes untagged jobs", () => {
    const jobs = Object.keys(file).filter((key) => !["stages", "variables", "workflow"].includes(key));
    expect(jobs.filter((name) => tags(name).length === 0)).toEqual([]);
    expect(jobs.length).toBe(PRODUCTION_JOBS.length + CI_JOBS.length);
  });

  it("GIVEN the production jobs THEN none uses Docker-in-Docker, so their runner never needs privileged mode", () => {
    expect(PRODUCTION_JOBS.filter((name) => (file[name].services ?? []).length > 0)).toEqual([]);
  });

  it.each(ENVIRONMENTS)("GIVEN status:%s THEN it hands the switch the read-only token when one is set, else the environment's token", (env) => {
    const script: string[] = file[`status:${env}`].script;
    expect(script).toEqual(['DIGITALOCEAN_TOKEN="${DIGITALOCEAN_READ_TOKEN:-$DIGITALOCEAN_TOKEN}" npm run switch -- status']);
  });
});
