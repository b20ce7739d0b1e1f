/** The validated, normalised app: what the switch, the lab and the fingerprint read. */
export interface AppSpec {
  /** Where it came from, for messages: the config file, or "defaults" when there is none. */
  readonly source: string;
  readonly clearEnv: Readonly<Record<string, string>>;
  readonly secretNames: readonly string[];
  readonly volumes: readonly VolumeSpec[];
  readonly memoryBytes?: number;
  readonly cpus?: number;
  readonly log: { readonly driver: string; readonly options: Readonly<Record<string, string>> };
  readonly command?: readonly string[];
  readonly stopGraceSeconds: number;
  readonly hooks: { readonly preSwitch?: HookSpec; readonly postSwitch?: HookSpec };
}

export interface VolumeSpec {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface HookSpec {
  readonly command: readonly string[];
  readonly timeoutMs: number;
}

export type HookPhase = keyof AppSpec["hooks"];
