import { existsSync, readdirSync, rmdirSync } from "node:fs";
import { LabPlan, workerPaths } from "../plan";

/** dockerd's --cgroup-parent puts the lab's containers under /sys/fs/cgroup/<controller>/<prefix>-<role>. */
export function removeCgroups(plan: LabPlan): void {
  const root = "/sys/fs/cgroup";
  let controllers: string[] = [];
  try {
    controllers = readdirSync(root);
  } catch {
    return;
  }
  for (const controller of controllers) {
    for (const worker of plan.workers) {
      const dir = `${root}/${controller}${workerPaths(plan, worker).cgroupParent}`;
      if (!existsSync(dir)) continue;
      for (const child of safeReaddir(dir)) {
        try {
          rmdirSync(`${dir}/${child}`);
        } catch {
          // Files (cgroup knobs) cannot be removed and need not be.
        }
      }
      try {
        rmdirSync(dir);
      } catch {
        // Still busy: a later `down` retries.
      }
    }
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

