/**
 * kamal-proxy on a lab droplet, as Kamal 2.12 runs it, with the commands as data (Kamal style):
 * - `kamal-proxy run` is the proxy Kamal boots on every app host. Kamal runs it in a container on the
 *   `kamal` Docker network publishing 80/443; the lab's engines have no bridge networking
 *   (`--bridge=none`, host-network apps, as on the droplets), so here it runs as the same binary in the
 *   droplet's network namespace, listening on the port the balancer forwards to (the app port).
 * - `kamal-proxy deploy <service> --target <host:port> ...` with the options Kamal's
 *   `Kamal::Configuration::Proxy#deploy_options` passes for a config with `proxy.healthcheck.path` set
 *   and everything else at Kamal's defaults (deploy and drain timeouts 30 s, request and response
 *   buffering on, three logged request headers).
 * Its socket and state live under the lab's state directory (HOME and XDG_RUNTIME_DIR point there),
 * so it never touches root's ~/.config and `npm run lab -- down` removes them; the lab's teardown also
 * ends every process left in the droplet's namespace.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ExternalError } from "../../core/errors";
import type { LabHost, LabPlan } from "../../lab/plan";
import type { Command, CommandRunner } from "../../lab/runner";

/** The kamal-proxy Kamal 2.12 requires (docs/decisions/0605). */
export const KAMAL_PROXY_VERSION = "v0.9.2";
/** Kamal's `role.container_prefix` for service `demo`, role `web`: the name kamal-proxy knows the app by. */
export const KAMAL_SERVICE = "demo-web";
/** Kamal's defaults for `deploy_timeout` and `drain_timeout` (seconds), passed explicitly as Kamal does. */
export const KAMAL_DEPLOY_TIMEOUT_S = 30;
export const KAMAL_DRAIN_TIMEOUT_S = 30;
/** `Kamal::Configuration::Proxy::DEFAULT_LOG_REQUEST_HEADERS`. */
export const KAMAL_LOG_REQUEST_HEADERS = ["Cache-Control", "Last-Modified", "User-Agent"] as const;
/** kamal-proxy's own default HTTPS port, which Kamal publishes too; unused (no TLS) but bound as Kamal's proxy binds it. */
export const KAMAL_PROXY_HTTPS_PORT = 443;
/** Host-network app containers cannot share a port, so each version gets its own (Kamal's are all `<container>:80` on the kamal network). */
export const KAMAL_APP_PORTS = { v1: 3001, v2: 3002 } as const;

export interface KamalProxyPaths {
  /** HOME: kamal-proxy keeps its state in $HOME/.config/kamal-proxy/kamal-proxy.state. */
  readonly home: string;
  /** XDG_RUNTIME_DIR: where `run` creates kamal-proxy.sock and `deploy` dials it. */
  readonly runtimeDir: string;
  readonly socket: string;
  readonly logFile: string;
}

export function kamalProxyPaths(plan: LabPlan): KamalProxyPaths {
  const root = `${plan.paths.stateDir}/bench-kamal-proxy`;
  return { home: `${root}/home`, runtimeDir: `${root}/run`, socket: `${root}/run/kamal-proxy.sock`, logFile: `${plan.paths.logDir}/bench-kamal-proxy.log` };
}

/**
 * `env -i` with only what kamal-proxy reads: its socket and state locations. Nothing else: no secret
 * reaches it, and a stray HTTP_PORT or KAMAL_PROXY_* in the caller's environment cannot change its flags' defaults.
 */
export function kamalProxyEnvArgv(paths: KamalProxyPaths): string[] {
  return ["env", "-i", `HOME=${paths.home}`, `XDG_RUNTIME_DIR=${paths.runtimeDir}`];
}

function inNamespace(host: LabHost, paths: KamalProxyPaths, argv: readonly string[]): string[] {
  return [...kamalProxyEnvArgv(paths), "nsenter", `--net=/var/run/netns/${host.namespace}`, ...argv];
}

/** `kamal-proxy run` in the droplet's namespace, HTTP on `httpPort`. */
export function kamalProxyRunArgv(binary: string, host: LabHost, paths: KamalProxyPaths, httpPort: number): string[] {
  return inNamespace(host, paths, [binary, "run", `--http-port=${httpPort}`, `--https-port=${KAMAL_PROXY_HTTPS_PORT}`]);
}

