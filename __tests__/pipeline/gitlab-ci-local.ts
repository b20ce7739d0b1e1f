import { execFile } from "node:child_process";
import { mkdtemp, copyFile, mkdir, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";

const exec = promisify(execFile);

export const REPO_ROOT = path.resolve(__dirname, "../..");
const CLI = path.join(REPO_ROOT, "node_modules/.bin/gitlab-ci-local");

/** One row of `gitlab-ci-local --list-json`: a job and how its rules evaluated. */
export interface ListedJob {
  readonly name: string;
  readonly stage: string;
  readonly when: "on_success" | "manual" | "never" | "always" | "delayed" | "on_failure";
  readonly allow_failure: boolean;
}

/** The predefined variables GitLab would set for one kind of pipeline. */
export interface PipelineContext {
  readonly variables: Readonly<Record<string, string>>;
  /** Predefined variables GitLab leaves unset in this kind of pipeline (e.g. CI_COMMIT_BRANCH in merge requests). */
  readonly unset?: readonly string[];
}

/**
 * The real gitlab-ci-local CLI, confined to a scratch copy of .gitlab-ci.yml. Only the flags that parse
 * the file and evaluate rules are used (--list-json, --preview, --validate-dependency-chain): it never
 * runs a job, never starts a container and, with no remote includes in the file, never uses the network.
 * It reads the branch from git and writes a state folder, hence the throw-away git repository.
 */
export class GitlabCiLocal {
  private invocations = 0;

  private constructor(private readonly dir: string) {}

  static async inSandbox(): Promise<GitlabCiLocal> {
    const dir = await mkdtemp(path.join(tmpdir(), "gitlab-ci-local-"));
    await copyFile(path.join(REPO_ROOT, ".gitlab-ci.yml"), path.join(dir, ".gitlab-ci.yml"));
    await mkdir(path.join(dir, "home"));
    const git = (...args: string[]) => exec("git", ["-c", "user.name=pipeline-test", "-c", "user.email=pipeline-test@localhost", ...args], { cwd: dir, env: isolatedEnv(dir) });
    await git("init", "--quiet", "--initial-branch=main");
    await git("commit", "--quiet", "--allow-empty", "--message=sandbox");
    return new GitlabCiLocal(dir);
  }

  async listJobs(context: PipelineContext): Promise<ListedJob[]> {
    const { stdout } = await this.run(["--list-json", ...SCHEMA_CHECKED_BY_PREVIEW, ...contextArgs(context)]);
    return JSON.parse(stdout.slice(stdout.indexOf("["))) as ListedJob[];
  }

  /** Resolves when every `needs`/`dependencies` of the jobs that would run points at a job that also runs. */
  async validateDependencyChain(context: PipelineContext): Promise<string> {
    const { stdout } = await this.run(["--validate-dependency-chain", ...SCHEMA_CHECKED_BY_PREVIEW, ...contextArgs(context)]);
    return stdout;
  }

  /**
   * The file as GitLab sees it after `extends`, anchors and defaults are expanded (variables are not).
   * Rejects when the file breaks GitLab's CI JSON schema (bundled with gitlab-ci-local).
   */
  async preview(): Promise<Record<string, any>> {
    const { stdout } = await this.run(["--preview"]);
    return parse(stdout.slice(stdout.indexOf("---"))) as Record<string, any>;
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private run(args: string[]) {
    // Each invocation gets its own state folder so that parallel runs never share files.
    const stateDir = `.gitlab-ci-local-${++this.invocations}`;
    return exec(CLI, ["--home", path.join(this.dir, "home"), "--state-dir", stateDir, "--no-color", ...args], {
      cwd: this.dir,
      env: isolatedEnv(this.dir),
      maxBuffer: 16 * 1024 * 1024,
    });
  }
}

/** Schema validation is the slowest part of a run and does not depend on the variables: done once, by preview(). */
const SCHEMA_CHECKED_BY_PREVIEW = ["--no-json-schema-validation"];

function contextArgs(context: PipelineContext): string[] {
  const names = Object.keys(context.variables);
  return [
    ...names.flatMap((name) => ["--variable", `${name}=${context.variables[name]}`]),
    ...(context.unset ?? []).flatMap((name) => ["--unset-variable", name]),
    // Overriding predefined variables is the point here; silence the CLI's warning about it.
    ...(names.length > 0 ? ["--ignore-predefined-vars", names.join(",")] : []),
  ];
}

/** No CI_*, GIT_* or GCL_* variables from the calling shell (e.g. a GitLab job running these tests) leak in. */
function isolatedEnv(dir: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: path.join(dir, "home"), LANG: "C.UTF-8", GIT_CONFIG_NOSYSTEM: "1" };
}

/** Like Promise.all over items.map(fn), but at most one call per CPU at a time: each call is a CPU-bound node process. */
export async function mapInParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), items.length) }, worker));
  return results;
}
