import { Config } from "../../core/config";
import { renderHaproxyConfig } from "../../core/haproxy";
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
