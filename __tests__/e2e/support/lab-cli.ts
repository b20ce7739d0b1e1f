import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { REPO_ROOT } from "../../../lab/lab";

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npm run lab -- <args>` (its entry, directly) and optionally signals it when stderr shows `when`. */
export function runLabCli(args: string[], interrupt?: { when: RegExp; signal: NodeJS.Signals; delayMs?: number }): Promise<CliRun> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(REPO_ROOT, "lab/cli.ts"), ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NODE_NO_WARNINGS: "1" } });
  let stdout = "";
  let stderr = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
    if (interrupt && !sent && interrupt.when.test(stderr)) {
      sent = true;
      setTimeout(() => child.kill(interrupt.signal), interrupt.delayMs ?? 0);
    }
  });
  return new Promise((ok, fail) => {
    child.on("error", fail);
    child.on("close", (code, signal) => ok({ code, signal, stdout, stderr }));
  });
}
