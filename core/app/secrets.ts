import type { ConfigIssue } from "../errors";
import type { AppSpec } from "./spec";

type Env = Readonly<Record<string, string | undefined>>;

// The Redactor cannot mask short values without masking ordinary words (core/redact.ts), so a secret must be longer.
const MIN_SECRET_LENGTH = 8;

/**
 * Reads every declared secret's value from the runner's environment. Returns the values, or every problem at once
 * (all unset names in one pass), never a value.
 */
export function resolveSecrets(app: AppSpec, env: Env): { secrets: Readonly<Record<string, string>>; issues: ConfigIssue[] } {
  const secrets: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  for (const name of app.secretNames) {
    const value = env[name];
    if (!value) issues.push({ variable: name, value: undefined, problem: `declared in ${app.source} env.secret but unset or empty`, fix: `set ${name} in the runner's environment (a masked CI/CD variable)` });
    else if (value.length < MIN_SECRET_LENGTH)
      issues.push({ variable: name, value: "[redacted]", problem: `shorter than ${MIN_SECRET_LENGTH} characters, too short to keep out of logs`, fix: `use a longer value for ${name}` });
    else secrets[name] = value;
  }
  return { secrets, issues };
}
