/**
 * The control plane under /_lab, so a simulator in another process can be driven by tests:
 * state snapshot, request log, fault injection, and droplets and reserved IPs made or removed directly (another
 * environment's, say), as if someone had used the control panel.
 */
import { ApiProblem } from "./api-problem";
import { InvalidFaultError, validateFaultSpec, type FaultInjector } from "./faults";
import type { RequestLog } from "./request-log";
import { route, type Route } from "./router";
import type { SimulatorStore } from "./store";
import type { FaultSpec, SimulatedDroplet, SimulatedReservedIp, SimulatorState } from "./types";

export interface LabContext {
  state(): SimulatorState;
  log: RequestLog;
  faults: FaultInjector;
  store: SimulatorStore;
  params: Record<string, string>;
  body: unknown;
}

export const labRoutes: readonly Route<LabContext>[] = [
  route<LabContext>("GET", "/_lab/state", ({ state }) => ({ status: 200, body: state() })),
  route<LabContext>("GET", "/_lab/requests", ({ log }) => ({ status: 200, body: { requests: log.all() } })),
  route<LabContext>("DELETE", "/_lab/requests", ({ log }) => {
    log.clear();
    return { status: 204 };
  }),
  route<LabContext>("GET", "/_lab/faults", ({ faults }) => ({ status: 200, body: { faults: faults.pending() } })),
  route<LabContext>("POST", "/_lab/faults", ({ faults, body }) => {
    const specs = (Array.isArray(body) ? body : [body]) as FaultSpec[];
    try {
      // Validate every spec before adding any, so a bad batch changes nothing.
      for (const spec of specs) validateFaultSpec(spec);
    } catch (error) {
      if (error instanceof InvalidFaultError) throw ApiProblem.unprocessable(error.message);
      throw error;
    }
    for (const spec of specs) faults.add(spec);
    return { status: 201, body: { faults: faults.pending() } };
  }),
  route<LabContext>("DELETE", "/_lab/faults", ({ faults }) => {
    faults.clear();
    return { status: 204 };
  }),
  route<LabContext>("POST", "/_lab/droplets", ({ store, body }) => ({ status: 201, body: { droplet: store.addDroplet(body as SimulatedDroplet) } })),
  route<LabContext>("DELETE", "/_lab/droplets/:id", ({ store, params }) => {
    store.removeDroplet(Number(params.id));
    return { status: 204 };
  }),
  route<LabContext>("POST", "/_lab/reserved-ips", ({ store, body }) => ({ status: 201, body: { reservedIp: store.addReservedIp(body as SimulatedReservedIp) } })),
  route<LabContext>("DELETE", "/_lab/reserved-ips/:ip", ({ store, params }) => {
    store.removeReservedIp(params.ip!);
    return { status: 204 };
  }),
];
