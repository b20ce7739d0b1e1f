import { publicFetch } from "../public-entry";
import { Lab } from "../lab";
import { runSwitch, SwitchRun } from "../switch-process";
import { SimulatorControl } from "../simulator-control";

/**
 * One switch invocation inside a demo or test, with what it cost: wall time and DigitalOcean
 * API calls (the simulator's request log is cleared before and read after).
 */
export interface PhaseResult {
  readonly name: string;
  readonly run: SwitchRun;
  readonly seconds: number;
  readonly apiCalls: number;
}

export async function runPhase(
  lab: Lab,
  name: string,
  args: readonly string[],
  onLine?: (line: string) => void,
  signal?: AbortSignal,
  env: Record<string, string> = {},
): Promise<PhaseResult> {
  const simulator = new SimulatorControl(lab.plan.simulator.url);
  await simulator.clearRequests();
  const run = await runSwitch(args, { env: { ...lab.env(), ...env }, onLine: onLine ? (line) => onLine(line) : undefined, signal });
  const apiCalls = (await simulator.requests()).length;
  return { name, run, seconds: run.durationMs / 1000, apiCalls };
}

/** What the public entry (HAProxy) serves right now. */
export async function publicVersion(lab: Lab): Promise<string | undefined> {
  const res = await publicFetch(lab.plan, "/", { timeoutMs: 3000 });
  const header = res.headers.get("x-app-version");
  const body = (() => {
    try {
      return JSON.parse(res.body) as { version?: string };
    } catch {
      return {};
    }
  })();
  return header ?? body.version;
}
