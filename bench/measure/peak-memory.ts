/**
 * Peak resident memory (VmHWM) of a child process found by its command line, sampled from
 * /proc/<pid>/status. VmHWM is the kernel's own high-water mark, so sampling only risks missing
 * growth in the last interval before the process exits. The switch runs as a plain `node` child of
 * this process (lab/switch-process.ts), so its pid is found among our children.
 */
import { readdirSync, readFileSync } from "node:fs";

export function parseVmHwmKiB(status: string): number | null {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : null;
}

/** Fields 4 (ppid) of /proc/<pid>/stat; the command name (field 2) may contain spaces and parentheses. */
export function parsePpid(stat: string): number | null {
  const close = stat.lastIndexOf(")");
  if (close === -1) return null;
  const fields = stat.slice(close + 2).split(" ");
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

function childrenMatching(parent: number, needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parsePpid(readFileSync(`/proc/${entry}/stat`, "utf8")) !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) found.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

export interface PeakMemorySampler {
  /** Stops sampling; the highest VmHWM seen (KiB), or null when the process was never seen. */
  stop(): number | null;
}

export function samplePeakMemory(commandLineNeedle: string, intervalMs = 20, parent = process.pid): PeakMemorySampler {
  let pid: number | undefined;
  let peak: number | null = null;
  const tick = () => {
    try {
      pid ??= childrenMatching(parent, commandLineNeedle)[0];
      if (pid === undefined) return;
      const kib = parseVmHwmKiB(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (kib !== null && (peak === null || kib > peak)) peak = kib;
    } catch {
      // Exited between samples: the last value stands.
    }
  };
  const timer = setInterval(tick, intervalMs);
  tick();
  return {
    stop() {
      clearInterval(timer);
      tick();
      return peak;
    },
  };
}
