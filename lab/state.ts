import { readFileSync, writeFileSync, renameSync } from "node:fs";
import { LabPlan } from "./plan";

/**
 * What a running lab records about itself, so `status` and `down` (from another process,
 * possibly after a crash) can find everything it started. No secrets: those are in secrets/.
 */
export interface LabState {
  readonly index: number;
  readonly createdAt: string;
  /** Process name -> pid, for every detached process the lab started. */
  readonly pids: Record<string, number>;
  readonly images: { tag: string; ref: string; digest: string }[];
  readonly phase: "starting" | "up";
}

export function readLabState(plan: LabPlan): LabState | undefined {
  try {
    return JSON.parse(readFileSync(plan.paths.stateFile, "utf8")) as LabState;
  } catch {
    return undefined;
  }
}

export function writeLabState(plan: LabPlan, state: LabState): void {
  const temp = `${plan.paths.stateFile}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 2) + "\n");
  renameSync(temp, plan.paths.stateFile);
}
