import { spawn, ChildProcess } from "node:child_process";
import { createServer, request } from "node:http";
import { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { IMAGE_VARIANTS, type AppMode } from "../../../lab/images/variants";

/** The demo app as the image runs it: `node server.js` with env, here on loopback. */
const SERVER = resolve(__dirname, "../../../lab/demo-app/server.js");

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => ok(port));
    });
  });
}

async function startApp(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, PORT: String(port), ...env }, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((ok, fail) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("listening") && ok());
    child.on("exit", (code) => fail(new Error(`app exited ${code}`)));
  });
  return { child, port };
}

const exited = (child: ChildProcess) => new Promise<number | null>((ok) => (child.exitCode !== null ? ok(child.exitCode) : child.on("exit", (code) => ok(code))));

describe("the demo app", () => {
  let app: { child: ChildProcess; port: number } | undefined;
  afterEach(async () => {
    if (app && app.child.exitCode === null) {
      app.child.kill("SIGKILL");
      await exited(app.child);
    }
    app = undefined;
  });

  it("GIVEN APP_VERSION=v2 WHEN GET / THEN 200 JSON with the version and X-App-Version", async () => {
    app = await startApp({ APP_VERSION: "v2" });
    const res = await fetch(`http://127.0.0.1:${app.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-app-version")).toBe("v2");
    expect(await res.json()).toMatchObject({ version: "v2" });
  });

  it.each([
    ["ok", 200, "ok"],
    ["health-fails", 500, "failing"],
  ])("GIVEN APP_MODE=%s WHEN GET /health THEN %i with status %p", async (mode, status, text) => {
    app = await startApp({ APP_VERSION: "v1", APP_MODE: mode });
    const res = await fetch(`http://127.0.0.1:${app.port}/health`);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ version: "v1", status: text });
  });

  it("GIVEN any POST THEN 200 with the body echoed and the version", async () => {
    app = await startApp({ APP_VERSION: "v1" });
    const res = await fetch(`http://127.0.0.1:${app.port}/echo`, { method: "POST", body: '{"n":1}' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: "v1", method: "POST", path: "/echo", echo: '{"n":1}' });
  });

  it("GIVEN APP_MODE=exits-at-start WHEN started THEN it exits 1 at once", async () => {
    const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, APP_MODE: "exits-at-start", PORT: String(await freePort()) }, stdio: "ignore" });
    expect(await exited(child)).toBe(1);
  });

  it("GIVEN a request in flight WHEN SIGTERM arrives THEN that request is still answered and the app exits 0", async () => {
    app = await startApp({ APP_VERSION: "v1" });
    const { port, child } = app;
    // A POST whose body is still arriving is in flight until we end it.
    const answer = new Promise<{ status: number; body: string }>((ok, fail) => {
      const req = request({ host: "127.0.0.1", port, method: "POST", path: "/slow", headers: { "content-length": "4" } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => ok({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", fail);
      req.write("ab");
      setTimeout(() => {
        child.kill("SIGTERM");
        setTimeout(() => req.end("cd"), 200);
      }, 100);
    });
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ echo: "abcd" });
    expect(await exited(child)).toBe(0);
  });

  it("GIVEN SIGTERM WHEN a new connection is attempted THEN it is refused", async () => {
    app = await startApp({ APP_VERSION: "v1" });
    app.child.kill("SIGTERM");
    expect(await exited(app.child)).toBe(0);
    await expect(fetch(`http://127.0.0.1:${app.port}/`)).rejects.toThrow();
  });
});

interface Answer {
  readonly status: number;
  readonly version: string | undefined;
  readonly type: string | undefined;
  readonly json: Record<string, unknown>;
}

/** One request; `body` is written whole, or in two halves around `between` (which runs while the request is in flight). */
function call(port: number, method: string, path: string, body?: Buffer, between?: () => Promise<void>): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers: body ? { "content-length": String(body.length) } : {} }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () =>
        ok({ status: res.statusCode ?? 0, version: res.headers["x-app-version"] as string | undefined, type: res.headers["content-type"], json: text ? JSON.parse(text) : {} }),
      );
    });
    req.on("error", fail);
    if (!body) return void req.end();
    if (!between) return void req.end(body);
    req.write(body.subarray(0, body.length / 2));
    void between().then(() => req.end(body.subarray(body.length / 2)), fail);
  });
}

interface StreamRead {
  readonly status: number;
  readonly version: string | undefined;
  readonly type: string | undefined;
  /** The data lines, parsed. */
  readonly events: { version: string; seq: number; atMs: number }[];
  /** True when the app ended the response (a complete chunked body), false when the connection broke. */
  readonly endedCleanly: boolean;
  readonly endedAt: number;
}

