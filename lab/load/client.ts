import { Pool } from "undici";
import { assertLabTarget } from "./target";
import type { LoadTlsOptions } from "./types";

/**
 * What the open-model loop (engine.ts) and the long-lived requests (long-lived.ts) share: how a pool to the
 * target is built and how an answer or an error is read.
 */

/**
 * Idle sockets close well before the server would (HAProxy's http-keep-alive and Node's keepAliveTimeout are 5 s),
 * so a reused socket is never one the server is closing: that race would be a failure the cutover did not cause.
 */
export const IDLE_SOCKET_MS = 2_000;

/**
 * A keep-alive pool to the target's origin. The target is checked again here (loopback or 198.18.0.0/15), so no
 * pool can ever point elsewhere. `connections: null` means one socket per request in flight.
 */
export function labPool(url: string, connections: number | null, connectTimeoutMs: number, tls?: LoadTlsOptions): Pool {
  return new Pool(assertLabTarget(url).origin, {
    connections,
    // HTTP/1.1 even over TLS (undici's default ALPN): each request is its own exchange, as the open model counts it.
    ...(tls ? { connect: { ca: tls.ca, servername: tls.servername } } : {}),
    pipelining: 1,
    connectTimeout: connectTimeoutMs,
    // The caller's own per-request deadline governs; undici's phase timers would only muddle it.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: IDLE_SOCKET_MS,
    keepAliveMaxTimeout: IDLE_SOCKET_MS,
  });
}

/** The X-App-Version header, if the answer carried one. */
export function headerVersion(headers: Record<string, string | string[] | undefined>): string | undefined {
  const header = headers["x-app-version"];
  return (Array.isArray(header) ? header[0] : header) || undefined;
}

/** The JSON body's "version", if it is JSON and has one. */
export function versionFromBody(text: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && "version" in parsed && typeof parsed.version === "string") return parsed.version;
  } catch {
    // Not JSON: the version stays unknown, which the caller's assertions will notice.
  }
  return undefined;
}

/** An error as a short code: "ECONNRESET", "UND_ERR_SOCKET", else the error's name. */
export function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === "string" && code) return code;
    if (typeof name === "string" && name) return name;
  }
  return String(error);
}
