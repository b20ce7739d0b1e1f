import http from "node:http";
import type { AddressInfo } from "node:net";
import { monotonicMs } from "../../../lab/load/clock";
import { startLoad } from "../../../lab/load/start-load";
import { InvalidLoadOptionsError } from "../../../lab/load/options";
import { LoadTargetRefusedError } from "../../../lab/load/target";
import { failureReasons, summarize } from "../../../lab/load/stats";
import type { LoadOptions } from "../../../lab/load/types";

/** A throwaway server on an ephemeral loopback port; `handle` gets the 1-based arrival number. */
async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse, arrival: number) => void) {
  let arrivals = 0;
  const server = http.createServer((req, res) => {
    arrivals++;
    const arrival = arrivals;
    req.resume();
    req.on("end", () => handle(req, res, arrival));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    arrivals: () => arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls a condition (bounded) instead of sleeping a guessed duration. */
async function until(condition: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The demo app's shape: GET answers with the X-App-Version header, POST only with the JSON body's version. */
function demoApp(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader("content-type", "application/json");
  if (req.method === "GET") {
    res.setHeader("x-app-version", "v1");
    res.end(JSON.stringify({ version: "v1" }));
  } else {
    res.end(JSON.stringify({ version: "v1-from-body", path: req.url }));
  }
}

const base = { ratePerSecond: 400, postRatio: 0.25, maxDurationMs: 500 } satisfies Omit<LoadOptions, "url">;

describe("startLoad", () => {
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("GIVEN 400 req/s for 500 ms at a 25% POST share WHEN the run completes THEN 200 requests (50 POST) are recorded with their versions", async () => {
    const paths: string[] = [];
    server = await serve((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      demoApp(req, res);
    });
    const run = startLoad({ ...base, url: `${server.url}app?x=1`, postPath: "/echo" });
    await until(() => server!.arrivals() >= 200, "200 requests");
    const result = await run.stop();

    expect(result.samples).toHaveLength(200);
    expect(summarize(result.samples)).toMatchObject({ sent: 200, ok: 200, failed: 0 });
    const byMethodAndVersion = countBy(result.samples, (s) => `${s.method} ${s.version}`);
    expect(byMethodAndVersion).toEqual({ "GET v1": 150, "POST v1-from-body": 50 });
    expect(countBy(paths, (p) => p)).toEqual({ "GET /app?x=1": 150, "POST /echo": 50 });
    expect(server.arrivals()).toBe(200);
  });

  it("GIVEN a server that answers 503 to every 10th request and drops every 10th+5th connection WHEN loaded THEN both kinds of failure are counted", async () => {
    server = await serve((req, res, arrival) => {
      if (arrival % 10 === 0) {
        res.statusCode = 503;
        res.end("overloaded");
      } else if (arrival % 10 === 5) {
        req.socket.destroy();
      } else demoApp(req, res);
    });
    const run = startLoad({ ...base, url: server.url, ratePerSecond: 200 });
    await until(() => server!.arrivals() >= 100, "100 requests");
    const result = await run.stop();

    expect(server.arrivals()).toBe(100);
    expect(summarize(result.samples)).toMatchObject({ sent: 100, ok: 80, failed: 20, non2xx: 10, socketErrors: 10 });
    expect(failureReasons(result.samples)["status 503"]).toBe(10);
  });

  it("GIVEN 2 connections and a slow server WHEN loaded THEN requests keep being issued on schedule while none is answered (open model)", async () => {
    server = await serve((req, res) => setTimeout(() => demoApp(req, res), 50));
    const run = startLoad({ ...base, url: server.url, ratePerSecond: 200, maxDurationMs: 200, connections: 2 });
    const result = await settleAfterMaxDuration(run, 40);

    expect(summarize(result.samples)).toMatchObject({ sent: 40, ok: 40, failed: 0 });
    // A closed model would wait for an answer before issuing a third request; at 200 req/s against 50 ms answers
    // about 10 are issued before the first answer comes back.
    const firstAnswer = Math.min(...result.samples.map((s) => s.endMs));
    expect(result.samples.filter((s) => s.startMs < firstAnswer).length).toBeGreaterThanOrEqual(5);
  });

  it("GIVEN nothing listens on the port WHEN loaded THEN every request is a socket error", async () => {
    server = await serve(demoApp);
    const url = server.url;
    await server.close();
    server = undefined;
    const run = startLoad({ ...base, url, ratePerSecond: 100, maxDurationMs: 200 });
    const result = await settleAfterMaxDuration(run, 20);

    expect(summarize(result.samples)).toMatchObject({ sent: 20, ok: 0, socketErrors: 20 });
    expect(failureReasons(result.samples)).toEqual({ ECONNREFUSED: 20 });
  });

  it("GIVEN a server that never answers WHEN stopped early THEN every issued request is recorded as a timeout", async () => {
    const held: http.ServerResponse[] = [];
    server = await serve((_req, res) => held.push(res));
    const run = startLoad({ ...base, url: server.url, ratePerSecond: 100, maxDurationMs: 60_000, timeoutMs: 300 });
    await until(() => server!.arrivals() >= 5, "5 requests");
    const result = await run.stop();

    expect(result.samples.length).toBeGreaterThanOrEqual(5);
    expect(failureReasons(result.samples)).toEqual({ timeout: result.samples.length });
    expect(result.samples.every((s) => s.status === null)).toBe(true);
  });

  it("GIVEN maxDurationMs and no stop() WHEN the time is up THEN issuing stops by itself at the scheduled count", async () => {
    server = await serve(demoApp);
    const run = startLoad({ ...base, url: server.url, ratePerSecond: 200, maxDurationMs: 250 });
    const result = await settleAfterMaxDuration(run, 50);

    expect(result.samples).toHaveLength(50);
    expect(server.arrivals()).toBe(50);
  });

  it("GIVEN marks taken during a run WHEN stopped THEN they come back in order, on the same clock as the samples", async () => {
    const arrivedAt: number[] = [];
    server = await serve((req, res) => {
      arrivedAt.push(monotonicMs());
      demoApp(req, res);
    });
    const run = startLoad({ ...base, url: server.url, ratePerSecond: 100, maxDurationMs: 60_000 });
    await run.ready;
    await until(() => arrivedAt.length >= 3, "3 requests");
    const startedMarkAt = monotonicMs();
    run.mark("switch-started");
    await until(() => arrivedAt.length >= 6, "6 requests");
    run.mark("switch-done");
    const result = await run.stop();

    expect(result.marks.map((m) => m.label)).toEqual(["switch-started", "switch-done"]);
    const [started, done] = result.marks.map((m) => m.atMs);
    expect(done).toBeGreaterThan(started);
    // A request cannot arrive before it starts: whatever the server saw before the mark started before it.
    const arrivedBeforeMark = arrivedAt.filter((t) => t < startedMarkAt).length;
    const startedBeforeMark = result.samples.filter((s) => s.startMs < started).length;
    expect(arrivedBeforeMark).toBeGreaterThanOrEqual(3);
    expect(startedBeforeMark).toBeGreaterThanOrEqual(arrivedBeforeMark);
    expect(result.startedAt).toBeGreaterThan(Date.parse("2020-01-01"));
  });

  it("GIVEN a non-local URL WHEN started THEN it is refused before any thread or socket exists", () => {
    expect(() => startLoad({ ...base, url: "http://203.0.113.7/" })).toThrow(LoadTargetRefusedError);
  });

  it("GIVEN several bad options WHEN started THEN one error names each of them", () => {
    const attempt = () =>
      startLoad({ url: "http://127.0.0.1:1/", ratePerSecond: 0, postRatio: 1.5, maxDurationMs: -1, connections: 0.5, postPath: "echo" });
    expect(attempt).toThrow(InvalidLoadOptionsError);
    expect(attempt).toThrow(/ratePerSecond=0.*postRatio=1\.5.*connections=0\.5.*maxDurationMs=-1.*postPath="echo"/);
  });
});

/** Waits until the run has ended by itself, then collects it and checks it issued `expected` requests. */
async function settleAfterMaxDuration(run: ReturnType<typeof startLoad>, expected: number) {
  await run.settled;
  const result = await run.stop();
  if (result.samples.length !== expected) {
    throw new Error(`expected the run to end by itself after ${expected} requests, got ${result.samples.length}`);
  }
  return result;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

describe("long-lived requests beside the open-model load", () => {
  it("GIVEN slow GETs, uploads and two streams WHEN the load stops THEN each is one sample of its kind, the uploads carried their bytes and the streams ended from the client side", async () => {
    let uploaded = 0;
    const server = http.createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/events") {
        res.writeHead(200, { "content-type": "text/event-stream", "x-app-version": "v7" });
        const timer = setInterval(() => res.write("data: {}\n\n"), 20);
        res.on("close", () => clearInterval(timer));
        return;
      }
      req.on("data", (c: Buffer) => path === "/upload" && (uploaded += c.length));
      req.on("end", () => setTimeout(() => res.writeHead(200, { "x-app-version": "v7" }).end("{}"), path === "/slow" ? 50 : 0));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const run = startLoad({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 50, postRatio: 0, maxDurationMs: 5_000, longLived: { slowEveryMs: 100, uploadEveryMs: 100, uploadBytes: 1000, streams: 2 } });
      await run.ready;
      await new Promise((r) => setTimeout(r, 450));
      const { samples } = await run.stop();
      const of = (kind: string) => samples.filter((s) => s.kind === kind);
      expect(of("slow").length).toBeGreaterThan(0);
      expect(of("slow").every((s) => s.status === 200 && s.version === "v7")).toBe(true);
      expect(of("upload").every((s) => s.status === 200)).toBe(true);
      expect(uploaded).toBe(of("upload").length * 1000);
      expect(of("stream").map((s) => ({ status: s.status, end: s.streamEnd, someEvents: (s.events ?? 0) > 0 }))).toEqual([
        { status: 200, end: "client", someEvents: true },
        { status: 200, end: "client", someEvents: true },
      ]);
      expect(summarize(samples).failed).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
