/**
 * A stateful DigitalOcean API simulator for the lab and the tests: droplets, tags, reserved
 * (floating) IPs with asynchronous actions that really move the address through an injected
 * AddressMover, domains with writable records, DigitalOcean's errors and rate limits, fault injection,
 * a request log and a state snapshot. It binds only to loopback or 198.18.0.0/15.
 */
export type {
  ActionStatus,
  ActionType,
  AddressMover,
  FaultSpec,
  RequestRecord,
  RunningSimulator,
  SimulatedDomain,
  SimulatedDomainRecord,
  SimulatedDroplet,
  SimulatedReservedIp,
  SimulatorOptions,
  SimulatorState,
} from "./types";
export { startSimulator } from "./server";
export { DEFAULTS as SIMULATOR_DEFAULTS } from "./options";