/** Reads GET /events until the app ends it, or until `stopAfter` events (then we close it). */
function readEvents(port: number, stopAfter = Infinity): { firstEvent: Promise<void>; done: Promise<StreamRead> } {
  let firstEvent!: () => void;
  const first = new Promise<void>((ok) => (firstEvent = ok));
  const done = new Promise<StreamRead>((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path: "/events" }, (res) => {
      const events: StreamRead["events"] = [];
      let pending = "";
      const finish = (endedCleanly: boolean) =>
        ok({ status: res.statusCode ?? 0, version: res.headers["x-app-version"] as string | undefined, type: res.headers["content-type"], events, endedCleanly, endedAt: Date.now() });
      res.on("data", (c: Buffer) => {
        const parts = (pending + c.toString()).split("\n\n");
        pending = parts.pop() ?? "";
        for (const part of parts) {
          const data = part.split("\n").find((line) => line.startsWith("data: "));
          if (data) events.push({ ...JSON.parse(data.slice("data: ".length)), atMs: Date.now() });
        }
        if (events.length > 0) firstEvent();
        if (events.length >= stopAfter) {
          res.destroy();
          finish(false);
        }
      });
      res.on("end", () => finish(res.complete));
      res.on("aborted", () => finish(false));
    });
    req.on("error", fail);
    req.end();
  });
  return { firstEvent: first, done };
}

/** What each mode's health path answers; a Record, so a new AppMode without a row does not compile. */
const HEALTH_BY_MODE: Record<AppMode, number | "exits"> = { ok: 200, "health-fails": 500, "exits-at-start": "exits", "fails-20-percent": 200 };

describe("the demo app's image variants", () => {
  let app: { child: ChildProcess; port: number } | undefined;
  afterEach(async () => {
    if (app && app.child.exitCode === null) {
      app.child.kill("SIGKILL");
      await exited(app.child);
    }
    app = undefined;
  });

  it.each(IMAGE_VARIANTS.filter((v) => HEALTH_BY_MODE[v.mode] !== "exits").map((v) => [v.tag, v] as const))(
    "GIVEN variant %s's env WHEN its health path is asked THEN it answers as its mode says, with its version",
    async (_tag, variant) => {
      app = await startApp({ APP_VERSION: variant.version, APP_MODE: variant.mode });
      const answer = await call(app.port, "GET", "/health");
      expect({ status: answer.status, version: answer.version }).toEqual({ status: HEALTH_BY_MODE[variant.mode], version: variant.version });
    },
  );

  it("GIVEN the variants THEN fails-20-percent is one, with its own version", () => {
    expect(IMAGE_VARIANTS.find((v) => v.tag === "fails-20-percent")).toMatchObject({ version: "fails-20-percent", mode: "fails-20-percent" });
  });
});

