import { spawn, ChildProcess } from "node:child_process";
import { createServer, request } from "node:http";
import { AddressInfo } from "node:net";
import { resolve } from "node:path";

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

  describe("long-lived requests and the failing mode", () => {
    const get = (port: number, path: string, method = "GET", body?: Buffer) =>
      new Promise<{ status: number; version?: string; body: string; type?: string }>((ok, fail) => {
        const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => {
            text += c.toString();
            // A stream never ends by itself: two events are enough.
            if (res.headers["content-type"] === "text/event-stream" && text.split("\n\n").length > 2) res.destroy();
          });
          const done = () => ok({ status: res.statusCode!, version: res.headers["x-app-version"] as string, body: text, type: res.headers["content-type"] });
          res.on("end", done);
          res.on("close", done);
        });
        req.on("error", fail);
        req.end(body);
      });

    it("GIVEN GET /slow?ms=300 WHEN answered THEN 200 with the version after the wait it names", async () => {
      app = await startApp({ APP_VERSION: "v2" });
      const r = await get(app.port, "/slow?ms=300");
      expect({ status: r.status, version: r.version, waited: JSON.parse(r.body).waitedMs }).toEqual({ status: 200, version: "v2", waited: 300 });
    });

    it("GIVEN a 1 MiB POST /upload WHEN answered THEN 200 with every byte counted", async () => {
      app = await startApp({ APP_VERSION: "v1" });
      const r = await get(app.port, "/upload", "POST", Buffer.alloc(1024 * 1024, 1));
      expect({ status: r.status, bytes: JSON.parse(r.body).bytes }).toEqual({ status: 200, bytes: 1024 * 1024 });
    });

    it("GIVEN GET /events WHEN read THEN a 200 text/event-stream carrying the version in each event", async () => {
      app = await startApp({ APP_VERSION: "v3" });
      const r = await get(app.port, "/events");
      expect({ status: r.status, type: r.type, version: r.version }).toEqual({ status: 200, type: "text/event-stream", version: "v3" });
      expect(r.body).toMatch(/^id: 1\ndata: \{"version":"v3","seq":1\}/);
    });

    it("GIVEN APP_MODE=fails-20-percent WHEN 10 requests and the health path are sent THEN exactly 2 of the 10 answer 500 and health stays 200", async () => {
      app = await startApp({ APP_VERSION: "bad", APP_MODE: "fails-20-percent" });
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await get(app.port, "/")).status);
      expect(statuses.filter((s) => s === 500)).toHaveLength(2);
      expect((await get(app.port, "/health")).status).toBe(200);
    });

    it("GIVEN an open stream and a slow request in flight WHEN SIGTERM THEN the slow request still gets 200 and the app exits 0", async () => {
      app = await startApp({ APP_VERSION: "v1" });
      const stream = get(app.port, "/events");
      const slowAnswer = get(app.port, "/slow?ms=400");
      await new Promise((r) => setTimeout(r, 100));
      app.child.kill("SIGTERM");
      expect((await slowAnswer).status).toBe(200);
      expect((await stream).status).toBe(200);
      expect(await exited(app.child)).toBe(0);
    });
  });
});
