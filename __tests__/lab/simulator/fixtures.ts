/** Shared fixtures for the simulator tests: a small account in fra1 and an in-memory AddressMover. */
import { startSimulator, type AddressMover, type RunningSimulator, type SimulatedDroplet, type SimulatorOptions } from "../../../lab/simulator";

export const TOKEN = `test-token-${process.pid}-${Date.now()}`;
export const FLOATING_IP = "198.18.0.100";
export const SPARE_IP = "198.18.0.101";

export const BLUE: SimulatedDroplet = { id: 101, name: "blue", tags: ["PROD"], region: "fra1", publicIpv4: "198.18.1.2", privateIpv4: "198.19.1.2" };
export const GREEN: SimulatedDroplet = { id: 102, name: "green", tags: ["FALLBACK"], region: "fra1", publicIpv4: "198.18.2.2", privateIpv4: "198.19.2.2" };
export const BALANCER: SimulatedDroplet = { id: 103, name: "balancer", tags: ["BALANCER"], region: "fra1", publicIpv4: "198.18.3.2", privateIpv4: "198.19.3.2" };
export const FAR_AWAY: SimulatedDroplet = { id: 104, name: "far-away", tags: [], region: "ams3", publicIpv4: "198.18.4.2", privateIpv4: "198.19.4.2" };

export interface MoveCall {
  ip: string;
  from: number | null;
  to: number | null;
}

/** Records every move; `failWith` makes the next moves reject; `hold()` keeps moves pending until released. */
export class FakeMover implements AddressMover {
  readonly calls: MoveCall[] = [];
  failWith: Error | null = null;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  async move(ip: string, from: SimulatedDroplet | null, to: SimulatedDroplet | null): Promise<void> {
    this.calls.push({ ip, from: from?.id ?? null, to: to?.id ?? null });
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
  }
}

export function baseOptions(mover: AddressMover, overrides: Partial<SimulatorOptions> = {}): SimulatorOptions {
  return {
    token: TOKEN,
    droplets: [BLUE, GREEN, BALANCER, FAR_AWAY],
    reservedIps: [
      { ip: FLOATING_IP, region: "fra1", dropletId: BLUE.id },
      { ip: SPARE_IP, region: "fra1", dropletId: null },
    ],
    domains: [
      {
        name: "example.test",
        records: [
          { id: 1, type: "SOA", name: "@", data: "1800", ttl: 1800 },
          { id: 2, type: "A", name: "@", data: FLOATING_IP, ttl: 300 },
          { id: 3, type: "A", name: "www", data: FLOATING_IP, ttl: 300 },
        ],
      },
    ],
    mover,
    actionDelayMs: 20,
    ...overrides,
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  json: any;
}

export async function call(
  sim: RunningSimulator,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === "" ? undefined : JSON.parse(text) };
}

/** Polls an action until it leaves in-progress (bounded by the test timeout, not by a timed assertion). */
export async function waitForAction(sim: RunningSimulator, id: number): Promise<any> {
  for (;;) {
    const res = await call(sim, "GET", `/v2/actions/${id}`);
    if (res.json.action.status !== "in-progress") return res.json.action;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function withSimulator<T>(
  options: SimulatorOptions,
  body: (sim: RunningSimulator) => Promise<T>,
): Promise<T> {
  const sim = await startSimulator(options);
  try {
    return await body(sim);
  } finally {
    await sim.stop();
  }
}
