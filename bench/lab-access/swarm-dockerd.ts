/**
 * A dedicated Docker Engine for the Swarm attempt, in the FALLBACK droplet's namespace, next to the
 * lab's own engine there. The lab's engines run with --bridge=none --iptables=false (app containers use
 * host networking, as on the droplets); with those flags a Swarm task with a published port gets no
 * port mapping at all, so Swarm would be judged on a handicap it does not have on a real droplet.
 * This engine keeps Docker's defaults (iptables on, a default bridge) except for addresses: every
 * network it creates comes from 198.19.0.0/16, never from a private range. Its files live under the
 * lab's own directories and it runs in the lab's namespace, so `npm run lab -- down` removes it even
 * after a crash; the cgroup parent is the worker's, which the lab's teardown also removes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { ExternalError } from "../../core/errors";
import { type LabHost, type LabPlan } from "../../lab/plan";
import { httpOverUnixSocket } from "../../lab/readiness";
import { engineArgv } from "../../lab/services/dockerd";

export const SWARM_BRIDGE_IP = "198.19.254.1/24";
export const SWARM_LOCAL_POOL = "base=198.19.128.0/17,size=24";

export interface SwarmEnginePaths {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly pidFile: string;
  readonly socket: string;
  readonly logFile: string;
}

export function swarmEnginePaths(plan: LabPlan): SwarmEnginePaths {
  const run = `${plan.paths.stateDir}/bench-swarm`;
  return {
    dataRoot: `${plan.paths.dataDir}/bench-swarm/docker`,
    execRoot: `${run}/exec`,
    pidFile: `${run}/dockerd.pid`,
    socket: `${run}/docker.sock`,
    logFile: `${plan.paths.logDir}/bench-swarm-dockerd.log`,
  };
}

export function swarmDockerdArgv(plan: LabPlan, node: LabHost): string[] {
  return engineArgv(plan, node, swarmEnginePaths(plan), [`--bip=${SWARM_BRIDGE_IP}`, `--default-address-pool=${SWARM_LOCAL_POOL}`]);
}

export class SwarmEngineError extends ExternalError {}

export class SwarmEngine {
  private child: ChildProcess | undefined;
  readonly paths: SwarmEnginePaths;

  constructor(
    private readonly plan: LabPlan,
    private readonly node: LabHost,
  ) {
    this.paths = swarmEnginePaths(plan);
  }

  async start(timeoutMs = 30_000): Promise<void> {
    mkdirSync(this.paths.execRoot, { recursive: true });
    mkdirSync(this.paths.dataRoot, { recursive: true });
    const log = openSync(this.paths.logFile, "a");
    try {
      const [file, ...args] = swarmDockerdArgv(this.plan, this.node);
      this.child = spawn(file, args, { stdio: ["ignore", log, log] });
      this.child.once("error", () => undefined);
    } finally {
      closeSync(log);
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new SwarmEngineError(`the Swarm dockerd exited with ${this.child.exitCode} while starting`, `read ${this.paths.logFile}`);
      const ping = await httpOverUnixSocket(this.paths.socket, "/_ping").catch(() => undefined);
      if (ping?.body === "OK") return;
      await sleep(100);
    }
    throw new SwarmEngineError(`the Swarm dockerd did not answer /_ping within ${timeoutMs} ms`, `read ${this.paths.logFile}`);
  }

  /** SIGTERM (dockerd stops its containers and unmounts its layers), SIGKILL after 20 s; then its files go. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    }
    for (const dir of [this.paths.execRoot, this.paths.dataRoot]) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // A mount still busy: the lab's teardown unmounts and removes everything under its directories.
      }
    }
  }
}
