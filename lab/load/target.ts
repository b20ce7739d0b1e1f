import { isIPv4 } from "node:net";
import { UsageError } from "../../core/errors";

/** The lab may only ever load its own machine: loopback or the lab's namespaces (198.18.0.0/15). */
export class LoadTargetRefusedError extends UsageError {
  constructor(url: string, reason: string) {
    super(
      `load generator refuses ${JSON.stringify(url)}: ${reason}`,
      "point the load at http(s)://127.0.0.1:<port>/, http://localhost/ or a lab address in 198.18.0.0/15",
    );
  }
}

/** Parses `url` and returns it if its host is loopback or in 198.18.0.0/15; throws LoadTargetRefusedError otherwise. */
export function assertLabTarget(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoadTargetRefusedError(url, "not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new LoadTargetRefusedError(url, `only http: and https: are supported, got ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new LoadTargetRefusedError(url, "credentials in the URL are not allowed");
  if (!isLabHost(parsed.hostname)) {
    throw new LoadTargetRefusedError(url, `host ${parsed.hostname} is neither loopback nor in 198.18.0.0/15`);
  }
  return parsed;
}

/** `hostname` as WHATWG URL gives it (IPv6 in brackets). */
export function isLabHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host === "[::1]" || host === "::1") return true;
  if (!isIPv4(host)) return false;
  const [a, b] = host.split(".").map(Number);
  return a === 127 || (a === 198 && (b === 18 || b === 19));
}
