import { GitlabCiLocal, ListedJob, mapInParallel, PipelineContext } from "./gitlab-ci-local";

type When = ListedJob["when"];

interface PipelineKind extends PipelineContext {
  readonly kind: string;
  /** Every job that runs in this pipeline and its `when`; all other jobs must be `never`. */
  readonly jobs: Readonly<Record<string, When>>;
}

const DEFAULT_BRANCH = { CI_DEFAULT_BRANCH: "main" };
const MERGE_REQUEST = { ...DEFAULT_BRANCH, CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_IID: "7", CI_COMMIT_REF_NAME: "feature/login", CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main" };
const PUSH_TO_MAIN = { ...DEFAULT_BRANCH, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main" };
const PUSH_TO_BRANCH = { ...DEFAULT_BRANCH, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature/login", CI_COMMIT_REF_NAME: "feature/login" };
const CUTOVER = {
  "deploy:staging": "on_success",
  "switch:staging": "on_success",
  "deploy:production": "on_success",
  "switch:production": "on_success",
  "rollback:staging": "manual",
  "rollback:production": "manual",
  "status:staging": "manual",
  "status:production": "manual",
} as const;
/** Manual jobs that must block the pipeline: what comes after them depends on them. */
const BLOCKING_GATES = ["deploy:production"];

const KINDS: readonly PipelineKind[] = [
  { kind: "merge request", variables: MERGE_REQUEST, unset: ["CI_COMMIT_BRANCH"], jobs: { test: "on_success", build: "on_success", diff: "on_success" } },
  { kind: "merge request, UNIT_TESTS_ONLY=true", variables: { ...MERGE_REQUEST, UNIT_TESTS_ONLY: "true" }, unset: ["CI_COMMIT_BRANCH"], jobs: { "test:unit": "on_success", build: "on_success", diff: "on_success" } },
  { kind: "push to the default branch", variables: PUSH_TO_MAIN, jobs: { test: "on_success", build: "on_success", ...CUTOVER } },
  { kind: "push to the default branch, UNIT_TESTS_ONLY=true", variables: { ...PUSH_TO_MAIN, UNIT_TESTS_ONLY: "true" }, jobs: { "test:unit": "on_success", build: "on_success", ...CUTOVER } },
  { kind: "Run pipeline (web) on the default branch", variables: { ...PUSH_TO_MAIN, CI_PIPELINE_SOURCE: "web" }, jobs: { test: "on_success", build: "on_success", ...CUTOVER } },
  { kind: "push to the default branch, PRODUCTION_DEPLOY=manual", variables: { ...PUSH_TO_MAIN, PRODUCTION_DEPLOY: "manual" }, jobs: { test: "on_success", build: "on_success", ...CUTOVER, "deploy:production": "manual" } },
  { kind: "push to the default branch, PRODUCTION_DEPLOY mistyped (fails safe: manual)", variables: { ...PUSH_TO_MAIN, PRODUCTION_DEPLOY: "Auto" }, jobs: { test: "on_success", build: "on_success", ...CUTOVER, "deploy:production": "manual" } },
  { kind: "push to a branch without a merge request", variables: PUSH_TO_BRANCH, jobs: { test: "on_success" } },
  { kind: "push to a branch with an open merge request (the MR pipeline covers it)", variables: { ...PUSH_TO_BRANCH, CI_OPEN_MERGE_REQUESTS: "group/project!7" }, jobs: {} },
  { kind: "scheduled pipeline on the default branch", variables: { ...PUSH_TO_MAIN, CI_PIPELINE_SOURCE: "schedule" }, jobs: {} },
  { kind: "tag push", variables: { ...DEFAULT_BRANCH, CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: "v1.2.3", CI_COMMIT_REF_NAME: "v1.2.3" }, unset: ["CI_COMMIT_BRANCH"], jobs: {} },
];

interface Evaluated {
  readonly listed: ListedJob[];
  readonly dependencyCheck: PromiseSettledResult<string>;
}

describe(".gitlab-ci.yml rules, evaluated by gitlab-ci-local for each kind of pipeline", () => {
  let ci: GitlabCiLocal;
  const evaluated = new Map<string, Evaluated>();

  beforeAll(async () => {
    ci = await GitlabCiLocal.inSandbox();
    await mapInParallel(KINDS, async (kind) => {
      const listed = await ci.listJobs(kind);
      const dependencyCheck = await ci.validateDependencyChain(kind).then(
        (out): PromiseSettledResult<string> => ({ status: "fulfilled", value: out }),
        (error): PromiseSettledResult<string> => ({ status: "rejected", reason: error }),
      );
      evaluated.set(kind.kind, { listed, dependencyCheck });
    });
  }, 60_000);

  afterAll(() => ci?.dispose());

  describe.each(KINDS)("$kind", ({ kind, jobs }) => {
    it(`GIVEN a ${kind} pipeline WHEN the rules are evaluated THEN exactly the expected jobs run, with the expected when`, () => {
      const running = Object.fromEntries(evaluated.get(kind)!.listed.filter((job) => job.when !== "never").map((job) => [job.name, job.when]));
      expect(running).toEqual(jobs);
    });

    it("THEN manual jobs are allowed to fail (the pipeline is not blocked), except the production gate, and automatic jobs are not", () => {
      for (const job of evaluated.get(kind)!.listed.filter((j) => j.when !== "never")) {
        const optional = job.when === "manual" && !BLOCKING_GATES.includes(job.name);
        expect({ job: job.name, allow_failure: job.allow_failure }).toEqual({ job: job.name, allow_failure: optional });
      }
    });

    it("THEN every needs/dependencies of a running job points at a job that also runs", () => {
      const check = evaluated.get(kind)!.dependencyCheck;
      const complaint = check.status === "rejected" ? `${check.reason.stdout ?? ""}${check.reason.stderr ?? ""}`.trim().split("\n").pop() || String(check.reason) : "valid";
      expect(complaint).toBe("valid");
    });
  });

  it("GIVEN the job list THEN every job in the file is covered by at least one pipeline kind above", () => {
    const everyJob = new Set(evaluated.get(KINDS[0].kind)!.listed.map((job) => job.name));
    const covered = new Set(KINDS.flatMap((kind) => Object.keys(kind.jobs)));
    expect([...everyJob].filter((name) => !covered.has(name))).toEqual([]);
  });

  const isMergeRequest = (k: PipelineKind) => k.variables.CI_PIPELINE_SOURCE === "merge_request_event";
  const isDefaultBranch = (k: PipelineKind) => k.variables.CI_COMMIT_BRANCH === k.variables.CI_DEFAULT_BRANCH;
  it.each<[string, string, (k: PipelineKind) => boolean]>([
    ["diff", "only in merge request pipelines", isMergeRequest],
    ...Object.keys(CUTOVER).map((job): [string, string, (k: PipelineKind) => boolean] => [job, "only in default-branch pipelines", isDefaultBranch]),
  ])("GIVEN all pipeline kinds THEN %s runs %s", (job, _where, belongs) => {
    const misplaced = KINDS.filter((kind) => evaluated.get(kind.kind)!.listed.some((j) => j.name === job && j.when !== "never") && !belongs(kind));
    expect(misplaced.map((k) => k.kind)).toEqual([]);
  });
});
