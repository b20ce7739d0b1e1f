import { spawn } from "node:child_process";
import type { ExecResult, RemoteShell } from "../../../switch/adapters/shell";

/** Runs commands on this machine. Tests run the real lock, audit and HAProxy scripts through it; production uses SSH. */
export class LocalShell implements RemoteShell {
  readonly label = "localhost";
  /** `env`: merged over this process's environment, e.g. a PATH whose `date` is a balancer with another clock. */
  constructor(private readonly env: Readonly<Record<string, string>> = {}) {}
  exec(command: string, stdin?: string): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn("sh", ["-c", command], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...this.env } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
      // A command that never reads its stdin (tail) may exit before the write lands: EPIPE is then no failure, as over SSH.
      child.stdin.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" ? undefined : reject(e)));
      child.stdin.end(stdin ?? "");
    });
  }
}
