"use strict";
/**
 * The lab's demo app: Node's own http module, no dependencies, so the image is the node binary,
 * its libraries, busybox and this file. Behaviour comes from the environment:
 *   APP_VERSION  reported in every response (JSON "version" and the X-App-Version header)
 *   APP_MODE     ok | health-fails (health path answers 500) | exits-at-start (exit 1 at once)
 *   PORT         listen port (default 8080); APP_HEALTH_PATH (default /health)
 * On SIGTERM it stops accepting, lets in-flight requests finish, closes idle keep-alive
 * connections and exits 0, which is what makes a drain-then-stop lossless.
 */
const http = require("node:http");
const os = require("node:os");

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

function send(res, status, body) {
  const payload = JSON.stringify(body);
  const headers = { "content-type": "application/json", "content-length": Buffer.byteLength(payload), "x-app-version": version };
  if (shuttingDown) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(payload);
}

const server = http.createServer((req, res) => {
  const path = (req.url || "/").split("?")[0];
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
  // A client holding a keep-alive connection open without using it must not delay the exit forever.
  setTimeout(() => process.exit(0), 8000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
