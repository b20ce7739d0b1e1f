import { hostname, userInfo } from "node:os";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Who is running this, for the lock, the container labels and the audit log: `user@host`, plus `(job N)` in CI.
 * GITLAB_USER_LOGIN, GITHUB_ACTOR and CI_JOB_ID are run metadata the CI sets, read as they are.
 */
export function whoIsRunning(env: Env): string {
  let user = env.GITLAB_USER_LOGIN || env.GITHUB_ACTOR || env.USER;
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      user = "unknown";
    }
  }
  const job = env.CI_JOB_ID ? ` (job ${env.CI_JOB_ID})` : "";
  return `${user}@${hostname()}${job}`;
}
