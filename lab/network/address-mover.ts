import type { AddressMover, SimulatedDroplet } from "../simulator/types";
import { allHosts, hostByDropletId, LabHost, LabPlan } from "../plan";
import { Command, CommandRunner, runConcurrently } from "../runner";
import { ipCommands as ip } from "./ip-commands";
import { InternalError } from "../../core/errors";

/**
 * Moves a reserved IP between droplet namespaces for real, as DigitalOcean's network does:
 * the address leaves the old droplet (its open connections break), appears on the new one and
 * is announced. The balancer and the host get their neighbour entries replaced as well, because
 * Linux ignores ARP updates within `locktime` (1 s) of the last one and would keep sending
 * packets to the old MAC meanwhile. Each command touches one namespace's address or one neighbour entry, so none depends
 * on another and they run at once: the action's time is the simulated delay, not a queue of `ip` processes.
 */
export function moveAddressCommands(plan: LabPlan, ipAddress: string, from: LabHost | null, to: LabHost | null): Command[] {
  const cidr = `${ipAddress}/32`;
  const observers = allHosts(plan).filter((h) => h !== to && h !== from);
  const commands: Command[] = [];
  if (from) commands.push(ip.deleteAddress(from.namespace, "eth0", cidr));
  if (to) {
    commands.push(ip.addAddress(to.namespace, "eth0", cidr), ip.announce(to.namespace, "eth0", ipAddress));
    commands.push(ip.replaceNeighbour(null, plan.bridge.name, ipAddress, to.mac));
    for (const h of observers) commands.push(ip.replaceNeighbour(h.namespace, "eth0", ipAddress, to.mac));
    if (from) commands.push(ip.replaceNeighbour(from.namespace, "eth0", ipAddress, to.mac));
  } else {
    commands.push(ip.deleteNeighbour(null, plan.bridge.name, ipAddress));
    for (const h of observers) commands.push(ip.deleteNeighbour(h.namespace, "eth0", ipAddress));
  }
  return commands;
}

export class NamespaceAddressMover implements AddressMover {
  constructor(
    private readonly plan: LabPlan,
    private readonly runner: CommandRunner,
  ) {}

  async move(ipAddress: string, from: SimulatedDroplet | null, to: SimulatedDroplet | null): Promise<void> {
    await runConcurrently(this.runner, moveAddressCommands(this.plan, ipAddress, this.resolve(from), this.resolve(to)));
  }

  private resolve(droplet: SimulatedDroplet | null): LabHost | null {
    if (!droplet) return null;
    const host = hostByDropletId(this.plan, droplet.id);
    if (!host) throw new InternalError(`droplet ${droplet.id} (${droplet.name}) is not one of lab ${this.plan.index}'s namespaces`);
    return host;
  }
}
