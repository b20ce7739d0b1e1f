import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import type { Machine } from "./model";

/** The machine the figures come from; they mean little without it. */
export function describeMachine(): Machine {
  const cpuList = cpus();
  return {
    // What `nproc` prints: the CPUs this process may run on.
    nproc: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    kernel: release(),
    node: process.version,
    cpuModel: cpuList[0]?.model.trim() ?? "unknown",
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
  };
}
