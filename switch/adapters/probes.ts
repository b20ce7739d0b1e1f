import { request } from "node:http";
import { isIP } from "node:net";
import { Agent, fetch as undiciFetch } from "undici";
import type { Duplex } from "node:stream";
import type { Config } from "../../core/config";
import { ExternalError } from "../../core/errors";
import { Droplet, ownAddress } from "../model";
import type { HealthAnswer, HealthProbe, PublicProbe } from "../ports";
import type { SshPool } from "./ssh";

const PROBE_TIMEOUT_MS = 5000;

/** What the app says it is: the X-App-Version header, else a JSON body's "version" (see docs/decisions/0203). */
export function versionOf(headers: { get(name: string): string | null }, body: string): string | undefined {
  const header = headers.get("x-app-version");
  if (header) return header.trim();
  try {
    const json = JSON.parse(body) as { version?: unknown };
    return typeof json?.version === "string" || typeof json?.version === "number" ? String(json.version) : undefined;
  } catch {
    return undefined;
  }
}

/** GET over an already-open stream (an SSH forward): one request, then the stream is closed. */
export function getOverStream(stream: Duplex, host: string, port: number, path: string): Promise<HealthAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port, path, method: "GET", headers: { host: `${host}:${port}`, connection: "close" }, createConnection: () => stream as never, timeout: PROBE_TIMEOUT_MS },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c.length + body.length > 65536 ? "" : c));
        res.on("end", () => {
          const headers = { get: (n: string) => (res.headers[n.toLowerCase()] as string | undefined) ?? null };
          resolve({ status: res.statusCode ?? 0, version: versionOf(headers, body), body });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Probes the app from the droplet itself, through an SSH forward: the cloud firewall keeps the app port closed to the runner. */
export class SshHealthProbe implements HealthProbe {
  constructor(private readonly pool: SshPool, private readonly config: Pick<Config, "app">) {}

  async probe(droplet: Droplet, path: string): Promise<HealthAnswer> {
    const address = ownAddress(droplet);
    const stream = await (await this.pool.get(droplet)).forwardOut(address, this.config.app.port);
    try {
      return await getOverStream(stream, address, this.config.app.port, path);
    } finally {
      stream.destroy();
    }
  }
}

/**
 * An https URL naming an address (the balancer's, when SWITCH_PUBLIC_URL is empty) cannot match any certificate's names,
 * so its certificate is not checked there: what verification decides is which release answers, and a certificate
 * problem (still pending, say) must never roll back a good release; `status` reports the certificate. A URL naming a
 * host is checked as a browser would.
 */
const addressDispatcher = new Agent({ connect: { rejectUnauthorized: false } });

/** The public entry, as a user sees it. */
export class HttpPublicProbe implements PublicProbe {
  async get(url: string): Promise<HealthAnswer> {
    try {
      const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
      const dispatcher = url.startsWith("https:") && isIP(host) ? addressDispatcher : undefined;
      // undici's own fetch, which takes its own Agent (Node 20's built-in fetch bundles another undici).
      const response = await undiciFetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { "cache-control": "no-cache" }, dispatcher });
      const body = await response.text();
      return { status: response.status, version: versionOf(response.headers, body), body };
    } catch (error) {
      throw new ExternalError(
        `GET ${url} failed (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`,
        "check SWITCH_PUBLIC_URL and that HAProxy runs",
      );
    }
  }
}
