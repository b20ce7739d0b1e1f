import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { DigitalOceanClient } from "../../../switch/adapters/do-api";
import { RateLimiter } from "../../../switch/adapters/rate-limiter";
import { DigitalOceanAuthError, DigitalOceanError, InconsistentStateError } from "../../../switch/errors";

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: string;
}

/** A throwaway DigitalOcean on 127.0.0.1 that answers from a script of replies. */
async function fakeApi(replies: Reply[]) {
  const seen: Seen[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      const reply = replies.length > 1 ? replies.shift()! : replies[0];
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, baseUrl, close: () => new Promise((r) => server.close(r)) };
}

const TOKEN = "dop_v1_secret_token_value_123456";
const slept: number[] = [];
const clock = { now: () => Date.now(), sleep: async (ms: number) => void slept.push(ms) };
const client = (baseUrl: string) => new DigitalOceanClient({ baseUrl, token: TOKEN, clock, minBackoffMs: 1, maxBackoffMs: 2, retries: 3 });
const droplet = {
  id: 5,
  name: "blue",
  tags: ["PROD"],
  region: { slug: "nyc3" },
  networks: {
    v4: [
      { ip_address: "198.18.2.5", type: "private" },
      { ip_address: "198.18.1.5", type: "public" },
    ],
  },
};

let api: Awaited<ReturnType<typeof fakeApi>>;
afterEach(async () => {
  slept.length = 0;
  await api?.close();
});

