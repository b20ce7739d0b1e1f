/** The CI runners' range in the tests: SSH is open to it only. */
export const RUNNERS = "203.0.113.0/24";

/**
 * The least a deploy accepts (stacks/deploy-safety.ts): an SSH key for the deploy user and a restricted SSH source.
 * Every synth test starts from it, so each test changes one thing.
 */
export const DEPLOYABLE_ENV: Readonly<Record<string, string>> = {
  DO_SSH_KEYS: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa",
  DO_SSH_ALLOWED_CIDRS: RUNNERS,
};
