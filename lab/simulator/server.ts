/**
 * Wires the pieces into one node:http server. The order of checks for /v2 mirrors what a client
 * of DigitalOcean observes: authentication, then the rate limit, then (injected) faults, then the route.
 * /_lab/* is the control plane for tests and the lab: no token, no rate limit, not in the request log.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ActionRunner } from "./action-runner";
import { ApiProblem, errorIdForStatus } from "./api-problem";
import { FaultInjector } from "./faults";
import { bearerToken, readJsonBody, sendJson } from "./http";
import { labRoutes, type LabContext } from "./lab-routes";
import { resolveOptions } from "./options";
import { RateLimiter } from "./rate-limiter";
import { RequestLog } from "./request-log";
import { matchRoute } from "./router";
import { apiRoutes } from "./routes";
import { SimulatorStore } from "./store";
import type { FaultSpec, RunningSimulator, SimulatorOptions, SimulatorState } from "./types";

/** Seconds a client is told to wait after an injected 429 unless the fault says otherwise. */
const DEFAULT_FAULT_RETRY_AFTER_SECONDS = 1;

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const o = resolveOptions(options);
  const store = new SimulatorStore(o);
  const runner = new ActionRunner(store, o.mover, o.actionDelayMs);
  const limiter = new RateLimiter(o.rateLimit);
  const faults = new FaultInjector();
  const log = new RequestLog(o.requestLogFile);
  const tokenDigest = digest(o.token);

  const state = (): SimulatorState => ({ ...store.snapshot(), pendingFaults: faults.pending() });

  const server = createServer((req, res) => {
    const url = requestUrl(req);
    if (!url) {
      sendJson(res, 400, {}, { id: "bad_request", message: "malformed request URL or Host header", request_id: randomUUID() });
      return;
    }
    if (url.pathname.startsWith("/_lab/")) {
      void serveLab(req, res, url, { state, log, faults, store });
      return;
    }
    const arrivedAt = new Date();
    const started = performance.now();
    // Recorded in the same tick as the response is written, so a client that has its answer
    // always finds the request in the log.
    const record = (status: number, body?: unknown) =>
      log.add({
        at: arrivedAt.toISOString(),
        method: req.method ?? "GET",
        path: url.pathname + url.search,
        status,
        ms: Math.round((performance.now() - started) * 1000) / 1000,
        ...(body === undefined ? {} : { body }),
      });
    void serveApi(req, res, url, record);
  });

  async function serveApi(req: IncomingMessage, res: ServerResponse, url: URL, record: (status: number, body?: unknown) => void): Promise<void> {
    const requestId = randomUUID();
    const method = req.method ?? "GET";
    const token = bearerToken(req.headers.authorization);
    let headers: Record<string, string> = {};
    let body: unknown;
    try {
      if (token === null || !timingSafeEqual(digest(token), tokenDigest)) {
        headers = limiter.peek("(unauthenticated)");
        throw new ApiProblem(401, "unauthorized", "Unable to authenticate you.");
      }
      const decision = limiter.take(token);
      headers = decision.headers;
      if (!decision.allowed) {
        throw new ApiProblem(429, "too_many_requests", "API Rate limit exceeded.");
      }
      const fault = faults.take(method, url.pathname);
      if (fault) {
        if (fault.status === 429) headers = limiter.throttled(token, fault.retryAfterSeconds ?? DEFAULT_FAULT_RETRY_AFTER_SECONDS);
        throw new ApiProblem(fault.status, errorIdForStatus(fault.status), `Injected fault: ${fault.status} for ${method} ${url.pathname}.`);
      }
      const match = url.pathname.startsWith("/v2/") ? matchRoute(apiRoutes, method, url.pathname) : null;
      if (!match) throw ApiProblem.notFound();
      body = await readJsonBody(req);
      const reply = await match.handler({ url, params: match.params, body, store, runner });
      sendJson(res, reply.status, headers, reply.body);
      record(reply.status, body);
    } catch (error) {
      const problem =
        error instanceof ApiProblem ? error : new ApiProblem(500, "server_error", `simulator error: ${(error as Error).message}`);
      sendJson(res, problem.status, headers, { id: problem.id, message: problem.message, request_id: requestId });
      record(problem.status, body);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    stop: async () => {
      runner.stop();
      await closeServer(server);
      await log.close();
    },
    requests: () => log.all(),
    clearRequests: () => log.clear(),
    injectFaults: (f: FaultSpec) => faults.add(f),
    state,
    domains: () => store.listDomains(),
  };
}

async function serveLab(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  lab: Omit<LabContext, "body" | "params">,
): Promise<void> {
  try {
    const match = matchRoute(labRoutes, req.method ?? "GET", url.pathname);
    if (!match) throw ApiProblem.notFound();
    const body = await readJsonBody(req);
    const reply = await match.handler({ ...lab, params: match.params, body });
    sendJson(res, reply.status, {}, reply.body);
  } catch (error) {
    const problem = error instanceof ApiProblem ? error : new ApiProblem(500, "server_error", (error as Error).message);
    sendJson(res, problem.status, {}, { id: problem.id, message: problem.message, request_id: randomUUID() });
  }
}

/** Pagination links use the address the client used (loopback or a lab namespace address). */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  } catch {
    return null;
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
