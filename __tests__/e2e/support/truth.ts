import { Lab } from "../../../lab/lab";
import { allHosts, LabHost } from "../../../lab/plan";
import { ExecRunner } from "../../../lab/runner";
import { SimulatorControl } from "../../../lab/simulator-control";
import { publicVersion } from "../../../lab/demo/scenario";
import { haproxyAdmin } from "../../../bench/lab-access/haproxy-admin";
import { parseServers } from "../../../switch/adapters/haproxy-runtime";

/**
 * What is really true in the lab, observed without the switch: which namespace holds the
 * reserved IP, which droplets carry which tags in the simulator, what the public entry serves.
 * The e2e tests judge the switch by this, and by its own `status --json` only in addition.
 */
export interface Truth {
  /** Role of the namespace that has the reserved IP on its eth0 (null: nobody). */
  readonly ipHolder: LabHost["role"] | null;
  /** Role of the droplet the simulator says the reserved IP is assigned to. */
  readonly ipAssignedTo: LabHost["role"] | null;
  readonly prod: LabHost["role"][];
  readonly fallback: LabHost["role"][];
  readonly publicVersion: string | undefined;
  readonly pendingActions: number;
  /** One HAProxy slot targets the FALLBACK droplet's own address in drain: rollback can flip at once. */
  readonly fallbackArmed: boolean;
  /** The one HAProxy slot in ready targets the PROD droplet's own address. */
  readonly prodSlotServes: boolean;
}

export async function observeTruth(lab: Lab): Promise<Truth> {
  const runner = new ExecRunner();
  let ipHolder: LabHost["role"] | null = null;
  for (const host of allHosts(lab.plan)) {
    const out = await runner.run({ argv: ["ip", "-n", host.namespace, "-o", "addr", "show", "dev", "eth0"] });
    if (out.stdout.includes(` ${lab.plan.floatingIp}/32 `)) ipHolder = host.role;
  }
  const state = await new SimulatorControl(lab.plan.simulator.url).state();
  const role = (id: number | null) => allHosts(lab.plan).find((h) => h.dropletId === id)?.role ?? null;
  const tagged = (tag: string) => state.droplets.filter((d) => d.tags.includes(tag)).map((d) => role(d.id)!).sort();
  const socket = lab.plan.paths.haproxyAdminSocket;
  const servers = parseServers("app", await haproxyAdmin(socket, "show servers state app"), await haproxyAdmin(socket, "show stat"));
  const only = (tag: string) => {
    const hosts = allHosts(lab.plan).filter((h) => tagged(tag).includes(h.role));
    return hosts.length === 1 ? hosts[0] : undefined;
  };
  const [prodHost, fallbackHost] = [only("PROD"), only("FALLBACK")];
  const ready = servers.filter((s) => s.admin === "ready");
  return {
    ipHolder,
    ipAssignedTo: role(state.reservedIps[0]?.dropletId ?? null),
    prod: tagged("PROD"),
    fallback: tagged("FALLBACK"),
    publicVersion: await publicVersion(lab).catch(() => undefined),
    pendingActions: state.actions.filter((a) => a.status === "in-progress").length,
    fallbackArmed: !!fallbackHost && servers.some((s) => s.admin === "drain" && s.address === fallbackHost.privateIp),
    prodSlotServes: !!prodHost && ready.length === 1 && ready[0].address === prodHost.privateIp,
  };
}

/** The converged state after a successful cutover or rollback to `version`. */
export function expectConverged(truth: Truth, version: string): void {
  expect({
    publicVersion: truth.publicVersion,
    ipOnTheProdDroplet: truth.prod.length === 1 && truth.ipHolder === truth.prod[0] && truth.ipAssignedTo === truth.prod[0],
    oneFallback: truth.fallback.length === 1 && truth.fallback[0] !== truth.prod[0],
    pendingActions: truth.pendingActions,
    fallbackArmed: truth.fallbackArmed,
    prodSlotServes: truth.prodSlotServes,
  }).toEqual({ publicVersion: version, ipOnTheProdDroplet: true, oneFallback: true, pendingActions: 0, fallbackArmed: true, prodSlotServes: true });
}
