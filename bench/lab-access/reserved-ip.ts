/**
 * The seed design's way to move the floating IP: one plain `assign` through the DigitalOcean API
 * (here the lab's simulator), then poll the action until it completes. No drain, no balancer change.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ExternalError } from "../../core/errors";

export class ReservedIpError extends ExternalError {}

export class ReservedIpClient {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    if (!res.ok) throw new ReservedIpError(`DO API ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`, "check the lab's logs/simulator.log");
    return JSON.parse(text) as T;
  }

  /** The droplet id the IP points to, or null. */
  async holder(ip: string): Promise<number | null> {
    const body = await this.call<{ reserved_ip: { droplet: { id: number } | null } }>("GET", `/v2/reserved_ips/${ip}`);
    return body.reserved_ip.droplet?.id ?? null;
  }

  /** Assigns and waits for the action to complete (polling every `pollMs`, as a deploy script would). */
  async assign(ip: string, dropletId: number, pollMs = 500, timeoutMs = 30_000): Promise<void> {
    const { action } = await this.call<{ action: { id: number } }>("POST", `/v2/reserved_ips/${ip}/actions`, { type: "assign", droplet_id: dropletId });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { action: now } = await this.call<{ action: { status: string } }>("GET", `/v2/actions/${action.id}`);
      if (now.status === "completed") return;
      if (now.status === "errored") throw new ReservedIpError(`assign of ${ip} to droplet ${dropletId} errored`, "read the lab's logs/simulator.log");
      if (Date.now() > deadline) throw new ReservedIpError(`assign of ${ip} still ${now.status} after ${timeoutMs} ms`, "read the lab's logs/simulator.log");
      await sleep(pollMs);
    }
  }
}
