/**
 * Wall time of a project command (`npm run test:unit`, `npm run synth`), run as a person would run it,
 * with its output kept out of the bench's own output (only the tail is kept when it fails).
 */
import { spawn } from "node:child_process";
import type { TimedCommand } from "../model";
import { round } from "./analysis";

export function timeCommand(argv: readonly string[], cwd: string, timeoutMs = 15 * 60_000): Promise<TimedCommand> {
  const started = process.hrtime.bigint();
  const [file, ...args] = argv;
  const child = spawn(file, args, { cwd, env: { ...process.env, CI: process.env.CI ?? "" }, stdio: ["ignore", "pipe", "pipe"] });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  return new Promise((resolve) => {
    const finish = (exitCode: number | null, error?: string) => {
      clearTimeout(timer);
      const seconds = round(Number(process.hrtime.bigint() - started) / 1e9, 1);
      const failure = exitCode === 0 ? undefined : (error ?? lastLines(tail));
      resolve({ command: argv.join(" "), seconds, exitCode, ...(failure ? { failure } : {}) });
    };
    child.once("error", (error) => finish(null, error.message));
    child.once("close", (code) => finish(code));
  });
}

function lastLines(text: string): string {
  return text
    .replace(/\x1b\[[0-9;]*m/g, "")
    .trim()
    .split("\n")
    .filter((l) => l.trim())
    .slice(-4)
    .join(" | ");
}
