import type { FaultSpec, RequestRecord, SimulatedDroplet, SimulatedReservedIp, SimulatorState } from "./simulator/types";
import { ExternalError } from "../core/errors";

/** Drives a lab's simulator process through its /_lab control plane (no token: it only listens on the lab bridge). */
export class SimulatorControl {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new ExternalError(`simulator ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`, "check the lab's logs/simulator.log");
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async requests(): Promise<RequestRecord[]> {
    return (await this.call<{ requests: RequestRecord[] }>("GET", "/_lab/requests")).requests;
  }

  async clearRequests(): Promise<void> {
    await this.call("DELETE", "/_lab/requests");
  }

  async injectFaults(fault: FaultSpec): Promise<void> {
    await this.call("POST", "/_lab/faults", fault);
  }

  async clearFaults(): Promise<void> {
    await this.call("DELETE", "/_lab/faults");
  }

  state(): Promise<SimulatorState> {
    return this.call<SimulatorState>("GET", "/_lab/state");
  }

  /** A droplet made outside the API (another environment's): no namespace behind it. */
  async addDroplet(droplet: SimulatedDroplet): Promise<void> {
    await this.call("POST", "/_lab/droplets", droplet);
  }

  /** Destroys a droplet (its reserved IP, if any, becomes unassigned). */
  async removeDroplet(id: number): Promise<void> {
    await this.call("DELETE", `/_lab/droplets/${id}`);
  }

  /** A reserved IP made outside the API, assigned as given: no address moves. */
  async addReservedIp(reserved: SimulatedReservedIp): Promise<void> {
    await this.call("POST", "/_lab/reserved-ips", reserved);
  }

  async removeReservedIp(ip: string): Promise<void> {
    await this.call("DELETE", `/_lab/reserved-ips/${encodeURIComponent(ip)}`);
  }
}
