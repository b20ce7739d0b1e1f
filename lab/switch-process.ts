import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { buildSwitch } from "../scripts/build-switch";

/**
 * Runs the real switch CLI (switch/cli.ts, bundled as `npm run switch` runs it) as a subprocess against a lab, exactly as a person
 * or CI would, and reads its contract output: `step <name> started|done|failed` lines and the
 * `--json` object on the last line of stdout. It can SIGKILL the switch right after a given
 * step finishes, which is how the crash tests interrupt it at every step boundary.
 */
const REPO_ROOT = resolve(__dirname, "..");
/** Built once per process, from the sources as they are: what `npm run switch` runs. */
let switchEntry: string | undefined;
/** Preloaded when a run asks for a skewed clock (a runner whose clock is off); see lab/skewed-clock.mjs. */
const SKEWED_CLOCK = resolve(REPO_ROOT, "lab", "skewed-clock.mjs");
// GitLab's collapsible-section markers ("\e[0Ksection_start:...\r\e[0K") may wrap step lines when CI=true.
const STEP_LINE = /(?:^|\s)step ([a-z][a-z0-9-]*) (started|done|failed)\b/;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export interface StepEvent {
  readonly name: string;
  readonly event: "started" | "done" | "failed";
  readonly atMs: number;
}

export interface SwitchRun {
  readonly args: readonly string[];
  /** Exit code, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly steps: StepEvent[];
  /** The parsed last line of stdout when it is a JSON object. */
  readonly json: Record<string, unknown> | undefined;
  /** The step after which the run was killed, if it was. */
  readonly killedAfter: string | undefined;
  /** Killed because it ran longer than timeoutMs. */
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export interface SwitchRunOptions {
  /** The lab's switch environment (labSwitchEnv); merged over a minimal base environment. */
  readonly env: Record<string, string>;
  /** SIGKILL the switch as soon as it prints `step <name> done`. */
  readonly killAfterStep?: string;
  /** Called with every step line as it is printed, e.g. to break something just as a step starts. */
  readonly onStep?: (step: { name: string; event: StepEvent["event"] }) => void;
  /** Called with every output line (stdout and stderr), e.g. to show progress. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** A run still going after this long is killed and reported as such. @default 180000 */
  readonly timeoutMs?: number;
  /** Aborting sends the switch SIGTERM (the demo's Ctrl-C handler uses it before removing the lab). */
  readonly signal?: AbortSignal;
  /** The switch process's clock runs this far ahead (negative: behind) of this machine's, as on a runner without NTP. @default 0 */
  readonly clockSkewMs?: number;
}

/** Only what a CI job would have: no DOCKER_HOST (it would override dockerode's SSH settings), no CI markers. */
function baseEnv(): Record<string, string> {
  const keep = ["PATH", "HOME", "LANG", "TZ", "NODE_OPTIONS", "TMPDIR"];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
}

export function parseLastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const last = stdout.trimEnd().split("\n").pop()?.trim();
  if (!last?.startsWith("{")) return undefined;
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function parseStepLine(line: string): { name: string; event: StepEvent["event"] } | undefined {
  const visible = (line.split("\r").pop() ?? "").replace(ANSI, "");
  const match = STEP_LINE.exec(visible);
  return match ? { name: match[1], event: match[2] as StepEvent["event"] } : undefined;
}

export function runSwitch(args: readonly string[], options: SwitchRunOptions): Promise<SwitchRun> {
  const started = Date.now();
  const skewed = options.clockSkewMs ? ["--import", SKEWED_CLOCK] : [];
  switchEntry ??= buildSwitch();
  const child = spawn(process.execPath, [...skewed, "--enable-source-maps", switchEntry, ...args], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), NODE_NO_WARNINGS: "1", ...options.env, ...(options.clockSkewMs ? { LAB_CLOCK_SKEW_MS: String(options.clockSkewMs) } : {}) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const steps: StepEvent[] = [];
  let stdout = "";
  let stderr = "";
  let killedAfter: string | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 180_000);
  const onAbort = () => child.kill("SIGTERM");
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const onChunk = (stream: "stdout" | "stderr") => {
    let pending = "";
    return (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (stream === "stdout") stdout += text;
      else stderr += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        options.onLine?.(line, stream);
        const step = parseStepLine(line);
        if (!step) continue;
        steps.push({ ...step, atMs: Date.now() - started });
        options.onStep?.(step);
        if (step.event === "done" && step.name === options.killAfterStep && killedAfter === undefined) {
          killedAfter = step.name;
          child.kill("SIGKILL");
        }
      }
    };
  };
  child.stdout.on("data", onChunk("stdout"));
  child.stderr.on("data", onChunk("stderr"));

  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolvePromise({ args, code, signal, stdout, stderr, steps, json: parseLastJsonLine(stdout), killedAfter, timedOut, durationMs: Date.now() - started });
    });
  });
}
