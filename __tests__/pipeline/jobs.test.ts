import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";
import path from "node:path";
import { VARIABLES } from "../../core/config/variables";
import { STACK_NAME } from "../../stacks/bluegreen-stack";
import { DEPLOY_STEPS, STACK_DIR, deployCommands } from "../../infra/deploy";
import { GitlabCiLocal, REPO_ROOT } from "./gitlab-ci-local";
import { packageScripts } from "./npm-commands";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestConfig = require(path.join(REPO_ROOT, "jest.config.js"));

/** The build job's dotenv report: the pushed image by digest. */
const IMAGE_REF = "$APP_IMAGE";
/** An exact version tag, then the digest that fixes the bytes (`name:1.2.3-variant@sha256:<64 hex>`). */
const PINNED_IMAGE = /^[a-z0-9.\/-]+:\d+\.\d+\.\d+(-[a-z0-9.-]+)?@sha256:[0-9a-f]{64}$/;
/** The image reference without its digest: `node:20.20.2-bookworm`. */
const tagOf = (ref: string) => ref.split("@")[0];

type Job = Record<string, any>;

/** The deploy job's known_hosts artifact, and the line that makes the switch read it (__tests__/pipeline/host-keys.test.ts). */
const PINNED_FILE = "known_hosts.pinned";
const USE_PINNED_HOST_KEYS = 'if [ -f known_hosts.pinned ]; then unset SSH_KNOWN_HOSTS; export SSH_KNOWN_HOSTS_FILE="$CI_PROJECT_DIR/known_hosts.pinned"; fi';

/** The environments, in the order a default-branch pipeline changes them. */
const ENVIRONMENTS = ["staging", "production"] as const;
const perEnvironment = (job: string) => ENVIRONMENTS.map((env) => `${job}:${env}`);

