import { Lab } from "../../../lab/lab";
import { runSwitch, SwitchRun, SwitchRunOptions } from "../../../lab/switch-process";

/** What the scenarios of the shared-lab suite hand on to each other, in order. */
export interface SuiteContext {
  lab(): Lab;
  /** The version PROD serves now, as the scenarios so far left it. */
  current: string | undefined;
  /** Step names of a full cutover, in order, as the switch printed them. */
  cutoverSteps: string[];
}

export function images(ctx: SuiteContext): { v1: string; v2: string; healthFails: string; exitsAtStart: string } {
  const env = ctx.lab().env();
  return { v1: env.LAB_IMAGE_V1, v2: env.LAB_IMAGE_V2, healthFails: env.LAB_IMAGE_HEALTH_FAILS, exitsAtStart: env.LAB_IMAGE_EXITS_AT_START };
}

/** A switch run in the lab takes ~15 s; one still running after this is hung, and is killed and reported with its output. */
export const SWITCH_RUN_LIMIT_MS = 90_000;

/** The switch CLI as CI runs it, against the suite's lab. */
export function switchCli(ctx: SuiteContext, args: string[], options: Partial<SwitchRunOptions> = {}): Promise<SwitchRun> {
  return runSwitch(args, { timeoutMs: SWITCH_RUN_LIMIT_MS, ...options, env: { ...ctx.lab().env(), ...(options.env ?? {}) } });
}

/** For failure messages: the end of what the switch said. */
export function tail(run: SwitchRun, lines = 12): string {
  return `exit ${run.code}${run.signal ? ` (${run.signal}${run.timedOut ? `, hung: killed after ${SWITCH_RUN_LIMIT_MS / 1000} s` : ""})` : ""}\n--- stdout ---\n${run.stdout.trim().split("\n").slice(-lines).join("\n")}\n--- stderr ---\n${run.stderr.trim().split("\n").slice(-lines).join("\n")}`;
}

export function otherVersion(version: string | undefined): "v1" | "v2" {
  return version === "v1" ? "v2" : "v1";
}
