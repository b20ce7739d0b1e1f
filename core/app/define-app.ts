/**
 * The app's shape, as typed code reviewed in merge requests like the stack: `bluegreen.config.ts` at the
 * project root exports `defineApp({...})`. Per-environment values and every secret value still come from the
 * environment; this file only names the secrets.
 */
export interface AppDefinition {
  readonly env?: {
    /** Passed to the container exactly as given. @default {} */
    readonly clear?: Readonly<Record<string, string>>;
    /**
     * Names of secret variables, read from the runner's environment (GitLab masked CI/CD variables) at switch
     * time. Values never reach output, labels or the audit log. @default []
     */
    readonly secret?: readonly string[];
  };
  /** Named volumes or absolute host paths. Each droplet has its own: the two colours never share them. @default [] */
  readonly volumes?: readonly VolumeDefinition[];
  readonly resources?: {
    /** Docker memory limit: bytes or a size such as "512m" or "1g"; at least 6m (Docker's minimum). @default no limit */
    readonly memory?: string | number;
    /** CPUs the container may use, e.g. 0.5 or 2. @default no limit */
    readonly cpus?: number;
  };
  readonly logging?: {
    /** Docker log driver. @default "json-file" */
    readonly driver?: string;
    /** Driver options. @default { "max-size": "10m", "max-file": "5" } for json-file and local, else {} */
    readonly options?: Readonly<Record<string, string>>;
  };
  /** Replaces the image's CMD. @default the image's own */
  readonly command?: readonly string[];
  /** Seconds Docker waits after SIGTERM before SIGKILL when a container stops. @default 30 */
  readonly stopGraceSeconds?: number;
  readonly hooks?: {
    /**
     * One-off container from the NEW image on the idle droplet, with the app's full environment and volumes, after
     * the pull and before the new app container starts: migrations go here. A failure refuses the release. @default none
     */
    readonly preSwitch?: HookDefinition;
    /** Runs on the new PROD after verification. A failure is reported and never rolls back. @default none */
    readonly postSwitch?: HookDefinition;
  };
}

export interface VolumeDefinition {
  /** A volume name (letters, digits, `_.-`) or an absolute host path. */
  readonly source: string;
  /** Absolute path inside the container. */
  readonly target: string;
  /** @default false */
  readonly readOnly?: boolean;
}

export interface HookDefinition {
  /** The command as an array of words, e.g. ["npm", "run", "migrate"]. */
  readonly command: readonly string[];
  /** Killed and failed after this long. @default 300 */
  readonly timeoutSeconds?: number;
}

/**
 * The environment loadConfig was given (the runner's, in CI): a definition that needs per-environment values takes it
 * as an argument rather than reading process.env, so every caller (switch, stack, lab, tests) gets the same answer.
 */
export type AppEnvironment = Readonly<Record<string, string | undefined>>;

export type AppDefinitionSource = AppDefinition | ((env: AppEnvironment) => AppDefinition);

/** Identity at runtime; it exists for the types (and editor completion) in bluegreen.config.ts. */
export function defineApp<T extends AppDefinitionSource>(definition: T): T {
  return definition;
}
