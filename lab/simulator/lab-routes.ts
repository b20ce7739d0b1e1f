/**
 * The control plane under /_lab, so a simulator in another process can be driven by tests:
 * state snapshot, request log, fault injection.
 */
import { ApiProblem } from "./api-problem";
import { InvalidFaultError, validateFaultSpec, type FaultInjector } from "./faults";
import type { RequestLog } from "./request-log";
import { route, type Route } from "./router";
import type { FaultSpec, SimulatorState } from "./types";

export interface LabContext {
  state(): SimulatorState;
  log: RequestLog;
  faults: FaultInjector;
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
];
