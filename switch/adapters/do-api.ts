import retry from "async-retry";
import { ExternalError } from "../../core/errors";
import { DigitalOceanAuthError, DigitalOceanError, InconsistentStateError } from "../errors";
import type { Droplet, ReservedIp } from "../model";
import { Clock, DigitalOceanPort, systemClock } from "../ports";
import { RateLimiter, RateWindow } from "./rate-limiter";

/**
 * A small typed client over the eight DigitalOcean endpoints the switch uses (see docs/decisions/0201).
 * Retries 429 and 5xx (and network errors) with backoff, honouring retry-after; never retries another 4xx.
 */
export interface DigitalOceanClientOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly clock?: Clock;
  /** @default 5 */
  readonly retries?: number;
  /** First backoff delay. @default 1000 */
  readonly minBackoffMs?: number;
  /** @default 30000 */
  readonly maxBackoffMs?: number;
  /** @default 30000 */
  readonly requestTimeoutMs?: number;
  readonly limits?: readonly RateWindow[];
  /** Pages of one list read at most. @default DEFAULT_MAX_PAGES */
  readonly maxPages?: number;
  /** Called for every HTTP request made (for counting in tests and benchmarks). */
  readonly onRequest?: (method: string, path: string, status: number) => void;
}

interface ApiDroplet {
  id: number;
  name: string;
  tags?: string[];
  region?: { slug: string };
  networks?: { v4?: { ip_address: string; type: string }[] };
}

interface ApiReservedIp {
  ip: string;
  region?: { slug: string };
  droplet?: { id: number } | null;
  locked?: boolean;
}

class Retryable extends Error {
  /** `refused`: DigitalOcean did not act on the request (429), so sending it again is always safe. */
  constructor(message: string, readonly final: Error, readonly refused = false) {
    super(message);
  }
}

/**
 * A write whose outcome is unknown: a 5xx or a lost connection may come after DigitalOcean accepted it.
 * Writes that are not idempotent are never re-sent blindly; the caller looks at the resource first.
 */
class UnconfirmedWrite extends Error {
  constructor(readonly final: Error) {
    super(final.message);
  }
}

interface ApiAction {
  id: number;
  status: "in-progress" | "completed" | "errored";
  type?: string;
}

function toDroplet(d: ApiDroplet): Droplet {
  const v4 = d.networks?.v4 ?? [];
  return {
    id: d.id,
    name: d.name,
    tags: d.tags ?? [],
    region: d.region?.slug ?? "",
    publicIp: v4.find((n) => n.type === "public")?.ip_address ?? "",
    privateIp: v4.find((n) => n.type === "private")?.ip_address,
  };
}

function toReservedIp(r: ApiReservedIp): ReservedIp {
  return { ip: r.ip, region: r.region?.slug ?? "", dropletId: r.droplet?.id ?? null, locked: !!r.locked };
}

/** DigitalOcean's largest page. */
const PER_PAGE = 200;
/** A list longer than this many pages is not an account's droplets or IPs: something answers that is not the API. */
export const DEFAULT_MAX_PAGES = 500;

export class DigitalOceanClient implements DigitalOceanPort {
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private sent = 0;

  constructor(private readonly options: DigitalOceanClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.limiter = new RateLimiter(this.clock, options.limits);
  }

