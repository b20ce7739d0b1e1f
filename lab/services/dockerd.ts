import { LabHost, LabPlan, workerPaths } from "../plan";

/**
 * One real Docker Engine per worker namespace. `nsenter --net` rather than `ip netns exec`,
 * because the latter remounts /sys and dockerd then fails ("Devices cgroup isn't mounted").
 * No bridge, no iptables: app containers use host networking, as on the droplets.
 * overlay2 works here because the data root is on ext4 (see docs/decisions/0501).
 */
export function dockerdArgv(plan: LabPlan, worker: LabHost): string[] {
  const p = workerPaths(plan, worker);
  return engineArgv(plan, worker, p, ["--bridge=none", "--iptables=false"]);
}

/** Where one engine keeps its state; every engine in a lab needs its own set. */
export interface EnginePaths {
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly pidFile: string;
  readonly socket: string;
}

/** A lab engine's command line; `networking` holds the flags that differ between engines (e.g. the bench's Swarm engine). */
export function engineArgv(plan: LabPlan, host: LabHost, paths: EnginePaths, networking: readonly string[]): string[] {
  return [
    "nsenter",
    `--net=/var/run/netns/${host.namespace}`,
    "dockerd",
    ...networking,
    "--ip-masq=false",
    "--ip6tables=false",
    `--data-root=${paths.dataRoot}`,
    `--exec-root=${paths.execRoot}`,
    `--pidfile=${paths.pidFile}`,
    `-H=unix://${paths.socket}`,
    `--insecure-registry=${plan.registry.address}`,
    `--cgroup-parent=${workerPaths(plan, host).cgroupParent}`,
    "--storage-driver=overlay2",
    "--log-level=warn",
  ];
}
