import http from "node:http";
import type { AddressInfo } from "node:net";
import { monotonicMs } from "../../../lab/load/clock";
import { startLoad } from "../../../lab/load/start-load";
import { InvalidLoadOptionsError } from "../../../lab/load/options";
import { LoadTargetRefusedError } from "../../../lab/load/target";
import { STREAM_REOPEN_DELAY_MS } from "../../../lab/load/long-lived";
import { countsByKind, failureReasons, isShort, summarize } from "../../../lab/load/stats";
import type { LoadOptions, RequestKind, RequestSample } from "../../../lab/load/types";

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
    const byMethodAndVersion = countBy(result.samples, (s) => `${s.method} ${s.kind} ${s.version}`);
    expect(byMethodAndVersion).toEqual({ "GET get v1": 150, "POST post v1-from-body": 50 });
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


/** What a long-lived test server does per path; /slow gets the ?ms= the load asked for. */
interface LongLivedHandlers {
  slow?(res: http.ServerResponse, ms: number): void;
  upload?(res: http.ServerResponse, bytes: number): void;
  events?(req: http.IncomingMessage, res: http.ServerResponse, opened: number): void;
}

/** Every request's path, and a server in the demo app's shape unless a handler says otherwise. */
async function serveLongLived(handlers: LongLivedHandlers = {}) {
  const seen: string[] = [];
  let streamsOpened = 0;
  let uploaded = 0;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === "/events") {
      open.add(res);
      res.on("close", () => open.delete(res));
      return (handlers.events ?? eventsEvery(20))(req, res, ++streamsOpened);
    }
    let bytes = 0;
    req.on("data", (c: Buffer) => (bytes += c.length));
    req.on("end", () => {
      if (url.pathname === "/upload") {
        uploaded += bytes;
        return (handlers.upload ?? ((r) => answerV7(r)))(res, bytes);
      }
      if (url.pathname === "/slow") return (handlers.slow ?? ((r, ms) => setTimeout(() => answerV7(r), ms)))(res, Number(url.searchParams.get("ms")));
      answerV7(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    seen,
    uploaded: () => uploaded,
    streamsOpened: () => streamsOpened,
    openStreams: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answerV7(res: http.ServerResponse, status = 200): void {
  res.writeHead(status, { "content-type": "application/json", "x-app-version": "v7" }).end('{"version":"v7"}');
}

/** An endless event stream, one event every `ms`; `closeAfter` events, the server ends it. */
function eventsEvery(ms: number, closeAfter = Infinity) {
  return (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream", "x-app-version": "v7" });
    let sent = 0;
    const tick = () => {
      res.write(`data: {"version":"v7","seq":${++sent}}\n\n`);
      if (sent >= closeAfter) {
        clearInterval(timer);
        res.end();
      }
    };
    const timer = setInterval(tick, ms);
    tick();
    res.on("close", () => clearInterval(timer));
  };
}

const quiet = { ratePerSecond: 50, postRatio: 0.5, maxDurationMs: 5_000 } satisfies Omit<LoadOptions, "url">;

describe("long-lived requests beside the open-model load", () => {
  let server: Awaited<ReturnType<typeof serveLongLived>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const of = (samples: readonly RequestSample[], kind: RequestKind) => samples.filter((s) => s.kind === kind);

  it("GIVEN slow GETs, uploads and two streams WHEN the load stops THEN each is one sample of its kind, the uploads carried their bytes and the streams ended from the client side", async () => {
    server = await serveLongLived();
    const run = startLoad({ ...quiet, url: server.url, longLived: { slowEveryMs: 100, slowAnswerMs: 50, uploadEveryMs: 100, uploadBytes: 1000, streams: 2 } });
    await run.ready;
    await until(() => server!.seen.filter((p) => p === "POST /upload").length >= 3, "3 uploads");
    const { samples } = await run.stop();

    expect(of(samples, "slow").length).toBeGreaterThan(0);
    expect(of(samples, "slow").every((s) => s.status === 200 && s.version === "v7" && s.method === "GET")).toBe(true);
    expect(server.seen).toContain("GET /slow?ms=50");
    expect(of(samples, "upload").every((s) => s.status === 200 && s.method === "POST")).toBe(true);
    expect(server.uploaded()).toBe(of(samples, "upload").length * 1000);
    expect(of(samples, "stream").map((s) => ({ status: s.status, version: s.version, end: s.streamEnd, someEvents: (s.events ?? 0) > 0 }))).toEqual([
      { status: 200, version: "v7", end: "client", someEvents: true },
      { status: 200, version: "v7", end: "client", someEvents: true },
    ]);
    expect(samples.filter(isShort).every((s) => s.kind === (s.method === "POST" ? "post" : "get"))).toBe(true);
    expect(summarize(samples).failed).toBe(0);
  });

  it("GIVEN the server closes every stream after 3 events WHEN loaded THEN those are closures, not failures, and each stream is reopened", async () => {
    server = await serveLongLived({ events: eventsEvery(20, 3) });
    const run = startLoad({ ...quiet, url: server.url, longLived: { streams: 2 } });
    await until(() => server!.streamsOpened() >= 6, "6 streams opened");
    const { samples } = await run.stop();

    const streams = countsByKind(samples).stream;
    expect(streams.closedByServer).toBeGreaterThanOrEqual(4);
    expect(streams).toMatchObject({ failed: 0, ok: streams.sent, opened: streams.sent });
    expect(streams.sent).toBe(server.streamsOpened());
    expect(of(samples, "stream").filter((s) => s.streamEnd === "server-closed").every((s) => s.events === 3)).toBe(true);
  });

  it.each([
    {
      name: "answers 503",
      events: (_req: http.IncomingMessage, res: http.ServerResponse) => answerV7(res, 503),
      reasons: { "status 503": expect.any(Number) },
    },
    {
      name: "answers 200 and closes before any event",
      events: (_req: http.IncomingMessage, res: http.ServerResponse) => res.writeHead(200, { "content-type": "text/event-stream" }).end(),
      reasons: { "closed before any event": expect.any(Number) },
    },
    {
      name: "resets the connection before answering",
      events: (req: http.IncomingMessage) => req.socket.destroy(),
      reasons: { UND_ERR_SOCKET: expect.any(Number) },
    },
  ])("GIVEN a server that $name to /events WHEN loaded THEN each attempt is a failed stream, retried after a pause", async ({ events, reasons }) => {
    server = await serveLongLived({ events });
    const run = startLoad({ ...quiet, url: server.url, longLived: { streams: 1 } });
    await until(() => server!.streamsOpened() >= 3, "3 attempts");
    const { samples } = await run.stop();

    // Each attempt starts STREAM_REOPEN_DELAY_MS after the previous one failed: no busy loop against a failing server.
    const attempts = of(samples, "stream");
    const pauses = attempts.slice(1).map((s, i) => s.startMs - attempts[i].endMs);
    expect(Math.min(...pauses)).toBeGreaterThanOrEqual(STREAM_REOPEN_DELAY_MS - 5);
    expect(countsByKind(samples).stream).toMatchObject({ ok: 0, closedByServer: 0, failed: server.streamsOpened() });
    expect(failureReasons(of(samples, "stream"))).toEqual(reasons);
  });

  it("GIVEN timeoutMs 200 and slow answers after 300 ms WHEN loaded THEN the slow requests succeed: their deadline is timeoutMs + slowAnswerMs", async () => {
    server = await serveLongLived();
    const run = startLoad({ ...quiet, url: server.url, timeoutMs: 200, longLived: { slowEveryMs: 100, slowAnswerMs: 300 } });
    await until(() => server!.seen.filter((p) => p.startsWith("GET /slow")).length >= 2, "2 slow requests");
    const { samples } = await run.stop();

    const slow = of(samples, "slow");
    expect(slow.length).toBeGreaterThanOrEqual(2);
    expect(slow.every((s) => s.status === 200 && s.endMs - s.startMs >= 290)).toBe(true);
  });

  it("GIVEN a server that never answers /slow WHEN stopped THEN each slow request is a timeout after timeoutMs + slowAnswerMs", async () => {
    const held: http.ServerResponse[] = [];
    server = await serveLongLived({ slow: (res) => held.push(res) });
    const run = startLoad({ ...quiet, url: server.url, timeoutMs: 200, longLived: { slowEveryMs: 100, slowAnswerMs: 100 } });
    await until(() => held.length >= 1, "a slow request");
    const { samples } = await run.stop();

    const slow = of(samples, "slow");
    expect(failureReasons(slow)).toEqual({ timeout: slow.length });
    expect(slow.every((s) => s.endMs - s.startMs >= 290 && s.endMs - s.startMs < 1000)).toBe(true);
  });

  it("GIVEN one short-request connection and streams and slow requests holding sockets WHEN loaded THEN the short requests never wait for them", async () => {
    server = await serveLongLived();
    const run = startLoad({ ...quiet, url: server.url, connections: 1, timeoutMs: 1000, longLived: { streams: 3, slowEveryMs: 50, slowAnswerMs: 1000 } });
    const shortArrived = () => server!.seen.filter((p) => p === "GET /" || p === "POST /echo").length;
    await until(() => server!.openStreams() >= 3 && shortArrived() >= 20, "20 short requests beside 3 streams");
    const { samples } = await run.stop();

    const short = samples.filter(isShort);
    expect(summarize(short)).toMatchObject({ failed: 0 });
    expect(summarize(short).maxMs).toBeLessThan(500);
    expect(countsByKind(samples)).toMatchObject({ slow: { failed: 0 }, stream: { sent: 3, ok: 3 } });
  });
});
