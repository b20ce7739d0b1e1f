/**
 * Extra HAProxy instances in the lab's balancer namespace, next to the lab's own, on other ports:
 * - (b) the seed design's naive config: `server floatingIP <ip>:8080 check` with HAProxy's defaults and
 *   Debian's stock timeouts (/etc/haproxy/haproxy.cfg), nothing else: no retries tuning, no drain slot;
 * - (d) the project's own rendered config (core/haproxy) pointed at the Swarm node, so Swarm gets the
 *   same balancer safety net as (a) and (c) and the comparison isolates the update method.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import { maxconnOverride, openFilesHardLimit } from "../../lab/services/haproxy";
import type { Config } from "../../core/config";
import { renderHaproxyConfig } from "../../core/haproxy";
import { ExternalError } from "../../core/errors";

export const NAIVE_PORT = 8081;
export const SWARM_FRONT_PORT = 8082;

export function naiveHaproxyConfig(o: { bindAddress: string; port: number; floatingIp: string; appPort: number }): string {
  return [
    "global",
    "  maxconn 4096",
    "",
    "defaults",
    "  mode http",
    "  option dontlognull",
    "  timeout connect 5000",
    "  timeout client  50000",
    "  timeout server  50000",
    "",
    "frontend naive",
    `  bind ${o.bindAddress}:${o.port}`,
    "  default_backend floating",
    "",
    "backend floating",
    `  server floatingIP ${o.floatingIp}:${o.appPort} check`,
    "",
  ].join("\n");
}

/**
 * The project's haproxy.cfg as a new balancer boots it (its first slot serving `target`), with its own admin socket and
 * its own server-state file (none yet), so the lab HAProxy's pinned slots never reach it.
 */
export function projectHaproxyConfigFor(config: Config, o: { bindAddress: string; port: number; target: string; adminSocket: string }): string {
  // A plain-HTTP side entrance on its own port: the lab's TLS front end (443, the redirect) stays the lab HAProxy's.
  const own: Config = { ...config, haproxy: { ...config.haproxy, adminSocket: o.adminSocket }, tls: { ...config.tls, mode: "off" } };
  return renderHaproxyConfig(own, { floatingIp: o.target, bindAddress: o.bindAddress, httpPort: o.port, runAsUser: null, logTarget: null, serverStateFile: `${o.adminSocket}.server-state` });
}

/** `-n` as the lab passes it for its own HAProxy: the rendered maxconn may exceed this sandbox's fd limit (lab/services/haproxy.ts). */
export function haproxyInNamespaceArgv(namespace: string, configFile: string, maxconn?: number): string[] {
  return ["nsenter", `--net=/var/run/netns/${namespace}`, "haproxy", "-db", ...(maxconn === undefined ? [] : ["-n", String(maxconn)]), "-f", configFile];
}

export class HaproxyStartError extends ExternalError {}

/** One foreground HAProxy owned by the bench; stop() ends it by its pid. */
export class ExtraHaproxy {
  private child: ChildProcess | undefined;

  constructor(
    private readonly namespace: string,
    private readonly configFile: string,
    private readonly logFile: string,
  ) {}

  start(config: string): void {
    writeFileSync(this.configFile, config);
    const log = openSync(this.logFile, "a");
    try {
      const [file, ...args] = haproxyInNamespaceArgv(this.namespace, this.configFile, maxconnOverride(openFilesHardLimit(readFileSync("/proc/self/limits", "utf8"))));
      this.child = spawn(file, args, { stdio: ["ignore", log, log] });
    } finally {
      closeSync(log);
    }
    this.child.once("error", () => undefined);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  }
}
