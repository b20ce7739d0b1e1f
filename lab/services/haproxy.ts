import { writeFileSync } from "node:fs";
import { Config } from "../../core/config";
import { EMPTY_SERVER_STATE, maintenanceMapPath, renderBalancerHaproxyConfig, serverStatePath } from "../../core/haproxy";
import { LabPlan } from "../plan";

/**
 * The balancer droplet runs exactly the haproxy.cfg `balancer apply` renders (core/haproxy renderBalancerHaproxyConfig),
 * from the lab's configuration: its switch environment (lab/switch-env.ts) sets what differs on one shared machine —
 * bind to the namespace's public address (HAPROXY_BIND_ADDRESS), stay root (HAPROXY_USER=none: no privilege drop to a
 * user that may not exist), no syslog (HAPROXY_LOG_TARGET=none), and a lab-private admin socket.
 */
export function labHaproxyConfig(plan: LabPlan, config: Config): string {
  return renderBalancerHaproxyConfig(config, plan.floatingIp);
}

/**
 * What `systemctl reload haproxy` does on a droplet: SIGUSR2 to HAProxy's master, which re-executes itself with the
 * file on disk; the new worker takes over the listening sockets and the old one finishes its requests. The lab's master
 * runs in the foreground (-W -db) and writes its pid to the pid file (-p). `balancer apply` runs this over SSH
 * (HAPROXY_RELOAD_COMMAND), like the droplet's command.
 */
export function labReloadCommand(plan: LabPlan): string {
  return `kill -USR2 "$(cat '${plan.paths.haproxyPidFile}')"`;
}

/** The server-state file that config names: in SWITCH_STATE_DIR, where `balancer apply` saves the state before a reload. */
export function labServerStateFile(config: Config): string {
  return serverStatePath(config.stateDir);
}

/** Creates the server-state file naming no server unless it exists (HAProxy warns about a missing or empty one); never truncated. */
export function ensureServerStateFile(path: string): void {
  try {
    writeFileSync(path, EMPTY_SERVER_STATE, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}

/**
 * The maintenance map that config reads: the default, in SWITCH_STATE_DIR, which for the lab is its switch-state dir, so
 * the switch writes where HAProxy reads as on a droplet. HAProxy refuses to start without the file.
 */
export function labMaintenanceMap(config: Config): string {
  return maintenanceMapPath(config.stateDir);
}

/** Creates the map empty unless it exists (what the droplet's tmpfiles.d `f` line does): a restart keeps maintenance mode. */
export function ensureMaintenanceMap(path: string): void {
  writeFileSync(path, "", { flag: "a" });
}

/**
 * Foreground (-db) so the lab owns the pid, in master-worker mode (-W) so a reload is hitless as on a droplet (Debian's
 * unit runs -Ws); the namespace is the balancer droplet.
 * The rendered `maxconn 20000` needs ~40,000 file descriptors. A droplet's systemd gives HAProxy
 * that many, but a sandbox without CAP_SYS_RESOURCE may cap the hard limit lower (20,000 here),
 * and HAProxy then refuses to start. The config file stays exactly as rendered; only when the
 * limit is too low does the lab pass `-n`, HAProxy's own command-line override of maxconn,
 * sized to fit (see docs/decisions/0502-haproxy-maxconn-under-a-low-fd-limit.md).
 */
const CONFIG_MAXCONN = 20000;
const FDS_PER_CONNECTION = 2;
const SPARE_FDS = 100;

export function maxconnOverride(fdHardLimit: number): number | undefined {
  if (fdHardLimit >= CONFIG_MAXCONN * FDS_PER_CONNECTION + SPARE_FDS) return undefined;
  return Math.floor((fdHardLimit - SPARE_FDS) / FDS_PER_CONNECTION);
}

export function haproxyArgv(plan: LabPlan, fdHardLimit: number): string[] {
  const override = maxconnOverride(fdHardLimit);
  return [
    "nsenter",
    `--net=/var/run/netns/${plan.balancer.namespace}`,
    "haproxy",
    "-W",
    "-db",
    ...(override === undefined ? [] : ["-n", String(override)]),
    "-p",
    plan.paths.haproxyPidFile,
    "-f",
    plan.paths.haproxyConfig,
  ];
}

/** The hard "Max open files" limit this process (and so its children) may raise to. */
export function openFilesHardLimit(limits: string): number {
  const line = limits.split("\n").find((l) => l.startsWith("Max open files"));
  const hard = line?.trim().split(/\s+/)[4];
  return hard === undefined || hard === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(hard);
}
