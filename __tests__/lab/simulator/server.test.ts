import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type RunningSimulator } from "../../../lab/simulator";
import { baseOptions, call, FakeMover, TOKEN, withSimulator } from "./fixtures";

describe("simulator server", () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator(baseOptions(new FakeMover()));
  });
  afterEach(async () => {
    await sim.stop();
  });

  describe("authentication", () => {
    it.each([
      ["no Authorization header", null],
      ["a wrong token", "not-the-token"],
      ["an empty bearer", ""],
    ])("GIVEN %s WHEN calling /v2 THEN 401 unauthorized with a request_id and rate-limit headers", async (_, token) => {
      const res = await call(sim, "GET", "/v2/droplets", { token });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({ id: "unauthorized", message: "Unable to authenticate you.", request_id: expect.any(String) });
      expect(res.headers.get("ratelimit-limit")).toBe("5000");
    });

    it("GIVEN the right token WHEN calling /v2/droplets THEN 200", async () => {
      expect((await call(sim, "GET", "/v2/droplets")).status).toBe(200);
    });

    it("GIVEN a rejected token WHEN the error is returned THEN the body never echoes the presented token", async () => {
      const res = await call(sim, "GET", "/v2/droplets", { token: "secret-looking-value" });
      expect(JSON.stringify(res.json)).not.toContain("secret-looking-value");
    });
  });

  describe("unknown routes", () => {
    it.each([
      ["GET", "/v2/nothing-here"],
      ["DELETE", "/v2/droplets"],
      ["GET", "/v1/droplets"],
    ])("GIVEN %s %s WHEN called with the token THEN 404 not_found", async (method, path) => {
      const res = await call(sim, method, path);
      expect(res.status).toBe(404);
      expect(res.json.id).toBe("not_found");
    });

    it("GIVEN a POST with malformed JSON WHEN served THEN 400 bad_request", async () => {
      const res = await fetch(`${sim.url}/v2/tags`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: "{not json",
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { id: string }).id).toBe("bad_request");
    });
  });

  describe("rate limits", () => {
    it("GIVEN default limits WHEN a request succeeds THEN ratelimit headers count the hourly window down", async () => {
      const first = await call(sim, "GET", "/v2/droplets");
      const second = await call(sim, "GET", "/v2/droplets");
      expect(first.headers.get("ratelimit-limit")).toBe("5000");
      expect(first.headers.get("ratelimit-remaining")).toBe("4999");
      expect(second.headers.get("ratelimit-remaining")).toBe("4998");
      expect(Number(first.headers.get("ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    });

    it("GIVEN perMinute 3 WHEN a fourth request arrives within the minute THEN 429 too_many_requests with retry-after", async () => {
      await withSimulator(baseOptions(new FakeMover(), { rateLimit: { perMinute: 3, perHour: 100 } }), async (limited) => {
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await call(limited, "GET", "/v2/droplets")).status);
        const refused = await call(limited, "GET", "/v2/droplets");
        expect(statuses).toEqual([200, 200, 200]);
        expect(refused.status).toBe(429);
        expect(refused.json.id).toBe("too_many_requests");
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(refused.headers.get("ratelimit-remaining")).toBe("97");
      });
    });

    it("GIVEN perHour 2 WHEN a third request arrives THEN 429 and ratelimit-remaining is 0", async () => {
      await withSimulator(baseOptions(new FakeMover(), { rateLimit: { perMinute: 100, perHour: 2 } }), async (limited) => {
        await call(limited, "GET", "/v2/droplets");
        await call(limited, "GET", "/v2/droplets");
        const refused = await call(limited, "GET", "/v2/droplets");
        expect(refused.status).toBe(429);
        expect(refused.headers.get("ratelimit-remaining")).toBe("0");
        expect(refused.headers.get("retry-after")).not.toBeNull();
      });
    });
  });

  describe("injected faults", () => {
    it.each([
      [500, "server_error"],
      [502, "server_error"],
      [503, "service_unavailable"],
      [422, "unprocessable_entity"],
    ])("GIVEN an injected %i fault WHEN the next request arrives THEN it fails with id %s and the one after succeeds", async (status, id) => {
      sim.injectFaults({ status, count: 1 });
      const failed = await call(sim, "GET", "/v2/droplets");
      const next = await call(sim, "GET", "/v2/droplets");
      expect(failed.status).toBe(status);
      expect(failed.json).toEqual({ id, message: expect.stringContaining("Injected"), request_id: expect.any(String) });
      expect(failed.headers.get("ratelimit-limit")).toBe("5000");
      expect(next.status).toBe(200);
    });

    it("GIVEN an injected 429 with count 2 WHEN three requests arrive THEN two get 429 with retry-after 1 and remaining 0", async () => {
      sim.injectFaults({ status: 429, count: 2 });
      const statuses: number[] = [];
      const retryAfters: (string | null)[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call(sim, "GET", "/v2/droplets");
        statuses.push(res.status);
        retryAfters.push(res.headers.get("retry-after"));
        if (res.status === 429) expect(res.headers.get("ratelimit-remaining")).toBe("0");
      }
      expect(statuses).toEqual([429, 429, 200]);
      expect(retryAfters).toEqual(["1", "1", null]);
    });

    it.each([
      ["no retryAfterSeconds", 1, undefined],
      ["retryAfterSeconds 7", 7, 7],
    ])("GIVEN a 429 fault with %s WHEN it fires THEN retry-after is %i and ratelimit-reset is that many seconds away, not the end of the hour", async (_, expected, retryAfterSeconds) => {
      sim.injectFaults({ status: 429, count: 1, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) });
      const before = Math.floor(Date.now() / 1000);
      const res = await call(sim, "GET", "/v2/droplets");
      const after = Math.ceil(Date.now() / 1000);
      expect(res.headers.get("retry-after")).toBe(String(expected));
      const reset = Number(res.headers.get("ratelimit-reset"));
      expect(reset).toBeGreaterThanOrEqual(before + expected);
      expect(reset).toBeLessThanOrEqual(after + expected);
    });

    it("GIVEN a fault limited to POST on reserved IP actions WHEN other requests arrive THEN only the matching one fails", async () => {
      sim.injectFaults({ status: 503, count: 1, method: "post", pathPattern: "^/v2/reserved_ips/[^/]+/actions$" });
      const get = await call(sim, "GET", "/v2/reserved_ips/198.18.0.100");
      const tag = await call(sim, "POST", "/v2/tags", { body: { name: "PROD" } });
      const assign = await call(sim, "POST", "/v2/reserved_ips/198.18.0.100/actions", { body: { type: "assign", droplet_id: 102 } });
      expect([get.status, tag.status, assign.status]).toEqual([200, 201, 503]);
    });

    it("GIVEN faults injected over HTTP WHEN requests arrive THEN they fire and /_lab/faults shows what is left", async () => {
      const injected = await call(sim, "POST", "/_lab/faults", { body: [{ status: 500, count: 2 }], token: null });
      expect(injected.status).toBe(201);
      expect(injected.json.faults).toEqual([{ status: 500, count: 2 }]);
      expect((await call(sim, "GET", "/v2/droplets")).status).toBe(500);
      expect((await call(sim, "GET", "/_lab/faults", { token: null })).json.faults).toEqual([{ status: 500, count: 1 }]);
      expect((await call(sim, "DELETE", "/_lab/faults", { token: null })).status).toBe(204);
      expect((await call(sim, "GET", "/v2/droplets")).status).toBe(200);
    });

    it.each([
      [{ status: 418, count: 1 }, "status"],
      [{ status: 500, count: 0 }, "count"],
      [{ status: 500, count: 1, pathPattern: "(" }, "pathPattern"],
      [{ status: 500, count: 1, bogus: true }, "bogus"],
    ])("GIVEN the invalid fault %j WHEN posted to /_lab/faults THEN 422 naming %s and nothing is injected", async (spec, field) => {
      const res = await call(sim, "POST", "/_lab/faults", { body: [{ status: 500, count: 1 }, spec], token: null });
      expect(res.status).toBe(422);
      expect(res.json.message).toContain(field);
      expect(sim.state().pendingFaults).toEqual([]);
    });

    it("GIVEN an invalid fault WHEN injected programmatically THEN it throws", () => {
      expect(() => sim.injectFaults({ status: 200, count: 1 })).toThrow(/status/);
    });
  });

  describe("request log", () => {
    it("GIVEN some API calls WHEN reading requests() and /_lab/requests THEN each /v2 call is recorded once, lab calls are not", async () => {
      await call(sim, "GET", "/v2/droplets?tag_name=PROD&per_page=200");
      await call(sim, "GET", "/v2/droplets/999");
      await call(sim, "GET", "/v2/droplets", { token: null });
      await call(sim, "GET", "/_lab/state", { token: null });

      const viaHttp = await call(sim, "GET", "/_lab/requests", { token: null });
      const records = sim.requests();
      expect(records.map((r) => [r.method, r.path, r.status])).toEqual([
        ["GET", "/v2/droplets?tag_name=PROD&per_page=200", 200],
        ["GET", "/v2/droplets/999", 404],
        ["GET", "/v2/droplets", 401],
      ]);
      expect(viaHttp.json.requests).toEqual(records);
      expect(records[0]!.ms).toBeGreaterThanOrEqual(0);
      expect(Date.parse(records[0]!.at)).not.toBeNaN();
    });

    it.each([
      ["programmatically", async (s: RunningSimulator) => s.clearRequests()],
      ["over HTTP", async (s: RunningSimulator) => void (await call(s, "DELETE", "/_lab/requests", { token: null }))],
    ])("GIVEN recorded requests WHEN cleared %s THEN the log is empty", async (_, clear) => {
      await call(sim, "GET", "/v2/droplets");
      await clear(sim);
      expect(sim.requests()).toEqual([]);
    });

    it("GIVEN a requestLogFile WHEN requests are served and the simulator stops THEN the file holds one JSON line per request", async () => {
      const dir = await mkdtemp(join(tmpdir(), "sim-log-"));
      try {
        const file = join(dir, "requests.jsonl");
        await withSimulator(baseOptions(new FakeMover(), { requestLogFile: file }), async (logged) => {
          await call(logged, "GET", "/v2/droplets");
          await call(logged, "GET", "/v2/reserved_ips");
        });
        const lines = (await readFile(file, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
        expect(lines.map((l) => l.path)).toEqual(["/v2/droplets", "/v2/reserved_ips"]);
        expect(await readFile(file, "utf8")).not.toContain(TOKEN);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("state snapshot", () => {
    it("GIVEN the seeded account WHEN reading state() and /_lab/state THEN both show droplets with tags and the assignment", async () => {
      const viaHttp = (await call(sim, "GET", "/_lab/state", { token: null })).json;
      const state = sim.state();
      expect(viaHttp).toEqual(state);
      expect(state.droplets.map((d) => [d.id, d.tags])).toEqual([
        [101, ["PROD"]],
        [102, ["FALLBACK"]],
        [103, ["BALANCER"]],
        [104, []],
      ]);
      expect(state.reservedIps).toEqual([
        { ip: "198.18.0.100", region: "fra1", dropletId: 101, locked: false, pendingActionId: null },
        { ip: "198.18.0.101", region: "fra1", dropletId: null, locked: false, pendingActionId: null },
      ]);
      expect(state.tags).toEqual(["BALANCER", "FALLBACK", "PROD"]);
      expect(state.actions).toEqual([]);
    });
  });
});

describe("simulator server robustness", () => {
  it("GIVEN a malformed Host header WHEN a request arrives THEN 400 bad_request and the server keeps serving", async () => {
    const { request } = await import("node:http");
    await withSimulator(baseOptions(new FakeMover()), async (sim) => {
      const { port } = new URL(sim.url);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/v2/droplets", headers: { host: "bad host:x" } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(400);
      expect((await call(sim, "GET", "/v2/droplets")).status).toBe(200);
    });
  });

  it("GIVEN an action in progress WHEN the simulator stops THEN stop resolves and the mover is never called", async () => {
    const mover = new FakeMover();
    const sim = await startSimulator(baseOptions(mover, { actionDelayMs: 30 }));
    await call(sim, "POST", "/v2/reserved_ips/198.18.0.100/actions", { body: { type: "assign", droplet_id: 102 } });
    await sim.stop();
    await new Promise((r) => setTimeout(r, 60));
    expect(mover.calls).toEqual([]);
  });
});
