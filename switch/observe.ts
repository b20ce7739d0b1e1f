import type { Config } from "../core/config";
import { ExternalError } from "../core/errors";
import { InconsistentStateError } from "./errors";
import type { Droplet, ObservedState, ReservedIp, WorkerState } from "./model";
import type { Ports } from "./ports";

export type ObserveConfig = Pick<Config, "app" | "tags" | "floatingIp" | "haproxy" | "timing">;

const tagged = (droplets: readonly Droplet[], tag: string) => droplets.filter((d) => d.tags.includes(tag));

/** The HAProxy droplet among the account's droplets; every lock, audit and runtime-API call goes through it. */
export function balancerAmong(droplets: readonly Droplet[], config: ObserveConfig): Droplet {
  const balancers = tagged(droplets, config.tags.balancer);
  if (balancers.length === 1) return balancers[0];
  if (balancers.length === 0)
    throw new InconsistentStateError(`no droplet is tagged ${config.tags.balancer}`, "run `cdktf deploy` to create the HAProxy droplet, or set TAG_BALANCER to its tag");
  throw new InconsistentStateError(
    `more than one droplet is tagged ${config.tags.balancer}: ${balancers.map((b) => b.name).join(", ")}`,
    `keep the ${config.tags.balancer} tag on the one HAProxy droplet`,
  );
}

/** The configured reserved IP, else the one attached to a worker: where it points decides PROD. */
export async function findReservedIp(ports: Ports, config: Pick<Config, "floatingIp">, workers: readonly Droplet[]): Promise<ReservedIp> {
  if (config.floatingIp) return ports.digitalocean.getReservedIp(config.floatingIp);
  const all = await ports.digitalocean.listReservedIps();
  const attached = all.filter((r) => workers.some((w) => w.id === r.dropletId));
  if (attached.length === 1) return attached[0];
  if (attached.length === 0) throw new InconsistentStateError("no reserved IP is assigned to a PROD or FALLBACK droplet", "set FLOATING_IP to the stack's reserved IP");
  throw new InconsistentStateError(`several reserved IPs are on the workers: ${attached.map((r) => r.ip).join(", ")}`, "set FLOATING_IP to the one HAProxy forwards to");
}

/** A pending action locks the IP; an interrupted run may have left one in flight. Wait it out rather than act on a moving target. */
async function settledReservedIp(ports: Ports, config: ObserveConfig, workers: readonly Droplet[]): Promise<ReservedIp> {
  const deadline = ports.clock.now() + config.timing.actionTimeoutMs;
  for (;;) {
    const ip = await findReservedIp(ports, config, workers);
    if (!ip.locked) return ip;
    if (ports.clock.now() >= deadline)
      throw new ExternalError(`reserved IP ${ip.ip} stays locked by a pending action`, "wait for the action to finish in the DigitalOcean control panel, then re-run");
    await ports.clock.sleep(1000);
  }
}

export async function findBalancer(ports: Ports, config: ObserveConfig): Promise<Droplet> {
  return balancerAmong(await ports.digitalocean.listDroplets(), config);
}

/**
 * Reads everything the plan needs. Changes nothing. `droplets`: the account's droplets when the caller has just
 * listed them (the lock step does), so one run reads them once.
 */
export async function observe(ports: Ports, config: ObserveConfig, droplets?: readonly Droplet[]): Promise<ObservedState> {
  const all = droplets ?? (await ports.digitalocean.listDroplets());
  const taggedProd = tagged(all, config.tags.prod);
  const taggedFallback = tagged(all, config.tags.fallback);
  const foundBalancer = balancerAmong(all, config);
  const unique = [...new Map([...taggedProd, ...taggedFallback].map((d) => [d.id, d])).values()];
  const [reservedIp, containerLists, haproxy, lock, audit] = await Promise.all([
    settledReservedIp(ports, config, unique),
    Promise.all(unique.map((d) => ports.docker(d).listAppContainers(config.app.name))),
    ports.haproxy(foundBalancer).servers(),
    ports.lock(foundBalancer).read(),
    ports.audit(foundBalancer).tail(1),
  ]);
  const workers: Record<number, WorkerState> = {};
  unique.forEach((droplet, i) => (workers[droplet.id] = { droplet, containers: containerLists[i] }));
  return { taggedProd, taggedFallback, balancer: foundBalancer, reservedIp, workers, haproxy, lock, lastAuditAt: audit[0]?.at };
}