describe("the demo app's long-lived requests and failing mode", () => {
  let app: { child: ChildProcess; port: number } | undefined;
  afterEach(async () => {
    if (app && app.child.exitCode === null) {
      app.child.kill("SIGKILL");
      await exited(app.child);
    }
    app = undefined;
  });

  it.each([
    { path: "/slow?ms=300", waited: 300 },
    { path: "/slow", waited: 5000 },
  ])(
    "GIVEN GET $path WHEN answered THEN 200 with the version after $waited ms",
    async ({ path, waited }) => {
      app = await startApp({ APP_VERSION: "v2" });
      const sentAt = Date.now();
      const answer = await call(app.port, "GET", path);
      expect({ status: answer.status, version: answer.version, json: answer.json }).toEqual({ status: 200, version: "v2", json: { version: "v2", path: "/slow", waitedMs: waited } });
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(waited - 5);
    },
    10_000,
  );

  it.each([0, 1, 1024 * 1024, 8 * 1024 * 1024 + 3])("GIVEN a POST /upload of %i bytes WHEN answered THEN 200 with every byte counted and the version", async (size) => {
    app = await startApp({ APP_VERSION: "v1" });
    const answer = await call(app.port, "POST", "/upload", Buffer.alloc(size, 1));
    expect({ status: answer.status, version: answer.version, json: answer.json }).toEqual({ status: 200, version: "v1", json: { version: "v1", method: "POST", path: "/upload", bytes: size } });
  });

  it("GIVEN POST /echo WHEN an upload path exists THEN echo still echoes", async () => {
    app = await startApp({ APP_VERSION: "v1" });
    const answer = await call(app.port, "POST", "/echo", Buffer.from("hello"));
    expect(answer.json).toMatchObject({ path: "/echo", bytes: 5, echo: "hello" });
  });

  it("GIVEN GET /events WHEN read for 3 events THEN a 200 text/event-stream whose every event carries the version, about 250 ms apart", async () => {
    app = await startApp({ APP_VERSION: "v3" });
    const stream = await readEvents(app.port, 3).done;
    expect({ status: stream.status, type: stream.type, version: stream.version }).toEqual({ status: 200, type: "text/event-stream", version: "v3" });
    expect(stream.events.map(({ version, seq }) => ({ version, seq }))).toEqual([1, 2, 3].map((seq) => ({ version: "v3", seq })));
    const gaps = stream.events.slice(1).map((e, i) => e.atMs - stream.events[i].atMs);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(150);
    expect(Math.max(...gaps)).toBeLessThan(1000);
  });

  it.each([
    { name: "ten requests", paths: ["/", "/", "/", "/", "/", "/", "/", "/", "/", "/"], failing: [5, 10] },
    { name: "health checks in between, which are not counted", paths: ["/health", "/", "/health", "/", "/", "/", "/health", "/"], failing: [8] },
    { name: "every kind of request, which all count", paths: ["/", "POST /echo", "/slow?ms=1", "POST /upload", "/missing", "/"], failing: [5] },
  ])("GIVEN APP_MODE=fails-20-percent and $name WHEN sent one by one THEN exactly requests $failing answer 500, with the version", async ({ paths, failing }) => {
    app = await startApp({ APP_VERSION: "bad", APP_MODE: "fails-20-percent" });
    const answers: Answer[] = [];
    for (const path of paths) {
      const [method, target] = path.startsWith("POST ") ? ["POST", path.slice(5)] : ["GET", path];
      answers.push(await call(app.port, method, target, method === "POST" ? Buffer.from("x") : undefined));
    }
    const failed = answers.flatMap((a, i) => (a.status === 500 ? [i + 1] : []));
    expect(failed).toEqual(failing);
    expect(answers.every((a) => a.version === "bad")).toBe(true);
    expect(answers.filter((a) => a.status !== 500).every((a) => a.status === 200 || a.status === 404)).toBe(true);
  });

  it("GIVEN an open stream, a slow request and a half-sent upload WHEN SIGTERM arrives THEN the stream is ended cleanly at once, the other two still get 200 and the app exits 0", async () => {
    app = await startApp({ APP_VERSION: "v1" });
    const { port, child } = app;
    const stream = readEvents(port);
    await stream.firstEvent;
    const slow = call(port, "GET", "/slow?ms=800");
    let signalledAt = 0;
    const upload = call(port, "POST", "/upload", Buffer.alloc(1024 * 1024, 7), async () => {
      await new Promise((r) => setTimeout(r, 100));
      signalledAt = Date.now();
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
    });

    const ended = await stream.done;
    expect({ status: ended.status, endedCleanly: ended.endedCleanly, versions: [...new Set(ended.events.map((e) => e.version))] }).toEqual({ status: 200, endedCleanly: true, versions: ["v1"] });
    expect(ended.endedAt - signalledAt).toBeLessThan(300);
    expect(await slow).toMatchObject({ status: 200, version: "v1" });
    expect(await upload).toMatchObject({ status: 200, json: { bytes: 1024 * 1024 } });
    expect(await exited(child)).toBe(0);
    // The app exits once the slow request is answered, not at its 8 s backstop.
    expect(Date.now() - signalledAt).toBeLessThan(3000);
  });
});

describe("the demo app's configuration and migration hook", () => {
  const { mkdtempSync, readFileSync } = require("node:fs") as typeof import("node:fs");
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const { tmpdir } = require("node:os") as typeof import("node:os");
  const dataDir = mkdtempSync(`${tmpdir()}/demo-data-`);
  const migrate = (env: Record<string, string>) =>
    spawnSync(process.execPath, [SERVER, "migrate"], { env: { PATH: process.env.PATH, DEMO_DATA_DIR: dataDir, ...env }, encoding: "utf8", timeout: 3000 });

  it.each([
    ["ok", 0, "3"],
    ["fail", 1, "3"],
  ])("GIVEN DEMO_MIGRATION=%s WHEN `server.js migrate` runs THEN it exits %s and the volume holds schema %s", (how, code, schema) => {
    const run = migrate({ DEMO_SCHEMA_VERSION: how === "ok" ? "3" : "9", DEMO_MIGRATION: how });
    expect(run.status).toBe(code);
    expect(readFileSync(`${dataDir}/schema-version`, "utf8").trim()).toBe(schema);
  });

  it("GIVEN DEMO_MIGRATION=hang WHEN `server.js migrate` runs THEN it never exits by itself", () => {
    const run = migrate({ DEMO_MIGRATION: "hang" });
    expect(run.signal).toBe("SIGTERM");
  });

  it("GIVEN a clear value, a secret and a migrated volume WHEN GET /config THEN it says whether each is set and the schema, never a value", async () => {
    const { child, port } = await startApp({ DEMO_GREETING: "hello-there", DEMO_API_KEY: "s3cr3t-value-xyz", DEMO_DATA_DIR: dataDir });
    try {
      const body = await new Promise<string>((ok, fail) =>
        request({ host: "127.0.0.1", port, path: "/config" }, (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => ok(text));
        })
          .on("error", fail)
          .end(),
      );
      expect(JSON.parse(body)).toMatchObject({ greetingSet: true, apiKeySet: true, schemaVersion: "3" });
      expect(body).not.toContain("hello-there");
      expect(body).not.toContain("s3cr3t");
    } finally {
      child.kill("SIGKILL");
      await exited(child);
    }
  });
});
