/**
 * Kernel settings the balancer needs, shared by its cloud-init and the lab's balancer namespace. While the spare slot
 * serves (from a hand-over until the floating slot is back, up to SWITCH_DRAIN_TIMEOUT_SECONDS and the IP move), it
 * opens one backend connection per request (it never pools: haproxy.cfg's pool-max-conn 0), and HAProxy's close leaves
 * each in TIME_WAIT for 60 s. Linux's defaults (28,232 ephemeral ports, TIME_WAIT reuse on loopback only) would run out
 * near 800 requests/s over a 35 s window; reusing TIME_WAIT ports for new outgoing connections (safe with TCP
 * timestamps, Linux's default) and a wider range lift that far above what two droplets serve.
 */
export const BALANCER_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.tcp_tw_reuse": "1",
  "net.ipv4.ip_local_port_range": "10240 65535",
};

/** Where cloud-init writes it: BALANCER_SYSCTL_FILE's default, the file `balancer apply` keeps. */
export const BALANCER_SYSCTL_FILE = "/etc/sysctl.d/60-do-bluegreen-balancer.conf";

export function balancerSysctlText(): string {
  return [
    "# do-bluegreen: the spare slot opens one connection per request while it serves; reuse TIME_WAIT ports for them.",
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
