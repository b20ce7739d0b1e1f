/**
 * Validates SimulatorOptions all at once (every problem with its path, bad value and fix),
 * before a socket is opened. Tokens are never echoed.
 */
import { isIPv4 } from "node:net";
import { z } from "zod";
import { ConfigError, type ConfigIssue } from "../../core/errors";
import type { SimulatorOptions } from "./types";

export interface ResolvedOptions extends SimulatorOptions {
  domains: NonNullable<SimulatorOptions["domains"]>;
  actionDelayMs: number;
  host: string;
  port: number;
  rateLimit: { perMinute: number; perHour: number };
}

export const DEFAULTS = {
  actionDelayMs: 3000,
  host: "127.0.0.1",
  port: 0,
  rateLimit: { perMinute: 250, perHour: 5000 },
} as const;

const ipv4 = z.string().refine(isIPv4, { message: "must be an IPv4 address" });
const region = z.string().regex(/^[a-z]{3}\d$/, "must be a region slug such as fra1");

const schema = z.object({
  token: z.string().min(1, "must be a non-empty token"),
  droplets: z.array(
    z.object({
      id: z.number().int().positive(),
      name: z.string().min(1),
      tags: z.array(z.string().regex(/^[A-Za-z0-9:_-]{1,255}$/, "tags use letters, numbers, colons, dashes, underscores")),
      region,
      publicIpv4: ipv4,
      privateIpv4: ipv4,
      sizeSlug: z.string().min(1).optional(),
      imageSlug: z.string().min(1).optional(),
    }),
  ),
  reservedIps: z.array(z.object({ ip: ipv4, region, dropletId: z.number().int().positive().nullable() })),
  domains: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9.-]+\.[a-z]+$/, "must be a lower-case domain name"),
        records: z.array(
          z.object({
            id: z.number().int().positive(),
            type: z.string().regex(/^[A-Z]+$/, "must be an upper-case record type such as A"),
            name: z.string().min(1),
            data: z.string(),
            ttl: z.number().int().positive(),
          }),
        ),
      }),
    )
    .optional(),
  mover: z.custom<SimulatorOptions["mover"]>(
    (m) => typeof m === "object" && m !== null && typeof (m as { move?: unknown }).move === "function",
    "must be an AddressMover with a move(ip, from, to) method",
  ),
  actionDelayMs: z.number().int().nonnegative().optional(),
  host: z.string().refine(isAllowedBindHost, "must be a loopback address or an address in 198.18.0.0/15").optional(),
  port: z.number().int().min(0).max(65535).optional(),
  rateLimit: z.object({ perMinute: z.number().int().positive(), perHour: z.number().int().positive() }).optional(),
  requestLogFile: z.string().min(1).optional(),
});

/** The simulator must never be reachable outside the lab: loopback or the lab's 198.18.0.0/15 only. */
export function isAllowedBindHost(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  if (!isIPv4(host)) return false;
  const [a, b] = host.split(".").map(Number) as [number, number];
  return a === 127 || (a === 198 && (b === 18 || b === 19));
}

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  const issues: ConfigIssue[] = [];
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    for (const i of parsed.error.issues) {
      const path = i.path.join(".");
      issues.push({
        variable: `simulator.${path}`,
        value: path === "token" ? "[redacted]" : describe(valueAt(options, i.path)),
        problem: i.message,
        fix: `pass a valid ${path} to startSimulator`,
      });
    }
    throw new ConfigError(issues);
  }
  issues.push(...crossCheck(options));
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...options,
    domains: options.domains ?? [],
    actionDelayMs: options.actionDelayMs ?? DEFAULTS.actionDelayMs,
    host: options.host ?? DEFAULTS.host,
    port: options.port ?? DEFAULTS.port,
    rateLimit: options.rateLimit ?? { ...DEFAULTS.rateLimit },
  };
}

function crossCheck(o: SimulatorOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seenIds = new Set<number>();
  o.droplets.forEach((d, i) => {
    if (seenIds.has(d.id)) {
      issues.push({ variable: `simulator.droplets.${i}.id`, value: String(d.id), problem: "duplicate droplet id", fix: "give every droplet its own id" });
    }
    seenIds.add(d.id);
  });
  const seenIps = new Set<string>();
  const holders = new Map<number, string>();
  o.reservedIps.forEach((r, i) => {
    const at = `simulator.reservedIps.${i}`;
    if (seenIps.has(r.ip)) issues.push({ variable: `${at}.ip`, value: r.ip, problem: "duplicate reserved IP", fix: "list each reserved IP once" });
    seenIps.add(r.ip);
    if (r.dropletId === null) return;
    const droplet = o.droplets.find((d) => d.id === r.dropletId);
    if (!droplet) {
      issues.push({ variable: `${at}.dropletId`, value: String(r.dropletId), problem: "no droplet has this id", fix: "use the id of a listed droplet or null" });
    } else if (droplet.region !== r.region) {
      issues.push({
        variable: `${at}.region`,
        value: r.region,
        problem: `droplet ${droplet.id} is in ${droplet.region}`,
        fix: "put the reserved IP in its droplet's region",
      });
    }
    const other = holders.get(r.dropletId);
    if (other) {
      issues.push({ variable: `${at}.dropletId`, value: String(r.dropletId), problem: `droplet already holds reserved IP ${other}`, fix: "assign at most one reserved IP per droplet" });
    }
    holders.set(r.dropletId, r.ip);
  });
  return issues;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[key] : undefined), root);
}

function describe(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "function") return "(function)";
  try {
    return JSON.stringify(value)?.slice(0, 120);
  } catch {
    return String(value);
  }
}
