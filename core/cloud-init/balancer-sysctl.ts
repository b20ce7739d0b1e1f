/**
 * Kernel settings the balancer runs with, shared by its cloud-init and the lab's balancer namespace: headroom for
 * HAProxy's connections to the workers. Each flip opens a new set of them to the slot that starts serving, and every one
 * HAProxy closes stays in TIME_WAIT for 60 s; Linux's defaults (28,232 ephemeral ports, TIME_WAIT reuse on loopback only)
 * run out near 800 new connections/s sustained over 35 s. Reusing TIME_WAIT ports for new outgoing connections (safe with
 * TCP timestamps, Linux's default) and a wider range lift that far above what two droplets serve.
 */
export const BALANCER_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.tcp_tw_reuse": "1",
  "net.ipv4.ip_local_port_range": "10240 65535",
};

/** Where cloud-init writes it: BALANCER_SYSCTL_FILE's default, the file `balancer apply` keeps. */
export const BALANCER_SYSCTL_FILE = "/etc/sysctl.d/60-do-bluegreen-balancer.conf";

export function balancerSysctlText(): string {
  return [
    "# do-bluegreen: headroom for HAProxy's connections to the workers (TIME_WAIT reuse, a wider port range).",
    ...Object.entries(BALANCER_SYSCTLS).map(([key, value]) => `${key} = ${value}`),
    "",
  ].join("\n");
}

/** One kernel setting the balancer runs with that differs from BALANCER_SYSCTLS. `live` is `?` when the kernel lacks it. */
export interface KernelSettingChange {
  readonly key: string;
  readonly live: string;
  readonly wanted: string;
}

/**
 * What `balancer apply` has to change: the live values that differ (whitespace aside), and whether the file that sets them
 * at boot is missing or different. A balancer created before the file existed has neither.
 */
export function kernelDrift(settings: { readonly file: string | null; readonly live: Readonly<Record<string, string>> }): {
  readonly changes: readonly KernelSettingChange[];
  readonly fileCurrent: boolean;
} {
  const norm = (v: string) => v.trim().split(/\s+/).join(" ");
  const changes = Object.entries(BALANCER_SYSCTLS)
    .map(([key, wanted]) => ({ key, live: norm(settings.live[key] ?? "?"), wanted }))
    .filter((c) => c.live !== norm(c.wanted));
  return { changes, fileCurrent: settings.file === balancerSysctlText() };
}