describe("DigitalOcean client", () => {
  it("GIVEN droplets WHEN listing THEN it sends the bearer token and maps public and private addresses", async () => {
    api = await fakeApi([{ status: 200, body: { droplets: [droplet] } }]);
    expect(await client(api.baseUrl).listDroplets()).toEqual([{ id: 5, name: "blue", tags: ["PROD"], region: "nyc3", publicIp: "198.18.1.5", privateIp: "198.18.2.5" }]);
    expect(api.seen[0]).toMatchObject({ method: "GET", url: "/v2/droplets?per_page=200&page=1", auth: `Bearer ${TOKEN}` });
  });

  it("GIVEN two pages of droplets WHEN listing THEN it follows the pages by number, never by the URL the API sent", async () => {
    api = await fakeApi([
      { status: 200, body: { droplets: [droplet], links: { pages: { next: "https://elsewhere.invalid/v2/droplets?page=2" } } } },
      { status: 200, body: { droplets: [{ ...droplet, id: 6 }], links: {} } },
    ]);
    expect((await client(api.baseUrl).listDroplets()).map((d) => d.id)).toEqual([5, 6]);
    expect(api.seen.map((r) => r.url)).toEqual(["/v2/droplets?per_page=200&page=1", "/v2/droplets?per_page=200&page=2"]);
  });

  const ip = (n: number, dropletId: number | null = null) => ({ ip: `198.18.1.${n}`, region: { slug: "nyc3" }, droplet: dropletId === null ? null : { id: dropletId }, locked: false });
  const next = (path: string, page: number) => ({ links: { pages: { next: `https://api.digitalocean.com${path}?page=${page}` } } });
  it.each([
    [
      "reserved IPs",
      "/v2/reserved_ips",
      (c: DigitalOceanClient) => c.listReservedIps().then((all) => all.map((r) => r.ip)),
      [
        { status: 200, body: { reserved_ips: [ip(1), ip(2)], ...next("/v2/reserved_ips", 2) } },
        { status: 200, body: { reserved_ips: [ip(3)], ...next("/v2/reserved_ips", 3) } },
        { status: 200, body: { reserved_ips: [ip(4, 6)], links: {} } },
      ],
      ["198.18.1.1", "198.18.1.2", "198.18.1.3", "198.18.1.4"],
    ],
    [
      "droplets over three pages",
      "/v2/droplets",
      (c: DigitalOceanClient) => c.listDroplets().then((all) => all.map((d) => d.id)),
      [
        { status: 200, body: { droplets: [droplet], ...next("/v2/droplets", 2) } },
        { status: 200, body: { droplets: [{ ...droplet, id: 6 }], ...next("/v2/droplets", 3) } },
        { status: 200, body: { droplets: [{ ...droplet, id: 7 }] } },
      ],
      [5, 6, 7],
    ],
  ])("GIVEN %s on several pages WHEN listing THEN every page is read until none is announced", async (_name, path, list, replies, expected) => {
    api = await fakeApi(replies as Reply[]);
    expect(await list(client(api.baseUrl))).toEqual(expected);
    expect(api.seen.map((r) => r.url)).toEqual([1, 2, 3].map((p) => `${path}?per_page=200&page=${p}`));
  });

  it("GIVEN an assign whose POST went unconfirmed and whose action is on the second page of the IP's actions WHEN adopting it THEN that page is read", async () => {
    const actions = (ids: number[], status: string) => ids.map((id) => ({ id, status, type: id === 42 ? "assign_ip" : "unassign_ip" }));
    api = await fakeApi([
      { status: 502, body: {} },
      { status: 200, body: { reserved_ip: { ...ip(100, 6), locked: true } } },
      { status: 200, body: { actions: actions([1, 2, 3], "completed"), ...next("/v2/reserved_ips/198.18.1.100/actions", 2) } },
      { status: 200, body: { actions: actions([42], "in-progress"), links: {} } },
    ]);
    expect(await new DigitalOceanClient({ baseUrl: api.baseUrl, token: TOKEN, clock, minBackoffMs: 1, maxBackoffMs: 2, retries: 0 }).assignReservedIp("198.18.1.100", 6)).toBe(42);
    expect(api.seen.map((r) => r.url).slice(-2)).toEqual(["/v2/reserved_ips/198.18.1.100/actions?per_page=200&page=1", "/v2/reserved_ips/198.18.1.100/actions?per_page=200&page=2"]);
  });

  it("GIVEN an API that announces a next page forever WHEN listing THEN it stops with an error rather than loop", async () => {
    api = await fakeApi([{ status: 200, body: { reserved_ips: [ip(1)], ...next("/v2/reserved_ips", 2) } }]);
    await expect(new DigitalOceanClient({ baseUrl: api.baseUrl, token: TOKEN, clock, maxPages: 4 }).listReservedIps()).rejects.toThrow(/kept announcing more pages of \/v2\/reserved_ips after 4/);
    expect(api.seen).toHaveLength(4);
  });

  it.each([
    ["429 with retry-after", [{ status: 429, body: { id: "too_many_requests", message: "slow down" }, headers: { "retry-after": "2" } }], [2000]],
    ["503", [{ status: 503, body: { message: "unavailable" } }], []],
    [
      "500 then 502",
      [
        { status: 500, body: {} },
        { status: 502, body: {} },
      ],
      [],
    ],
  ])("GIVEN %s WHEN requesting THEN it retries and succeeds, honouring retry-after", async (_n, failures, expectedSleeps) => {
    api = await fakeApi([...(failures as Reply[]), { status: 200, body: { droplets: [] } }]);
    await client(api.baseUrl).listDroplets();
    expect(api.seen).toHaveLength(failures.length + 1);
    expect(slept).toEqual(expectedSleeps);
  });

  it.each([
    [400, DigitalOceanError, /refused GET/],
    [401, DigitalOceanAuthError, /rejected the token/],
    [403, DigitalOceanAuthError, /may not GET/],
    [404, DigitalOceanError, /404/],
    [422, DigitalOceanError, /pending action/],
  ])("GIVEN %d WHEN requesting THEN it fails at once without retrying", async (status, type, message) => {
    api = await fakeApi([{ status, body: { id: "x", message: "nope" } }]);
    const error = await client(api.baseUrl)
      .listDroplets()
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as DigitalOceanError).oneLine()).toMatch(message);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(api.seen).toHaveLength(1);
  });

  it("GIVEN a persistent 500 WHEN requesting THEN it gives up after the retries with a clear error", async () => {
    api = await fakeApi([{ status: 500, body: { message: "boom" } }]);
    await expect(client(api.baseUrl).listDroplets()).rejects.toThrow(/DigitalOcean failed GET .* \(500: boom\)/);
    expect(api.seen).toHaveLength(4);
  });

  it("GIVEN nothing listens WHEN requesting THEN a one-line error names the URL, not the token", async () => {
    const c = new DigitalOceanClient({ baseUrl: "http://127.0.0.1:9", token: TOKEN, clock, minBackoffMs: 1, maxBackoffMs: 1, retries: 1 });
    const error = (await c.listDroplets().catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/cannot reach the DigitalOcean API at http:\/\/127.0.0.1:9/);
    expect(error.message).not.toContain(TOKEN);
  });

  it("GIVEN ratelimit-remaining 0 WHEN the next request is made THEN it waits until ratelimit-reset", async () => {
    const reset = Math.floor(Date.now() / 1000) + 30;
    api = await fakeApi([{ status: 200, body: { droplets: [] }, headers: { "ratelimit-remaining": "0", "ratelimit-reset": String(reset), "ratelimit-limit": "5000" } }]);
    const c = client(api.baseUrl);
    // The fake clock does not advance, so stop waiting after the first sleep.
    let waited = 0;
    clock.sleep = async (ms: number) => {
      waited = ms;
      (c as unknown as { limiter: { serverBlockedUntil: number } }).limiter.serverBlockedUntil = 0;
    };
    await c.listDroplets();
    await c.listDroplets();
    expect(waited).toBeGreaterThan(25_000);
    expect(waited).toBeLessThanOrEqual(30_000);
    clock.sleep = async (ms: number) => void slept.push(ms);
  });

  it("GIVEN a 429 whose headers also say the hourly budget is spent WHEN retrying THEN retry-after decides, not ratelimit-reset", async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    api = await fakeApi([
      { status: 429, body: { id: "too_many_requests", message: "slow down" }, headers: { "retry-after": "1", "ratelimit-remaining": "0", "ratelimit-reset": reset } },
      { status: 200, body: { droplets: [] } },
    ]);
    await client(api.baseUrl).listDroplets();
    expect(slept).toEqual([1000]);
  });

  it("GIVEN the hourly budget is spent for another hour WHEN the next request is due THEN it fails at once with the time it frees up, without sending", async () => {
    const reset = Math.floor(Date.now() / 1000) + 7200;
    api = await fakeApi([{ status: 200, body: { droplets: [] }, headers: { "ratelimit-remaining": "0", "ratelimit-reset": String(reset) } }]);
    const c = client(api.baseUrl);
    await c.listDroplets();
    await expect(c.listDroplets()).rejects.toThrow(/rate limit for this token is used up until/);
    expect(api.seen).toHaveLength(1);
  });

  it("GIVEN an assign WHEN moving the IP THEN it posts the DigitalOcean body and polls the IP's action", async () => {
    api = await fakeApi([
      { status: 201, body: { action: { id: 77, status: "in-progress" } } },
      { status: 200, body: { action: { id: 77, status: "completed" } } },
    ]);
    const c = client(api.baseUrl);
    expect(await c.assignReservedIp("198.18.1.100", 5)).toBe(77);
    expect(await c.getAction("198.18.1.100", 77)).toEqual({ id: 77, status: "completed" });
    expect(api.seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ["POST", "/v2/reserved_ips/198.18.1.100/actions", '{"type":"assign","droplet_id":5}'],
      ["GET", "/v2/reserved_ips/198.18.1.100/actions/77", ""],
    ]);
  });

  describe("an assign whose answer was lost (5xx) is never re-sent blindly", () => {
    const fip = "198.18.1.100";
    const post: Reply = { status: 500, body: { id: "server_error", message: "upstream reset" } };
    const ipView = (dropletId: number | null, locked: boolean): Reply => ({ status: 200, body: { reserved_ip: { ip: fip, region: { slug: "nyc3" }, droplet: dropletId === null ? null : { id: dropletId }, locked } } });
    const actions = (...list: { id: number; status: string }[]): Reply => ({ status: 200, body: { actions: list.map((a) => ({ ...a, type: "assign_ip" })) } });
    it.each<[string, Reply[], number, number]>([
      ["the IP is locked by the assign the lost POST started", [post, ipView(4, true), actions({ id: 90, status: "completed" }, { id: 91, status: "in-progress" })], 91, 1],
      ["the assign already completed onto the target", [post, ipView(5, false), actions({ id: 92, status: "completed" })], 92, 1],
      ["the IP shows no trace of the assign", [post, ipView(4, false), { status: 201, body: { action: { id: 93, status: "in-progress" } } }], 93, 2],
      ["DigitalOcean refused it with a 429", [{ status: 429, body: { message: "slow down" }, headers: { "retry-after": "1" } }, { status: 201, body: { action: { id: 94, status: "in-progress" } } }], 94, 2],
    ])("GIVEN %s WHEN assigning THEN it follows action %i after %i POST(s)", async (_case, replies, actionId, posts) => {
      api = await fakeApi([...replies, { status: 500, body: { message: "the script ran out" } }]);
      expect(await client(api.baseUrl).assignReservedIp(fip, 5)).toBe(actionId);
      expect(api.seen.filter((s) => s.method === "POST")).toHaveLength(posts);
    });
  });

  it("GIVEN an unknown reserved IP WHEN reading it THEN the error says to fix FLOATING_IP", async () => {
    api = await fakeApi([{ status: 404, body: { id: "not_found", message: "The resource you were accessing could not be found." } }]);
    const error = await client(api.baseUrl)
      .getReservedIp("198.18.1.100")
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(InconsistentStateError);
    expect((error as InconsistentStateError).oneLine()).toMatch(/not found .*FLOATING_IP/);
  });

  it("GIVEN a tag that does not exist yet WHEN tagging THEN it creates the tag and tags the droplet with a string resource id", async () => {
    api = await fakeApi([{ status: 404, body: { message: "tag not found" } }, { status: 201, body: { tag: { name: "PROD" } } }, { status: 204 }]);
    await client(api.baseUrl).tagDroplet("PROD", 5);
    expect(api.seen.map((s) => [s.method, s.url])).toEqual([
      ["POST", "/v2/tags/PROD/resources"],
      ["POST", "/v2/tags"],
      ["POST", "/v2/tags/PROD/resources"],
    ]);
    expect(JSON.parse(api.seen[2].body)).toEqual({ resources: [{ resource_id: "5", resource_type: "droplet" }] });
  });
});

describe("rate limiter", () => {
  it("GIVEN 250 requests within a minute WHEN the 251st is due THEN it must wait for the window", async () => {
    let t = 0;
    const limiter = new RateLimiter({ now: () => t, sleep: async (ms) => void (t += ms) });
    for (let i = 0; i < 250; i++) {
      await limiter.acquire();
      t += 10;
    }
    expect(limiter.delayMs()).toBe(60_000 - 2500);
    await limiter.acquire();
    expect(t).toBeGreaterThanOrEqual(60_000);
  });

  it("GIVEN 5,000 requests within an hour WHEN the next is due THEN it waits for the hour window", () => {
    let t = 0;
    const limiter = new RateLimiter({ now: () => t, sleep: async () => undefined }, [{ limit: 5000, windowMs: 3_600_000 }]);
    for (let i = 0; i < 5000; i++) {
      void limiter.acquire();
      t += 100;
    }
    expect(limiter.delayMs()).toBe(3_600_000 - 500_000);
  });
});