describe(".gitlab-ci.yml jobs, as expanded by gitlab-ci-local --preview", () => {
  let ci: GitlabCiLocal;
  let file: Record<string, any>;
  const job = (name: string): Job => {
    expect(file[name]).toBeDefined();
    return file[name];
  };
  const lines = (j: Job, key: "script" | "before_script"): string[] => j[key] ?? [];
  const jobNames = () => Object.keys(file).filter((key) => !["stages", "variables", "workflow"].includes(key));

  beforeAll(async () => {
    ci = await GitlabCiLocal.inSandbox();
    file = await ci.preview();
  }, 30_000);

  afterAll(() => ci?.dispose());

  it("GIVEN the file THEN it passes GitLab's CI JSON schema and declares the stages test -> build -> staging (infrastructure, cutover) -> production (infrastructure, cutover)", () => {
    expect(file.stages).toEqual([".pre", "test", "build", "staging-infrastructure", "staging-cutover", "production-infrastructure", "production-cutover", ".post"]);
  });

  it("GIVEN the raw file THEN it includes nothing, so these tests (and gitlab-ci-local) never fetch anything from the network", () => {
    const raw = parse(readFileSync(path.join(REPO_ROOT, ".gitlab-ci.yml"), "utf8"));
    expect(Object.keys(raw)).not.toContain("include");
  });

  it("GIVEN every job THEN its image and services are pinned to an exact version tag and a digest", () => {
    const unpinned = jobNames().flatMap((name) => {
      const refs = [file[name].image?.name, ...(file[name].services ?? []).map((s: { name: string }) => s.name)].filter(Boolean);
      return refs.filter((ref: string) => !PINNED_IMAGE.test(ref)).map((ref: string) => `${name}: ${ref}`);
    });
    expect(unpinned).toEqual([]);
  });

  it("GIVEN the node jobs THEN the cache prefix names the node image, so a new image never reuses old native modules", () => {
    for (const name of jobNames().filter((n) => file[n].image?.name?.startsWith("node:"))) {
      expect({ name, prefix: job(name).cache[0].key.prefix }).toEqual({ name, prefix: tagOf(job(name).image.name).replace(":", "-") });
    }
  });

  describe.each([
    ["test", "npm test"],
    ["test:unit", "npm run test:unit"],
  ])("test job %s", (name, command) => {
    it(`GIVEN the job THEN it installs the Debian packages, then runs npm ci, then ${command}`, () => {
      const steps = [...lines(job(name), "before_script"), ...lines(job(name), "script")];
      const order = ["bash scripts/install-debian-packages.sh", "npm ci", command].map((cmd) => steps.findIndex((s) => s.startsWith(cmd)));
      expect(order.every((i) => i >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(existsSync(path.join(REPO_ROOT, "scripts/install-debian-packages.sh"))).toBe(true);
    });

    it("GIVEN the job THEN it publishes the JUnit file that jest.config.js's jest-junit reporter writes", () => {
      const [, options] = jestConfig.reporters.find((r: unknown) => Array.isArray(r) && r[0] === "jest-junit");
      expect(job(name).artifacts.reports.junit).toBe(`${options.outputDirectory}/${options.outputName}`);
      expect(job(name).artifacts.when).toBe("always");
    });

    it("GIVEN the job THEN it caches node_modules keyed on package-lock.json and refreshes that cache", () => {
      const [cache] = job(name).cache;
      expect(cache.key.files).toEqual(["package-lock.json"]);
      expect(cache.paths).toContain("node_modules/");
      expect(cache.policy).toBe("pull-push");
    });
  });

  it("GIVEN the build job THEN it builds the app's Dockerfile, pushes it (merge requests to their own path) and hands the switch the pushed digest", () => {
    const build = job("build");
    const context = file.variables.APP_BUILD_CONTEXT;
    expect(existsSync(path.join(REPO_ROOT, context, "Dockerfile"))).toBe(true);
    const script = lines(build, "script").join("\n");
    expect(script).toMatch(/docker build .*"\$APP_BUILD_CONTEXT"/s);
    expect(script).toContain('BUILD_IMAGE="$CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA"; if [ -n "$CI_MERGE_REQUEST_IID" ]; then BUILD_IMAGE="$CI_REGISTRY_IMAGE/merge-requests:$CI_COMMIT_SHORT_SHA"; fi');
    expect(script).toContain('--tag "$BUILD_IMAGE"');
    expect(script).toContain('docker push "$BUILD_IMAGE"');
    expect(script).toContain(`echo "APP_IMAGE=$(docker inspect --format '{{index .RepoDigests 0}}' "$BUILD_IMAGE")" > build.env`);
    expect(build.artifacts.reports.dotenv).toBe("build.env");
    expect(script).toContain('--password-stdin "$CI_REGISTRY"');
    for (const env of ENVIRONMENTS) {
      expect(lines(job(`switch:${env}`), "script").join("\n")).toContain(`npm run switch -- --image "${IMAGE_REF}"`);
      expect(job(`switch:${env}`).dependencies).toEqual(["build", `deploy:${env}`]);
    }
  });

  it("GIVEN the build job THEN the Docker client and the dind daemon are the same pinned version (one image on Docker Hub, so one digest)", () => {
    const build = job("build");
    const [name, digest] = build.image.name.split("@");
    expect(build.services.map((s: { name: string }) => s.name)).toEqual([`${name}-dind@${digest}`]);
  });

  describe.each(["diff", ...perEnvironment("deploy")])("infrastructure job %s", (name) => {
    it("GIVEN the job THEN it installs Terraform >= 1.6.3 (DigitalOcean's minimum for state on Spaces) and checks its SHA-256", () => {
      const [major, minor, patch] = String(file.variables.TERRAFORM_VERSION).split(".").map(Number);
      expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(1 * 1e6 + 6 * 1e3 + 3);
      expect(file.variables.TERRAFORM_SHA256).toMatch(/^[0-9a-f]{64}$/);
      const steps = lines(job(name), "before_script").join("\n");
      expect(steps).toContain("terraform_${TERRAFORM_VERSION}_linux_amd64.zip");
      expect(steps).toContain('echo "${TERRAFORM_SHA256}  /tmp/terraform.zip" | sha256sum --check --strict -');
    });

    it("GIVEN the job THEN the S3 client only sends and checks checksums when required (Spaces rejects the newer defaults)", () => {
      expect(job(name).variables).toMatchObject({ AWS_REQUEST_CHECKSUM_CALCULATION: "when_required", AWS_RESPONSE_CHECKSUM_VALIDATION: "when_required" });
    });
  });

  it("GIVEN the diff job THEN the plan goes to the job log and to an artifact kept even when the plan fails", () => {
    const diff = job("diff");
    const script = lines(diff, "script");
    expect(script).toEqual(["set -o pipefail", "npm run diff 2>&1 | tee cdktf-diff.txt"]);
    expect(diff.artifacts).toMatchObject({ paths: ["cdktf-diff.txt"], when: "always" });
  });

  describe.each(ENVIRONMENTS)("the deploy to %s", (env) => {
    const deploy = () => job(`deploy:${env}`);

    it("GIVEN the job THEN it runs `npm run deploy` (synthesize, save the plan, show it as JSON, run the plan guard on it, apply exactly that plan), then applies the balancer configuration live", () => {
      expect(lines(deploy(), "script")).toEqual([
        `npm run deploy -- --known-hosts-out ${PINNED_FILE}`,
        USE_PINNED_HOST_KEYS,
        'npm run switch -- balancer apply --message "deploy $CI_COMMIT_SHORT_SHA ($CI_PIPELINE_URL)"',
      ]);
      expect(packageScripts().deploy).toMatch(/\btsx infra\/deploy-cli\.ts$/);
      expect(deployCommands().map((c) => c.argv.join(" "))).toEqual([
        "npm run synth",
        `terraform -chdir=${STACK_DIR} init -input=false`,
        `terraform -chdir=${STACK_DIR} plan -input=false -out=plan.tfplan`,
        `terraform -chdir=${STACK_DIR} show -json plan.tfplan`,
        `npx tsx infra/plan-guard-cli.ts ${STACK_DIR}/plan.json`,
        `terraform -chdir=${STACK_DIR} apply -input=false plan.tfplan`,
      ]);
      expect(STACK_DIR).toBe(`cdktf.out/stacks/${STACK_NAME}`);
      expect(existsSync(path.join(REPO_ROOT, "infra/plan-guard-cli.ts"))).toBe(true);
    });

    it("GIVEN the job THEN it keeps the known_hosts file it wrote as an artifact for at most a week, and the switch job of the same environment (only) receives it, reading it before it runs the switch", () => {
      expect(deploy().artifacts).toEqual({ expire_in: "1 week", paths: [PINNED_FILE] });
      const receivers = jobNames().filter((name) => (file[name].dependencies ?? []).includes(`deploy:${env}`));
      expect(receivers).toEqual([`switch:${env}`]);
      const script = lines(job(`switch:${env}`), "script");
      expect(script.indexOf(USE_PINNED_HOST_KEYS)).toBe(0);
      expect(script.findIndex((l) => l.startsWith("npm run switch"))).toBe(1);
    });

    it("GIVEN the rollback and status jobs THEN they stay available at once (needs: []), so they get no artifact and read SSH_KNOWN_HOSTS", () => {
      for (const name of [`rollback:${env}`, `status:${env}`]) {
        expect({ name, needs: job(name).needs }).toEqual({ name, needs: [] });
        expect(lines(job(name), "script")).not.toContain(USE_PINNED_HOST_KEYS);
      }
    });

    it("GIVEN the job THEN nothing applies without the guard: no cdktf deploy, no -auto-approve, one apply of the saved plan after the guard, all under the deploy lock", () => {
      const script = [lines(deploy(), "script").join("\n"), packageScripts().deploy, ...deployCommands().map((c) => c.argv.join(" "))].join("\n");
      expect(script).not.toMatch(/cdktf deploy|-auto-approve/);
      const applies = deployCommands().filter((c) => c.argv.includes("apply"));
      expect(applies.map((c) => c.argv.at(-1))).toEqual(["plan.tfplan"]);
      expect(DEPLOY_STEPS.indexOf("guard")).toBeLessThan(DEPLOY_STEPS.indexOf("apply"));
      expect(deployCommands().filter((c) => c.locked).map((c) => c.step)).toEqual(["plan", "show", "guard", "apply"]);
    });
  });

  const ENV_JOBS: [string, string, "prepare" | "access" | undefined, boolean][] = ENVIRONMENTS.flatMap((env) => [
    [`deploy:${env}`, env, "prepare", true],
    [`switch:${env}`, env, undefined, true],
    [`rollback:${env}`, env, undefined, true],
    [`status:${env}`, env, "access", false],
  ]);

  it.each(ENV_JOBS)("GIVEN the %s job THEN it acts on the %s environment with its URL and DEPLOY_ENV, is not interruptible, and changes it only inside that environment's resource_group", (name, env, action, changes) => {
    const j = job(name);
    expect(j.variables.DEPLOY_ENV).toBe(env);
    expect(j.environment).toMatchObject({ name: env, url: `$${env.toUpperCase()}_URL` });
    expect(j.environment.action).toBe(action);
    // Read-only status stays outside the group, so it can report while a cutover holds it.
    expect(j.resource_group).toBe(changes ? env : undefined);
    expect(j.interruptible).toBe(false);
  });

  it.each(
    ENVIRONMENTS.flatMap((env) => [
      [`switch:${env}`, `npm run switch -- --image "${IMAGE_REF}"`],
      [`rollback:${env}`, "npm run switch -- rollback"],
      [`status:${env}`, "npm run switch -- status"],
    ]),
  )("GIVEN the %s job THEN its script runs %s", (name, command) => {
    expect(lines(job(name), "script").some((line) => line.replace(/^DIGITALOCEAN_TOKEN="[^"]*" /, "").startsWith(command))).toBe(true);
  });

  it("GIVEN the deploy and switch jobs THEN none has needs, so each waits for every earlier stage: tests, the image push, staging's deploy and cutover, production's deploy", () => {
    const order = ["build", "deploy:staging", "switch:staging", "deploy:production", "switch:production"];
    for (const name of order.slice(1)) expect({ name, needs: job(name).needs }).toEqual({ name, needs: undefined });
    const stages = order.map((name) => file.stages.indexOf(job(name).stage));
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
    expect(new Set(stages).size).toBe(order.length);
  });

  it("GIVEN PRODUCTION_DEPLOY THEN it defaults to auto, and the production gate blocks (allow_failure false) so the production cutover cannot run without the deploy", () => {
    expect(file.variables.PRODUCTION_DEPLOY).toBe("auto");
    const [gate] = job("deploy:production").rules;
    expect(gate).toMatchObject({ if: expect.stringContaining('$PRODUCTION_DEPLOY != "auto"'), when: "manual", allow_failure: false });
  });

  it("GIVEN the file THEN no secret is defined in it: secrets come only from CI/CD variables", () => {
    const secrets = new Set([...Object.values(VARIABLES).filter((v) => "secret" in v && v.secret).map((v) => v.name), "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SSH_PRIVATE_KEY_FILE"]);
    const defined = [file.variables ?? {}, ...jobNames().map((name) => file[name].variables ?? {})].flatMap((vars) => Object.keys(vars));
    expect(defined.filter((name) => secrets.has(name))).toEqual([]);
  });
});