export interface KamalDeploy {
  readonly service: string;
  /** host:port of the new container. */
  readonly target: string;
  /** The app's health path (Kamal's `proxy.healthcheck.path`; kamal-proxy's default is /up). */
  readonly healthCheckPath: string;
}

/**
 * The options Kamal passes, in its order, `--name=value` as its `optionize(..., with: "=")` writes them
 * (hosts empty: the service answers every host; TLS off; health interval and timeout at kamal-proxy's defaults).
 */
export function kamalDeployOptions(d: KamalDeploy): string[] {
  return [
    `--target=${d.target}`,
    `--deploy-timeout=${KAMAL_DEPLOY_TIMEOUT_S}s`,
    `--drain-timeout=${KAMAL_DRAIN_TIMEOUT_S}s`,
    `--health-check-path=${d.healthCheckPath}`,
    "--buffer-requests",
    "--buffer-responses",
    ...KAMAL_LOG_REQUEST_HEADERS.map((h) => `--log-request-header=${h}`),
  ];
}

/** `kamal-proxy deploy`: returns once the target is healthy and traffic is switched (or fails after the deploy timeout). */
export function kamalProxyDeployCommand(binary: string, host: LabHost, paths: KamalProxyPaths, d: KamalDeploy): Command {
  return { argv: inNamespace(host, paths, [binary, "deploy", d.service, ...kamalDeployOptions(d)]) };
}

/** `kamal-proxy list`: the services it routes and their targets (for the notes). */
export function kamalProxyListCommand(binary: string, host: LabHost, paths: KamalProxyPaths): Command {
  return { argv: inNamespace(host, paths, [binary, "list"]) };
}

/** `kamal-proxy list`'s table on one line: it colours its cells even when stdout is not a terminal. */
export function listOnOneLine(stdout: string): string {
  return stdout.replace(/\x1b\[[0-9;]*m/g, "").trim().replace(/\s+/g, " ");
}

export class KamalProxyStartError extends ExternalError {}

/** One `kamal-proxy run` owned by the bench, and the client commands Kamal sends it; stop() ends it by its pid. */
export class KamalProxy {
  private child: ChildProcess | undefined;
  readonly paths: KamalProxyPaths;

  constructor(
    private readonly binary: string,
    readonly host: LabHost,
    plan: LabPlan,
    private readonly runner: CommandRunner,
  ) {
    this.paths = kamalProxyPaths(plan);
  }

  /** Starts `kamal-proxy run` and waits until its socket answers `kamal-proxy list`. */
  async start(httpPort: number, timeoutMs = 10_000): Promise<void> {
    mkdirSync(join(this.paths.home, ".config", "kamal-proxy"), { recursive: true, mode: 0o700 });
    mkdirSync(this.paths.runtimeDir, { recursive: true, mode: 0o700 });
    const log = openSync(this.paths.logFile, "a");
    try {
      const [file, ...args] = kamalProxyRunArgv(this.binary, this.host, this.paths, httpPort);
      this.child = spawn(file, args, { stdio: ["ignore", log, log] });
      this.child.once("error", () => undefined);
    } finally {
      closeSync(log);
    }
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new KamalProxyStartError(`kamal-proxy run exited with ${this.child.exitCode} while starting`, `read ${this.paths.logFile}`);
      try {
        await this.list();
        return;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(100);
    }
    throw new KamalProxyStartError(`kamal-proxy did not answer on ${this.paths.socket} within ${timeoutMs} ms (last: ${last})`, `read ${this.paths.logFile}`);
  }

  /** Returns once kamal-proxy has switched to the healthy target (or throws with its error after the deploy timeout). */
  async deploy(d: KamalDeploy): Promise<void> {
    await this.runner.run(kamalProxyDeployCommand(this.binary, this.host, this.paths, d));
  }

  async list(): Promise<string> {
    return (await this.runner.run(kamalProxyListCommand(this.binary, this.host, this.paths))).stdout;
  }

  /** SIGTERM (as `docker stop kamal-proxy` sends), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}
