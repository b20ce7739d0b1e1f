/**
 * (d) Docker Swarm rolling update: order start-first, failure_action rollback, a healthcheck.
 * Attempted for real: a single-node swarm on a dedicated dockerd in the FALLBACK droplet's namespace
 * (lab-access/swarm-dockerd.ts says why not the lab's own engine there):
 *   1. routing-mesh (ingress) publish, the default: does the published port answer at all?
 *   2. host-mode publish, start-first update to v2 under load: does the new task ever start?
 * Then, clearly labelled as a variant, host-mode with stop-first (the order that can run on one node),
 * measured like the other methods, with `docker service rollback`.
 * The swarm is always left and its bridge removed, whatever happened.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../../core/config";
import { versionsAfter } from "../../lab/load";
import type { LabHost } from "../../lab/plan";
import type { MethodResult, SwarmFindings } from "../model";
import { composeSwarmReason } from "../report/swarm-reason";
import { analyzeSwitch } from "../measure/analysis";
import { dockerCommands, parseTasks, parseUpdateStatus, type DockerTarget, type SwarmServiceSpec, type SwarmTask } from "../lab-access/docker-commands";
import { SwarmEngine } from "../lab-access/swarm-dockerd";
import { ExtraHaproxy, projectHaproxyConfigFor, SWARM_FRONT_PORT } from "../lab-access/extra-haproxy";
import type { BenchLab } from "../bench-lab";
import { errorText, writeChart, type MethodContext } from "./context";
import { loadFigures, markOr, runEndMs, TAIL_MS, underLoad } from "./load-phase";

const ATTEMPT_TITLE = "(d) Docker Swarm start-first update (host-mode publish)";
const VARIANT_TITLE = "(d) variant: Docker Swarm stop-first update (host-mode publish), then docker service rollback";
/** How long the start-first update is watched under load before the bench concludes it cannot progress. */
export const START_FIRST_OBSERVE_MS = 12_000;
const INGRESS_TASK_WAIT_MS = 20_000;
const INGRESS_PROBE_MS = 3_000;
const UPDATE_TIMEOUT_MS = 60_000;

export interface SwarmOutcome {
  readonly attempt: MethodResult;
  readonly variant: MethodResult;
  readonly findings: SwarmFindings;
}

class Swarm {
  constructor(
    private readonly bench: BenchLab,
    readonly node: LabHost,
    private readonly t: DockerTarget,
  ) {}

  spec(publishMode: SwarmServiceSpec["publishMode"], updateOrder: SwarmServiceSpec["updateOrder"]): SwarmServiceSpec {
    return { image: this.bench.image("v1"), port: this.bench.plan.app.port, healthPath: this.bench.plan.app.healthPath, publishMode, updateOrder };
  }

  async init(): Promise<void> {
    await this.bench.run(dockerCommands.createGwBridge(this.t));
    await this.bench.run(dockerCommands.swarmInit(this.t, this.node.publicIp)); // stdout holds a join token: never printed
  }

  async create(spec: SwarmServiceSpec): Promise<void> {
    await this.bench.run(dockerCommands.serviceCreate(this.t, spec));
  }

  async tasks(): Promise<SwarmTask[]> {
    return parseTasks((await this.bench.run(dockerCommands.serviceTasks(this.t))).stdout);
  }

  async updateStatus(): Promise<{ state: string | null; message: string | null }> {
    return parseUpdateStatus((await this.bench.run(dockerCommands.serviceUpdateStatus(this.t))).stdout);
  }

  async update(image: string): Promise<void> {
    await this.bench.run(dockerCommands.serviceUpdateImage(this.t, image));
  }

  async rollback(): Promise<void> {
    await this.bench.run(dockerCommands.serviceRollback(this.t));
  }

  async waitUpdateState(wanted: string, timeoutMs = UPDATE_TIMEOUT_MS): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    let state: string | null = null;
    while (Date.now() < deadline) {
      state = (await this.updateStatus()).state;
      if (state === wanted || state === "paused" || state === "rollback_completed" || state === "rollback_paused") return state;
      await sleep(200);
    }
    return state;
  }

  /** Removes the service and waits until its containers are gone (host-mode port free again). */
  async removeService(): Promise<void> {
    await this.bench.run(dockerCommands.serviceRemove(this.t));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const ids = (await this.bench.run(dockerCommands.listAll(this.t))).stdout.trim();
      if (!ids) return;
      await sleep(200);
    }
    await this.bench.removeAllContainers(this.t);
  }

  /** Leaves the swarm and removes its bridge; true when the node reports it is no longer in a swarm. */
  async cleanUp(): Promise<boolean> {
    await this.bench.run(dockerCommands.serviceRemove(this.t)).catch(() => undefined);
    await this.bench.run(dockerCommands.swarmLeave(this.t)).catch(() => undefined);
    await this.bench.removeAllContainers(this.t).catch(() => undefined);
    await this.bench.run(dockerCommands.removeGwBridge(this.t)).catch(() => undefined);
    const state = await this.bench.run(dockerCommands.swarmState(this.t)).catch(() => undefined);
    return state?.stdout.trim() === "inactive";
  }
}