  async request<T>(method: string, path: string, body?: unknown, options: { idempotent?: boolean } = {}): Promise<T> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}${path}`;
    const what = `${method} ${path}`;
    const idempotent = options.idempotent ?? true;
    return retry(
      async (bail) => {
        // Only Retryable errors are retried; anything else (a spent budget, a 4xx, bad JSON) ends the request at once.
        try {
          return await this.attempt<T>(method, path, url, what, body);
        } catch (error) {
          if (error instanceof Retryable && (idempotent || error.refused)) throw error;
          bail(error instanceof Retryable ? new UnconfirmedWrite(error.final) : (error as Error));
          return undefined as T;
        }
      },
      {
        retries: this.options.retries ?? 5,
        minTimeout: this.options.minBackoffMs ?? 1000,
        maxTimeout: this.options.maxBackoffMs ?? 30_000,
        factor: 2,
        randomize: true,
      },
    ).catch((error: unknown) => {
      throw error instanceof Retryable ? error.final : error;
    });
  }

  private async attempt<T>(method: string, path: string, url: string, what: string, body: unknown): Promise<T> {
    await this.limiter.acquire();
    this.sent++;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 30_000),
      });
    } catch (error) {
      const inner = (error as { cause?: { code?: string; message?: string } }).cause;
      const cause = inner?.code ?? inner?.message ?? (error as Error).message;
      throw new Retryable(
        what,
        new ExternalError(`cannot reach the DigitalOcean API at ${this.options.baseUrl} (${cause})`, "check DIGITALOCEAN_API_URL and the network, then re-run"),
      );
    }
    if (response.status !== 429) this.limiter.observe(response.headers);
    this.options.onRequest?.(method, path, response.status);
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    const message = (() => {
      try {
        return (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        return text;
      }
    })().slice(0, 300);
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get("retry-after"));
      if (response.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) await this.clock.sleep(Math.min(retryAfter, 60) * 1000);
      const final =
        response.status === 429
          ? new ExternalError(`DigitalOcean kept rate-limiting ${what} (429)`, "another process shares this token: wait a minute and re-run")
          : new ExternalError(`DigitalOcean failed ${what} (${response.status}: ${message})`, "DigitalOcean may be degraded (status.digitalocean.com): re-run later");
      throw new Retryable(what, final, response.status === 429);
    }
    throw this.clientError(response.status, what, message);
  }

  private clientError(status: number, what: string, message: string): Error {
    if (status === 401) return new DigitalOceanAuthError(`DigitalOcean rejected the token (401: ${message})`, "set DIGITALOCEAN_TOKEN to a valid API token with write scope");
    if (status === 403) return new DigitalOceanAuthError(`the token may not ${what} (403: ${message})`, "use a token with write scope for droplets, tags and reserved IPs");
    if (status === 422)
      return new DigitalOceanError(
        status,
        `DigitalOcean refused ${what} (422: ${message})`,
        "a pending action on the droplet or IP must finish first, and the IP must be in the droplet's region: wait a minute and re-run, or check DO_REGION / FLOATING_IP",
      );
    return new DigitalOceanError(status, `DigitalOcean refused ${what} (${status}: ${message})`, "check the configuration (tags, FLOATING_IP) against the control panel");
  }

  requestCount(): number {
    return this.sent;
  }

  /**
   * Every item of a paged list, page after page until DigitalOcean names no next one. Pages are followed by number,
   * never by the URL in `links`: the token goes only to the configured API host.
   */
  private async listAll<T>(path: string, key: string): Promise<T[]> {
    const items: T[] = [];
    for (let page = 1; ; page++) {
      const body = await this.request<Record<string, unknown> & { links?: { pages?: { next?: string } } }>("GET", `${path}?per_page=${PER_PAGE}&page=${page}`);
      const batch = Array.isArray(body?.[key]) ? (body[key] as T[]) : [];
      items.push(...batch);
      if (!body?.links?.pages?.next || batch.length === 0) return items;
      const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES;
      if (page >= maxPages)
        throw new ExternalError(`DigitalOcean kept announcing more pages of ${path} after ${maxPages}`, "check DIGITALOCEAN_API_URL: it should be the DigitalOcean API");
    }
  }

  async listDroplets(): Promise<Droplet[]> {
    return (await this.listAll<ApiDroplet>("/v2/droplets", "droplets")).map(toDroplet);
  }

  async getReservedIp(ip: string): Promise<ReservedIp> {
    try {
      return toReservedIp((await this.request<{ reserved_ip: ApiReservedIp }>("GET", `/v2/reserved_ips/${ip}`)).reserved_ip);
    } catch (error) {
      if (error instanceof DigitalOceanError && error.status === 404)
        throw new InconsistentStateError(`reserved IP ${ip} not found in this account`, "set FLOATING_IP to the stack's reserved IP (or leave it empty to discover it)");
      throw error;
    }
  }

  async listReservedIps(): Promise<ReservedIp[]> {
    return (await this.listAll<ApiReservedIp>("/v2/reserved_ips", "reserved_ips")).map(toReservedIp);
  }

  /**
   * Assigning is not idempotent: after a 5xx the action may already be running, and a second POST would get a 422
   * ("pending event"). So an unconfirmed POST is followed by a look at the IP: an assign in flight or done is adopted,
   * and only an IP that is neither moving nor on the target gets the POST again.
   */
  async assignReservedIp(ip: string, dropletId: number): Promise<number> {
    const attempts = (this.options.retries ?? 5) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        const body = await this.request<{ action: { id: number } }>("POST", `/v2/reserved_ips/${ip}/actions`, { type: "assign", droplet_id: dropletId }, { idempotent: false });
        return body.action.id;
      } catch (error) {
        if (!(error instanceof UnconfirmedWrite)) throw error;
        const adopted = await this.assignThatLanded(ip, dropletId);
        if (adopted !== undefined) return adopted;
        if (attempt >= attempts) throw error.final;
        await this.clock.sleep(Math.min((this.options.minBackoffMs ?? 1000) * 2 ** (attempt - 1), this.options.maxBackoffMs ?? 30_000));
      }
    }
  }

  /** The id of an assign action that an unconfirmed POST started, or undefined when the IP shows no trace of one. */
  private async assignThatLanded(ip: string, dropletId: number): Promise<number | undefined> {
    const reservedIp = await this.getReservedIp(ip);
    if (!reservedIp.locked && reservedIp.dropletId !== dropletId) return undefined;
    const actions = await this.listAll<ApiAction>(`/v2/reserved_ips/${ip}/actions`, "actions");
    const assigns = actions.filter((a) => a.type === "assign_ip" && (reservedIp.locked ? a.status === "in-progress" : a.status === "completed"));
    return assigns.length > 0 ? Math.max(...assigns.map((a) => a.id)) : undefined;
  }

  async getAction(ip: string, actionId: number): Promise<{ status: "in-progress" | "completed" | "errored" }> {
    return (await this.request<{ action: { status: "in-progress" | "completed" | "errored" } }>("GET", `/v2/reserved_ips/${ip}/actions/${actionId}`)).action;
  }

  private async tagResources(method: "POST" | "DELETE", tag: string, dropletId: number): Promise<void> {
    const body = { resources: [{ resource_id: String(dropletId), resource_type: "droplet" }] };
    const path = `/v2/tags/${encodeURIComponent(tag)}/resources`;
    try {
      await this.request(method, path, body);
    } catch (error) {
      if (!(error instanceof DigitalOceanError && error.status === 404)) throw error;
      if (method === "DELETE") return; // the tag does not exist: nothing to remove
      await this.request("POST", "/v2/tags", { name: tag }).catch((e: unknown) => {
        if (!(e instanceof DigitalOceanError && e.status === 422)) throw e; // 422: it exists after all
      });
      await this.request("POST", path, body);
    }
  }

  tagDroplet(tag: string, dropletId: number): Promise<void> {
    return this.tagResources("POST", tag, dropletId);
  }

  untagDroplet(tag: string, dropletId: number): Promise<void> {
    return this.tagResources("DELETE", tag, dropletId);
  }
}
