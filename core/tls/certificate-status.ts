import { posix } from "node:path";

/**
 * One line the balancer's certificate scripts write and `status` reads back over SSH:
 *   `pending <ISO time> <reason>`  while no certificate from the CA is served (the obtain loop retries with backoff);
 *   `issued <ISO time> <notAfter>` once the deploy hook installed one and reloaded HAProxy.
 * A file, not a query to the CA: status stays one SSH command, and the reason is certbot's own words.
 */
export const CERTIFICATE_STATUS_FILE = "certificate-status";

export function certificateStatusPath(stateDir: string): string {
  return posix.join(stateDir, CERTIFICATE_STATUS_FILE);
}

export type CertificateStatus =
  | { readonly state: "issued"; readonly since: string; readonly notAfter: string }
  | { readonly state: "pending"; readonly since: string; readonly reason: string }
  /** No line yet: the obtain loop has not run (TLS=auto just turned on, the balancer still booting). */
  | { readonly state: "unknown" };

/** The last line of the file; anything unreadable counts as unknown rather than failing status. */
export function parseCertificateStatus(text: string): CertificateStatus {
  const line = text.trim().split("\n").pop() ?? "";
  const match = /^(issued|pending) (\S+) ?(.*)$/.exec(line);
  if (!match) return { state: "unknown" };
  const [, state, since, rest] = match;
  return state === "issued" ? { state, since, notAfter: rest.trim() } : { state: "pending", since, reason: rest.trim() || "no reason given" };
}

/** The line `status` prints. */
export function describeCertificate(status: CertificateStatus): string {
  switch (status.state) {
    case "issued":
      return `certificate: issued ${status.since}, valid until ${status.notAfter}`;
    case "pending":
      return `certificate: pending — ${status.reason} (since ${status.since}; HTTP keeps serving, the balancer retries with backoff)`;
    case "unknown":
      return "certificate: pending — the balancer has not asked the CA yet (first boot, or TLS=auto newly set: see README, HTTPS)";
  }
}