function describeTask(t: SwarmTask): string {
  return `${t.Name} ${t.Image.replace(/@sha256:[0-9a-f]+$/, "")} desired ${t.DesiredState}, ${t.CurrentState}${t.Error ? `: ${t.Error}` : ""}`;
}

async function attemptIngress(ctx: MethodContext, swarm: Swarm, engineLog: string): Promise<NonNullable<SwarmFindings["ingress"]>> {
  const { bench } = ctx;
  ctx.log("(d) attempt 1: routing-mesh (ingress) publish, start-first");
  await swarm.create(swarm.spec("ingress", "start-first"));
  let tasks: SwarmTask[] = [];
  const deadline = Date.now() + INGRESS_TASK_WAIT_MS;
  while (Date.now() < deadline) {
    tasks = await swarm.tasks();
    if (tasks.some((t) => t.CurrentState.startsWith("Running"))) break;
    await sleep(250);
  }
  await sleep(1500); // the healthcheck's first rounds
  const url = `http://${swarm.node.publicIp}:${bench.plan.app.port}/`;
  let portAnswered = false;
  let probeError: string | null = null;
  const probeEnd = Date.now() + INGRESS_PROBE_MS;
  while (Date.now() < probeEnd && !portAnswered) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      portAnswered = true;
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      probeError = cause?.code ?? cause?.message ?? errorText(error);
      await sleep(200);
    }
  }
  tasks = await swarm.tasks();
  const nat = await bench.run({ argv: ["nsenter", `--net=/var/run/netns/${swarm.node.namespace}`, "iptables", "-t", "nat", "-S"], tolerate: /./ });
  const natRulesForPort = nat.stdout.split("\n").filter((l) => l.includes(`--dport ${bench.plan.app.port}`)).length;
  const dockerdLog = existsSync(engineLog)
    ? [...new Set(readFileSync(engineLog, "utf8").split("\n").filter((l) => /ipvs/i.test(l)).map((l) => (/msg="([^"]+)"/.exec(l)?.[1] ?? l).trim()))].slice(0, 3)
    : [];
  await swarm.removeService();
  return { taskStates: tasks.map(describeTask), portAnswered, probeError: portAnswered ? null : probeError, ipvsInKernel: existsSync("/proc/net/ip_vs"), natRulesForPort, dockerdLog };
}

export async function runSwarmMethod(ctx: MethodContext): Promise<SwarmOutcome> {
  const { bench } = ctx;
  const { plan } = bench;
  const node = bench.other(bench.prod);
  for (const worker of plan.workers) await bench.removeAllContainers(worker);
  const engine = new SwarmEngine(plan, node);
  const swarm = new Swarm(bench, node, { socket: engine.paths.socket, configDir: bench.configDir });
  const config = loadConfig(bench.env, "stack");
  const haproxy = new ExtraHaproxy(plan.balancer.namespace, join(plan.paths.stateDir, "bench-swarm-haproxy.cfg"), join(plan.paths.logDir, "bench-swarm-haproxy.log"));
  const front = `http://${plan.balancer.publicIp}:${SWARM_FRONT_PORT}/`;
  const direct = `http://${node.publicIp}:${plan.app.port}/`;
  let ingress: SwarmFindings["ingress"] = null;
  let hostModeStartFirst: SwarmFindings["hostModeStartFirst"] = null;
  let attempt: MethodResult = { id: "d", title: ATTEMPT_TITLE, outcome: "error", notes: [], load: null, cutover: null, rollback: null, apiCalls: { cutover: 0, rollback: null }, charts: [] };
  let variant: MethodResult = { id: "d-stop-first", title: VARIANT_TITLE, outcome: "error", notes: [], load: null, cutover: null, rollback: null, apiCalls: { cutover: 0, rollback: 0 }, charts: [] };
  let cleanedUp = false;
  try {
    ctx.log(`(d) dedicated dockerd in ${node.dropletName}'s namespace; swarm init on ${node.publicIp}, address pools in 198.19.0.0/16`);
    await engine.start();
    await swarm.init();
    ingress = await attemptIngress(ctx, swarm, engine.paths.logFile).catch((error: unknown) => {
      attempt.notes.push(`ingress attempt: ${errorText(error)}`);
      return null;
    });

    ctx.log("(d) attempt 2: host-mode publish, start-first update to v2 under load");
    await swarm.create(swarm.spec("host", "start-first"));
    await bench.waitServes(direct, "v1");
    haproxy.start(projectHaproxyConfigFor(config, { bindAddress: plan.balancer.publicIp, port: SWARM_FRONT_PORT, target: node.publicIp, adminSocket: join(plan.paths.stateDir, "bench-swarm-haproxy.sock") }));
    await bench.waitServes(front, "v1");
    const stuck = await underLoad(front, ctx.profile, async (load) => {
      load.mark("update-start");
      await swarm.update(bench.image("v2"));
      const until = Date.now() + START_FIRST_OBSERVE_MS;
      let status = await swarm.updateStatus();
      let tasks: SwarmTask[] = [];
      while (Date.now() < until) {
        await sleep(500);
        status = await swarm.updateStatus();
        tasks = await swarm.tasks();
      }
      load.mark("observed");
      return { status, tasks };
    });
    const updateStart = markOr(stuck.result, "update-start", 0);
    hostModeStartFirst = {
      waitedSeconds: START_FIRST_OBSERVE_MS / 1000,
      updateState: stuck.value.status.state,
      updateMessage: stuck.value.status.message,
      newTaskErrors: stuck.value.tasks.filter((t) => t.Image.includes(":v2") && t.Error).map((t) => t.Error),
      versionsServed: versionsAfter(stuck.result.samples, updateStart),
    };
    const completed = stuck.value.status.state === "completed";
    // The title states the outcome only when this run saw it: no v2 task ever reached Running.
    const newTaskStarted = stuck.value.tasks.some((t) => t.Image.includes(":v2") && t.CurrentState.startsWith("Running"));
    const title = completed || newTaskStarted ? ATTEMPT_TITLE : `${ATTEMPT_TITLE}: the new task never starts`;
    attempt = {
      ...attempt,
      title,
      outcome: completed ? "measured" : "did-not-complete",
      notes: [...attempt.notes, ...stuck.value.tasks.map((t) => `task: ${describeTask(t)}`)],
      load: loadFigures(stuck.result),
      cutover: completed
        ? analyzeSwitch(stuck.result.samples, { commandStartMs: updateStart, commandEndMs: markOr(stuck.result, "observed", 0), observeUntilMs: runEndMs(stuck.result), targetVersion: "v2", previousVersion: "v1" })
        : null,
      charts: [writeChart(ctx, "d-swarm-start-first.svg", title, stuck.result)],
    };
    await swarm.removeService();

    ctx.log("(d) variant: host-mode publish, stop-first update to v2, then docker service rollback, under load");
    await swarm.create(swarm.spec("host", "stop-first"));
    await bench.waitServes(direct, "v1");
    await bench.waitServes(front, "v1");
    const notes: string[] = [];
    const measured = await underLoad(front, ctx.profile, async (load) => {
      load.mark("update-start");
      await swarm.update(bench.image("v2"));
      const updated = await swarm.waitUpdateState("completed");
      load.mark("update-done");
      if (updated !== "completed") notes.push(`update ended in state ${updated}`);
      await bench.waitServes(front, "v2").catch((e: unknown) => notes.push(`after the update: ${errorText(e)}`));
      await sleep(TAIL_MS);
      load.mark("rollback-start");
      await swarm.rollback();
      const rolledBack = await swarm.waitUpdateState("rollback_completed");
      load.mark("rollback-done");
      if (rolledBack !== "rollback_completed") notes.push(`rollback ended in state ${rolledBack}`);
      await bench.waitServes(front, "v1").catch((e: unknown) => notes.push(`after the rollback: ${errorText(e)}`));
      await sleep(TAIL_MS);
    });
    const r = measured.result;
    const end = runEndMs(r);
    variant = {
      ...variant,
      outcome: "measured",
      notes: [
        "Not what (d) asks for: stop-first stops v1 before v2 starts, the downtime start-first exists to avoid. Measured because it is the Swarm rolling update that can run on one node here.",
        "Command time = `docker service update` until UpdateStatus is completed (it includes Swarm's 5 s update monitor); rollback = `docker service rollback` until rollback_completed.",
        ...notes,
      ],
      load: loadFigures(r),
      cutover: analyzeSwitch(r.samples, { commandStartMs: markOr(r, "update-start", end), commandEndMs: markOr(r, "update-done", end), observeUntilMs: markOr(r, "rollback-start", end), targetVersion: "v2", previousVersion: "v1" }),
      rollback: analyzeSwitch(r.samples, { commandStartMs: markOr(r, "rollback-start", end), commandEndMs: markOr(r, "rollback-done", end), observeUntilMs: end, targetVersion: "v1", previousVersion: "v2" }),
      charts: [writeChart(ctx, "d-swarm-stop-first.svg", VARIANT_TITLE, r)],
    };
  } catch (error) {
    const text = errorText(error);
    if (attempt.outcome === "error") attempt.notes.push(text);
    else variant.notes.push(text);
  } finally {
    await haproxy.stop();
    cleanedUp = await swarm.cleanUp().catch(() => false);
    await engine.stop();
  }
  const findings = { ingress, hostModeStartFirst };
  return { attempt, variant, findings: { reason: composeSwarmReason(findings, node.publicIp, bench.plan.app.port), ...findings, cleanedUp } };
}
