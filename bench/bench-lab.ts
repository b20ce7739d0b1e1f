import { Agent, fetch } from "undici";
import { entryDispatcher, publicEntry, PublicEntry } from "../lab/public-entry";
/**
 * The bench's handle on one running lab: the droplets' docker CLIs, the DigitalOcean API simulator,
 * the balancer's admin socket, and the resting state every method starts from
 * (v1 alone on the PROD droplet, which holds the floating IP; the balancer's floating server ready).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../core/config";
import { ExternalError } from "../core/errors";
import type { Lab } from "../lab/lab";
import { workerPaths, type LabHost } from "../lab/plan";
import { ExecRunner, type Command, type CommandResult } from "../lab/runner";
import { SimulatorControl } from "../lab/simulator-control";
import { dockerCommands, type DockerTarget } from "./lab-access/docker-commands";
import { haproxyAdmin, restingStateCommands } from "./lab-access/haproxy-admin";
import { ReservedIpClient } from "./lab-access/reserved-ip";

export class BenchSetupError extends ExternalError {}

export const APP_CONTAINER = "app";

export class BenchLab {
  readonly runner = new ExecRunner();
  readonly configDir = mkdtempSync(join(tmpdir(), "do-bluegreen-bench-docker-"));
  readonly simulator: SimulatorControl;
  readonly reservedIp: ReservedIpClient;
  readonly env: Record<string, string>;

  constructor(readonly lab: Lab) {
    this.env = lab.env();
    this.simulator = new SimulatorControl(lab.plan.simulator.url);
    this.reservedIp = new ReservedIpClient(lab.plan.simulator.url, this.env.DIGITALOCEAN_TOKEN);
  }

  get plan() {
    return this.lab.plan;
  }

  image(tag: "v1" | "v2"): string {
    return tag === "v1" ? this.env.LAB_IMAGE_V1 : this.env.LAB_IMAGE_V2;
  }

  target(worker: LabHost): DockerTarget {
    return { socket: workerPaths(this.plan, worker).socket, configDir: this.configDir };
  }

  run(command: Command): Promise<CommandResult> {
    return this.runner.run(command);
  }

  async login(): Promise<void> {
    const { registry } = this.plan;
    await this.run(dockerCommands.login(this.target(this.plan.workers[0]), registry.address, registry.user, this.env.CI_REGISTRY_PASSWORD));
  }

  /** The PROD-tagged droplet (the one the stack puts the floating IP on). */
  get prod(): LabHost {
    return this.plan.workers.find((w) => w.tag === "PROD")!;
  }

  other(worker: LabHost): LabHost {
    return this.plan.workers.find((w) => w !== worker)!;
  }

  async holder(): Promise<LabHost | null> {
    const id = await this.reservedIp.holder(this.plan.floatingIp);
    return this.plan.workers.find((w) => w.dropletId === id) ?? null;
  }

  async removeAllContainers(worker: LabHost | DockerTarget): Promise<void> {
    const target = "socket" in worker ? worker : this.target(worker);
    const ids = (await this.run(dockerCommands.listAll(target))).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await this.run(dockerCommands.removeForce(target, ids));
  }

  async startApp(worker: LabHost, image: string, name = APP_CONTAINER, port = this.plan.app.port): Promise<void> {
    await this.run(dockerCommands.pull(this.target(worker), image));
    await this.run(dockerCommands.run(this.target(worker), { name, image, port }));
  }

  /** Polls the app's health path on the droplet itself until it answers 200 with `version`. */
  async waitHealthy(worker: LabHost, version: string, timeoutMs = 20_000, pollMs = 100, port = this.plan.app.port): Promise<void> {
    await this.waitServes(`http://${worker.publicIp}:${port}${this.plan.app.healthPath}`, version, 1, timeoutMs, pollMs);
  }

  /** The public entry as users reach it: HTTPS through HAProxy (plain HTTP there is redirected). */
  entry(): PublicEntry {
    return publicEntry(this.plan);
  }

  /** Polls `target` (a URL, or the public entry over HTTPS) until `times` answers in a row came from `version`. */
  async waitServes(target: string | PublicEntry, version: string, times = 5, timeoutMs = 30_000, pollMs = 100): Promise<void> {
    const url = typeof target === "string" ? target : target.url;
    const dispatcher = typeof target === "string" ? undefined : entryDispatcher(target);
    try {
      await this.pollServes(url, dispatcher, version, times, timeoutMs, pollMs);
    } finally {
      await dispatcher?.close();
    }
  }

  private async pollServes(url: string, dispatcher: Agent | undefined, version: string, times: number, timeoutMs: number, pollMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let streak = 0;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000), redirect: "manual", ...(dispatcher ? { dispatcher } : {}) });
        const got = res.headers.get("x-app-version");
        await res.arrayBuffer();
        last = `HTTP ${res.status} from ${got ?? "(no version)"}`;
        streak = res.status === 200 && got === version ? streak + 1 : 0;
        if (streak >= times) return;
      } catch (error) {
        streak = 0;
        last = error instanceof Error ? (error.cause as Error | undefined)?.message ?? error.message : String(error);
      }
      await sleep(pollMs);
    }
    throw new BenchSetupError(`${url} did not serve ${version} ${times} times in a row within ${timeoutMs} ms (last: ${last})`, "read the lab's logs under /run/do-bluegreen-lab/<index>/logs");
  }

  /**
   * The resting state: no containers anywhere, the floating IP on the PROD droplet, v1 there and
   * healthy, the balancer's first slot serving it and the second in maintenance. Run without load.
   */
  async resetToV1OnProd(): Promise<LabHost> {
    const prod = await this.clearWithIpOnProd();
    await this.startApp(prod, this.image("v1"));
    await this.waitHealthy(prod, "v1");
    await this.restBalancer();
    return prod;
  }

  /** No containers on any droplet, and the floating IP on the PROD droplet, which is returned. */
  async clearWithIpOnProd(): Promise<LabHost> {
    for (const worker of this.plan.workers) await this.removeAllContainers(worker);
    const prod = this.prod;
    if ((await this.holder()) !== prod) await this.reservedIp.assign(this.plan.floatingIp, prod.dropletId);
    return prod;
  }

  /** The lab balancer's first slot serving the PROD droplet's own address, its second in maintenance. */
  async restBalancer(): Promise<void> {
    const config = loadConfig(this.env, "stack");
    const target = { ip: this.prod.privateIp, port: config.app.port };
    for (const command of restingStateCommands(config.haproxy.backend, config.haproxy.slots, target)) await haproxyAdmin(this.plan.paths.haproxyAdminSocket, command);
  }

  cleanup(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}
