/**
 * The error taxonomy shared by the stack, the switch and the lab.
 *
 * Three kinds, each with its own exit code, so scripts and CI can tell
 * "you asked for something wrong" from "the world said no" from "we have a bug":
 * - usage:    the operator's input or configuration is wrong; retrying will not help until it is fixed.
 * - external: something outside us (DigitalOcean, Docker, SSH, a registry, the app) failed or refused.
 * - internal: a bug in do-bluegreen itself.
 *
 * Every error carries a `fix`: the one thing a person should do next. Only the entry point prints and exits.
 */
export type ErrorKind = "usage" | "external" | "internal";

export const ExitCode = {
  ok: 0,
  usage: 2,
  external: 3,
  lockHeld: 4,
  rejected: 5,
  /** The release is live, but its postSwitch hook failed (never rolled back). */
  hookFailed: 6,
  internal: 70,
} as const;

export abstract class BlueGreenError extends Error {
  abstract readonly kind: ErrorKind;
  readonly fix: string;
  readonly exitCode: number;

  protected constructor(message: string, fix: string, exitCode: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.fix = fix;
    this.exitCode = exitCode;
  }

  /** One line for a person: what went wrong, then what to do about it. */
  oneLine(): string {
    return this.fix ? `${this.message} — fix: ${this.fix}` : this.message;
  }
}

export class UsageError extends BlueGreenError {
  readonly kind = "usage" as const;
  constructor(message: string, fix: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, fix, options?.exitCode ?? ExitCode.usage, options);
  }
}

export class ExternalError extends BlueGreenError {
  readonly kind = "external" as const;
  constructor(message: string, fix: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, fix, options?.exitCode ?? ExitCode.external, options);
  }
}

export class InternalError extends BlueGreenError {
  readonly kind = "internal" as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "this is a bug in do-bluegreen: re-run with --verbose and report the output", ExitCode.internal, options);
  }
}

/** One problem found while validating configuration. */
export interface ConfigIssue {
  /** The environment variable (or option) at fault. */
  readonly variable: string;
  /** The offending value, already redacted when the variable is a secret. */
  readonly value: string | undefined;
  readonly problem: string;
  readonly fix: string;
}

/** Every configuration problem at once, so a person fixes them in one pass. */
export class ConfigError extends UsageError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(
      (i) => `${i.variable}=${i.value === undefined ? "(unset)" : JSON.stringify(i.value)}: ${i.problem} — fix: ${i.fix}`,
    );
    super(`invalid configuration (${issues.length} problem${issues.length === 1 ? "" : "s"}): ${lines.join("; ")}`, "");
    this.issues = issues;
  }

  override oneLine(): string {
    return this.message;
  }
}

/** Anything thrown that is not ours is a bug until proven otherwise. */
export function asBlueGreenError(error: unknown): BlueGreenError {
  if (error instanceof BlueGreenError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`unexpected error: ${message}`, { cause: error });
}
