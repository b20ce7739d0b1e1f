import type { SimulatedDomain, SimulatedDroplet, SimulatedReservedIp } from "./simulator/types";
import { allHosts, LabPlan } from "./plan";

/** The lab's droplets and reserved IP as the simulator serves them: the same as the stack would create. */
export function simulatedDroplets(plan: LabPlan): SimulatedDroplet[] {
  return allHosts(plan).map((h) => ({
    id: h.dropletId,
    name: h.dropletName,
    tags: [h.tag],
    region: plan.region,
    publicIpv4: h.publicIp,
    privateIpv4: h.privateIp,
    sizeSlug: h.role === "balancer" ? "s-1vcpu-512mb-10gb" : "s-1vcpu-1gb",
  }));
}

export function simulatedReservedIps(plan: LabPlan): SimulatedReservedIp[] {
  return [{ ip: plan.floatingIp, region: plan.region, dropletId: plan.workers[0].dropletId }];
}

/** The stack's default TTL (constructs/dns.ts), so the lab's record looks like a deployed one. */
export const LAB_RECORD_TTL_SECONDS = 300;

/** The app's domain as the stack creates it: the apex A record on the balancer, which the lab DNS server serves to Pebble. */
export function simulatedDomains(plan: LabPlan): SimulatedDomain[] {
  return [{ name: plan.domain, records: [{ id: plan.index * 1000 + 1, type: "A", name: "@", data: plan.balancer.publicIp, ttl: LAB_RECORD_TTL_SECONDS }] }];
}

/** Simulator action delay: long enough that the switch really polls, short enough for tests. */
export const LAB_ACTION_DELAY_MS = 1500;
