import { allHosts, LabPlan } from "../plan";
import { Command } from "../runner";
import { BALANCER_SYSCTLS } from "../../core/cloud-init/balancer-sysctl";
import { ipCommands as ip } from "./ip-commands";

/**
 * The lab's network as commands: a bridge on the host (the "VPC" and the internet the CI runner
 * sees), and one namespace per droplet wired to it with a veth pair. There is deliberately no
 * default route in the namespaces: droplets can reach each other and the host, nothing else.
 */
export function networkUpCommands(plan: LabPlan): Command[] {
  const commands: Command[] = [
    ip.addBridge(plan.bridge.name),
    ip.disableIpv6(null, plan.bridge.name),
    ip.addAddress(null, plan.bridge.name, `${plan.bridge.ip}/24`),
    ip.linkUp(null, plan.bridge.name),
  ];
  for (const host of allHosts(plan)) {
    commands.push(
      ip.addNamespace(host.namespace),
      ip.loopbackUp(host.namespace),
      ip.addVethIntoNamespace(host.hostVeth, host.namespace, host.mac),
      ip.enslave(host.hostVeth, plan.bridge.name),
      ip.disableIpv6(null, host.hostVeth),
      ip.disableIpv6(host.namespace, "all"),
      ip.disableIpv6(host.namespace, "eth0"),
      ip.linkUp(null, host.hostVeth),
      ip.addAddress(host.namespace, "eth0", `${host.publicIp}/24`),
      ip.addAddress(host.namespace, "eth0", `${host.privateIp}/24`),
      ip.linkUp(host.namespace, "eth0"),
    );
  }
  // The balancer's kernel settings, as its cloud-init sets them (net.ipv4 sysctls are per network namespace).
  for (const [key, value] of Object.entries(BALANCER_SYSCTLS)) commands.push(ip.setSysctl(plan.balancer.namespace, key, value));
  // The reserved IP starts on the PROD worker, as the stack creates it.
  commands.push(ip.addAddress(plan.workers[0].namespace, "eth0", `${plan.floatingIp}/32`));
  return commands;
}

/** Deleting a namespace deletes its veth pair too; the bridge goes last. */
export function networkDownCommands(plan: LabPlan): Command[] {
  return [...allHosts(plan).flatMap((h) => [ip.deleteNamespace(h.namespace), ip.deleteLink(h.hostVeth)]), ip.deleteLink(plan.bridge.name)];
}
