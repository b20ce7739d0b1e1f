"use strict";
/**
 * The lab's demo app: Node's own http module, no dependencies, so the image is the node binary,
 * its libraries, busybox and this file. Behaviour comes from the environment:
 *   APP_VERSION  reported in every response (JSON "version" and the X-App-Version header)
 *   APP_MODE     ok | health-fails (health path answers 500) | exits-at-start (exit 1 at once)
 *                | fails-20-percent (health path fine, every 5th other request answers 500)
 *   PORT         listen port (default 8080); APP_HEALTH_PATH (default /health)
 * Configuration (lab/demo-app/bluegreen.config.ts): GET /config says whether DEMO_GREETING (clear) and DEMO_API_KEY
 * (secret) are set, never their values, and serves the schema version that `server.js migrate` (the preSwitch hook)
 * wrote into the /data volume.
 * Long-lived requests, for loads that span a flip: GET /slow answers after 5 s (?ms=N, at most 30 s),
 * POST /upload streams a body of any size and answers its byte count, GET /events is a server-sent-events
 * stream with one event every 250 ms until the client leaves.
 * GET /forwarded answers the X-Forwarded-Proto and X-Forwarded-For headers the request arrived with.
 * On SIGTERM it stops accepting, lets in-flight requests (slow ones and uploads included) finish,
 * ends open event streams cleanly (they would never finish), closes idle keep-alive connections and
 * exits 0, which is what makes a drain-then-stop lossless.
 */
const http = require("node:http");
const os = require("node:os");
const fs = require("node:fs");

// The app's volume (lab/demo-app/bluegreen.config.ts): the preSwitch hook writes the schema version here.
const DATA_DIR = process.env.DEMO_DATA_DIR || "/data";
const SCHEMA_FILE = `${DATA_DIR}/schema-version`;

/** `server.js migrate`: the demo's preSwitch hook, run in a one-off container of the new release. */
if (process.argv[2] === "migrate") {
  const target = process.env.DEMO_SCHEMA_VERSION || "1";
  const how = process.env.DEMO_MIGRATION || "ok";
  console.log(`migrate: schema ${readSchema() ?? "none"} -> ${target}`);
  if (how === "fail") {
    console.error("migrate: ERROR relation \"orders\" already exists (DEMO_MIGRATION=fail)");
    process.exit(1);
  }
  if (how === "hang") {
    console.log("migrate: waiting for a lock that never frees (DEMO_MIGRATION=hang)");
    // Blocks this thread for good, so nothing below (the server) ever starts.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  } else {
    fs.mkdirSync(DATA_DIR, { recursive: true });
    fs.writeFileSync(`${SCHEMA_FILE}.tmp`, `${target}\n`);
    fs.renameSync(`${SCHEMA_FILE}.tmp`, SCHEMA_FILE);
    console.log(`migrate: done, schema ${target}`);
    process.exit(0);
  }
}

function readSchema() {
  try {
    return fs.readFileSync(SCHEMA_FILE, "utf8").trim();
  } catch {
    return null;
  }
}

const version = process.env.APP_VERSION || "v1";
const mode = process.env.APP_MODE || "ok";
const port = Number(process.env.PORT || 8080);
const healthPath = process.env.APP_HEALTH_PATH || "/health";
const startedAt = new Date().toISOString();

if (mode === "exits-at-start") {
  console.error(`demo ${version}: APP_MODE=exits-at-start, exiting with status 1`);
  process.exit(1);
}

let shuttingDown = false;
let served = 0;
const streams = new Set();
const SLOW_DEFAULT_MS = 5000;
const SLOW_MAX_MS = 30000;
const EVENT_EVERY_MS = 250;

function send(res, status, body) {
  const payload = JSON.stringify(body);
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "x-app-version": version };
  if (shuttingDown) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(payload);
}

function slow(req, res, path) {
  const asked = Number(new URL(req.url || "/", "http://x").searchParams.get("ms"));
  const ms = Number.isFinite(asked) && asked > 0 ? Math.min(asked, SLOW_MAX_MS) : SLOW_DEFAULT_MS;
  setTimeout(() => send(res, 200, { version, path, waitedMs: ms }), ms);
}

function upload(req, res, path) {
  let bytes = 0;
  req.on("data", (c) => (bytes += c.length));
  req.on("end", () => send(res, 200, { version, method: "POST", path, bytes }));
}

function events(res) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-app-version": version });
  let seq = 0;
  const tick = () => res.write(`id: ${++seq}\ndata: ${JSON.stringify({ version, seq })}\n\n`);
  tick();
  const timer = setInterval(tick, EVENT_EVERY_MS);
  const socket = res.socket;
  // Ending the response leaves a keep-alive socket that would hold up server.close(): close it too.
  const stream = { end: () => (clearInterval(timer), res.end(() => socket && socket.end())) };
  streams.add(stream);
  res.on("close", () => (clearInterval(timer), streams.delete(stream)));
  // A stream asked for after shutdown began (a request already on an open connection) gets its first event only.
  if (shuttingDown) stream.end();
}

const server = http.createServer((req, res) => {
  const path = (req.url || "/").split("?")[0];
  if (path !== healthPath && mode === "fails-20-percent" && ++served % 5 === 0) {
    req.resume();
    return send(res, 500, { version, error: "injected failure (APP_MODE=fails-20-percent)" });
  }
  if (req.method === "POST" && path === "/upload") return upload(req, res, path);
  if (req.method === "GET" && path === "/slow") return slow(req, res, path);
  if (req.method === "GET" && path === "/events") return events(res);
  if (req.method === "POST") {
    const chunks = [];
    let bytes = 0;
    req.on("data", (c) => {
      bytes += c.length;
      if (bytes <= 65536) chunks.push(c);
    });
    req.on("end", () => send(res, 200, { version, method: "POST", path, bytes, echo: Buffer.concat(chunks).toString("utf8") }));
    return;
  }
  if (path === healthPath) {
    if (mode === "health-fails") return send(res, 500, { version, status: "failing" });
    return send(res, 200, { version, status: "ok" });
  }
  if (req.method === "GET" || req.method === "HEAD") {
    if (path === "/") return send(res, 200, { version, hostname: os.hostname(), startedAt });
    // What the balancer told the app about the client: the HTTPS tests check a spoofed header never gets through.
    if (path === "/forwarded")
      return send(res, 200, { version, proto: req.headers["x-forwarded-proto"] || null, for: req.headers["x-forwarded-for"] || null });
    // Whether each setting arrived, never its value: the demo shows configuration without leaking it.
    if (path === "/config")
      return send(res, 200, { version, startedAt, greetingSet: !!process.env.DEMO_GREETING, apiKeySet: !!process.env.DEMO_API_KEY, schemaVersion: readSchema() });
    return send(res, 404, { version, error: "not found", path });
  }
  send(res, 405, { version, error: "method not allowed" });
});

server.keepAliveTimeout = 65_000;
server.listen(port, "0.0.0.0", () => console.log(`demo ${version} (${mode}) listening on :${port}`));

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`demo ${version}: ${signal}, finishing in-flight requests`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  // A stream never ends by itself: end them cleanly so that the slow requests and uploads alone decide the exit.
  for (const stream of streams) stream.end();
  // A client holding a keep-alive connection open without using it must not delay the exit forever.
  setTimeout(() => process.exit(0), 8000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
