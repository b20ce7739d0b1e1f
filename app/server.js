"use strict";
// The example web app the pipeline builds and the switch deploys. Replace app/ with your own
// app; keep the two things the switch relies on: it listens on $PORT and answers
// GET $APP_HEALTH_PATH with 200 once it can serve traffic.
const http = require("node:http");

const version = process.env.APP_VERSION || "dev";
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "0.0.0.0";
const healthPath = process.env.APP_HEALTH_PATH || "/health";

function reply(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(json),
    "x-app-version": version,
  });
  res.end(json);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url || "/", "http://app").pathname;
  if (req.method === "GET" && path === healthPath) return reply(res, 200, { version, status: "ok" });
  if (req.method === "GET" && path === "/") return reply(res, 200, { version, hostname: require("node:os").hostname() });
  return reply(res, 404, { version, error: "not found" });
});

// Node as PID 1 ignores SIGTERM unless it is handled. Finishing in-flight requests before exiting
// is what lets the switch stop the old container without dropping a request.
function shutdown() {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

server.listen(port, host, () => {
  const address = server.address();
  console.log(`listening on ${address.address}:${address.port} version ${version}`);
});
