import { LabHost, LabPlan, workerPaths } from "../plan";

/**
 * One real Docker Engine per worker namespace. `nsenter --net` rather than `ip netns exec`,
 * because the latter remounts /sys and dockerd then fails ("Devices cgroup isn't mounted").
 * No bridge, no iptables: app containers use host networking, as on the droplets.
 * overlay2 works here because the data root is on ext4 (see docs/decisions/0501).
 */
export function dockerdArgv(plan: LabPlan, worker: LabHost): string[] {
  const p = workerPaths(plan, worker);
  return [
    "nsenter",
    `--net=/var/run/netns/${worker.namespace}`,
    "dockerd",
    "--bridge=none",
    "--iptables=false",
    "--ip-masq=false",
    "--ip6tables=false",
    `--data-root=${p.dataRoot}`,
    `--exec-root=${p.execRoot}`,
    `--pidfile=${p.pidFile}`,
    `-H=unix://${p.socket}`,
    `--insecure-registry=${plan.registry.address}`,
    `--cgroup-parent=${p.cgroupParent}`,
    "--storage-driver=overlay2",
    "--log-level=warn",
  ];
}
