import { spawn } from "node:child_process";
import { openSync, closeSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { BlueGreenError } from "../../core/errors";

/**
 * Starts a long-running lab process detached from the caller (own session, output to a log file),
 * so `npm run lab -- up` can return to the shell while the lab keeps running.
 */
export function spawnDetached(argv: readonly string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): number {
  const log = openSync(options.logFile, "a");
  try {
    const [file, ...args] = argv;
    const child = spawn(file, args, { detached: true, stdio: ["ignore", log, log], env: options.env ?? process.env, cwd: options.cwd });
    if (child.pid === undefined) throw new Error(`could not start ${file}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is dead for our purposes.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  signal(pid, "SIGKILL");
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(20);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Polls `probe` until it returns true or `timeoutMs` passes; the error names what never became ready. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, hint = ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      // A probe throws a BlueGreenError to say "this will never become ready" (e.g. the process died).
      if (error instanceof BlueGreenError) throw error;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s${hint ? ` (${hint})` : ""}`);
    await sleep(100);
  }
}
