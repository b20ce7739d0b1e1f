import { writeFileSync } from "node:fs";
import { Config } from "../../core/config";
import { maintenanceMapPath, renderHaproxyConfig } from "../../core/haproxy";
import { LabPlan } from "../plan";

/**
 * The balancer droplet runs exactly the haproxy.cfg the stack ships (core/haproxy), with only
 * what differs on one shared machine: bind to the namespace's public address, stay root (no
 * privilege drop to a user that may not exist), no syslog, and a lab-private admin socket.
 */
export function labHaproxyConfig(plan: LabPlan, config: Config): string {
  return renderHaproxyConfig(config, { floatingIp: plan.floatingIp, bindAddress: plan.balancer.publicIp, runAsUser: null, logTarget: null });
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
 * Foreground (-db) so the lab owns the pid; the namespace is the balancer droplet.
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
    "-db",
    ...(override === undefined ? [] : ["-n", String(override)]),
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
