import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { Lab, REPO_ROOT } from "../../../lab/lab";
import { assertLabPrerequisites, missingPrograms } from "../../../lab/preflight";
import { ExecRunner } from "../../../lab/runner";

/**
 * The e2e suites run against a real lab (root, Debian packages). The fixture installs missing
 * packages the way CI does (scripts/install-debian-packages.sh), claims a free lab index so it
 * never collides with a lab someone else is running on the machine, and always tears it down.
 */
export function ensureLabPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error("the e2e suites need root: run `sudo npm test` (CI runs as root)");
  if (missingPrograms().length > 0) {
    const install = spawnSync("bash", [resolve(REPO_ROOT, "scripts/install-debian-packages.sh")], { stdio: "inherit" });
    if (install.status !== 0) throw new Error("scripts/install-debian-packages.sh failed");
  }
  assertLabPrerequisites();
}

export async function startTestLab(log: (m: string) => void = () => undefined): Promise<Lab> {
  ensureLabPrerequisites();
  const lab = await Lab.claimFree({ runner: new ExecRunner(), report: log });
  await lab.up();
  return lab;
}

export async function stopTestLab(lab: Lab | undefined): Promise<void> {
  await lab?.down();
}
