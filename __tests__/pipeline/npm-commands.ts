import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./gitlab-ci-local";

/** An npm command a job runs, e.g. `npm run diff` (script "diff") or `npm test` (script "test"). */
export interface NpmCommand {
  readonly job: string;
  readonly command: string;
  readonly script: string;
}

// `npm test`/`npm t` and `npm run X`/`npm run-script X`; `npm ci` is npm's own command, not a script.
const NPM_SCRIPT = /\bnpm (?:(test|t)\b|(?:run|run-script) ([\w:.-]+))/g;

export function npmCommandsOf(file: Record<string, any>): NpmCommand[] {
  return Object.entries(file)
    .filter(([name, job]) => !["stages", "variables", "workflow"].includes(name) && typeof job === "object")
    .flatMap(([name, job]) =>
      [...(job.before_script ?? []), ...(job.script ?? [])].flatMap((line: string) =>
        [...line.matchAll(NPM_SCRIPT)].map((m) => {
          const script = m[1] ? "test" : m[2];
          return { job: name, script, command: script === "test" ? "npm test" : `npm run ${script}` };
        }),
      ),
    );
}

export const packageScripts = (): Record<string, string> => JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts;

export const readRepoFile = (file: string): string => readFileSync(path.join(REPO_ROOT, file), "utf8");
