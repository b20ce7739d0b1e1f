import { posix } from "node:path";
import type { Config } from "../config";

/**
 * The HTTPS half of the public frontend (TLS, redirect, forwarding headers, HSTS, the ACME challenge route), as lines of
 * haproxy.cfg. Pure: renderHaproxyConfig splices them in, so the file a droplet boots with, `balancer apply`'s and the
 * lab's carry the same rules (docs/decisions/0713).
 */

/** certbot's standalone HTTP-01 server on the balancer's loopback: only HAProxy reaches it, for the challenge path only. */
export const ACME_CHALLENGE_ADDRESS = "127.0.0.1:8402";
export const ACME_CHALLENGE_PATH = "/.well-known/acme-challenge/";
export const ACME_BACKEND = "acme_challenge";

/**
 * While this file holds the line `on`, plain HTTP is redirected to HTTPS. TLS=auto's deploy hook writes it once a
 * certificate from the CA is in place: until then the balancer serves a self-signed placeholder and plain HTTP keeps
 * working (a certificate that cannot be obtained yet never breaks the site). An HAProxy pattern file, read at start and
 * reload, like the maintenance map.
 */
export const HTTPS_REDIRECT_FILE = "https-redirect";
export function httpsRedirectPath(stateDir: string): string {
  return posix.join(stateDir, HTTPS_REDIRECT_FILE);
}

/**
 * Mozilla's "intermediate" profile (TLS 1.2 and 1.3, forward-secret AEAD ciphers only). The DHE suites are left out: they
 * would need a DH parameter file, and every client that TLS 1.2 admits speaks ECDHE.
 */
export const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
export const TLS13_CIPHERSUITES = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

export type TlsRenderConfig = Pick<Config, "tls" | "stateDir"> & { readonly haproxy: Pick<Config["haproxy"], "tlsCertificatePath"> };

/** Global settings every `bind ... ssl` inherits. */
export function tlsGlobalLines(config: TlsRenderConfig): string[] {
  if (config.tls.mode === "off") return [];
  return [
    `  ssl-default-bind-ciphers ${TLS12_CIPHERS}`,
    `  ssl-default-bind-ciphersuites ${TLS13_CIPHERSUITES}`,
    // Session tickets off: without key rotation they would undo forward secrecy.
    "  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets",
  ];
}

/** The 443 listener: HTTP/2 and HTTP/1.1 by ALPN. */
export function tlsBindLine(config: TlsRenderConfig, bind: string, httpsPort: number): string[] {
  if (config.tls.mode === "off") return [];
  return [`  bind ${bind}:${httpsPort} ssl crt ${config.haproxy.tlsCertificatePath} alpn h2,http/1.1`];
}

/**
 * Request rules, before maintenance mode and the backend choice. X-Forwarded-Proto and X-Forwarded-For are set, never
 * appended: whatever a client sends in them is replaced, so the app can trust both. With TLS off they are set all the same.
 */
export function tlsRequestLines(config: TlsRenderConfig): string[] {
  const { mode } = config.tls;
  const headers = [
    "  http-request set-header X-Forwarded-Proto https if { ssl_fc }",
    "  http-request set-header X-Forwarded-Proto http unless { ssl_fc }",
    "  http-request set-header X-Forwarded-For %[src]",
  ];
  if (mode === "off") return headers;
  const challenge = [`  acl acme_challenge path_beg ${ACME_CHALLENGE_PATH}`];
  // manual: the user's certificate is there from the start; auto: only once the CA's is (the deploy hook's flag).
  const ready = mode === "auto" ? ` { str(on) -m str -f ${httpsRedirectPath(config.stateDir)} }` : "";
  return [
    ...headers,
    ...(mode === "auto" ? challenge : []),
    `  http-request redirect scheme https code 301 if !{ ssl_fc }${mode === "auto" ? " !acme_challenge" : ""}${ready}`,
  ];
}

/** What maintenance mode must let through besides the health path: the CA's challenge, so a renewal never waits for it. */
export function maintenanceExemption(config: TlsRenderConfig): string {
  return config.tls.mode === "auto" ? " !acme_challenge" : "";
}

export function tlsResponseLines(config: TlsRenderConfig): string[] {
  const maxAge = config.tls.hstsMaxAgeSeconds;
  if (config.tls.mode === "off" || maxAge === 0) return [];
  return [`  http-response set-header Strict-Transport-Security "max-age=${maxAge}" if { ssl_fc }`];
}

export function acmeRoutingLines(config: TlsRenderConfig): string[] {
  return config.tls.mode === "auto" ? [`  use_backend ${ACME_BACKEND} if acme_challenge !{ ssl_fc }`] : [];
}

/** certbot listens only while it asks for a certificate; at other times the challenge path answers 503 from HAProxy. */
export function acmeBackendSection(config: TlsRenderConfig): string[] {
  if (config.tls.mode !== "auto") return [];
  return [`backend ${ACME_BACKEND}`, "  timeout server 10s", `  server certbot ${ACME_CHALLENGE_ADDRESS}`];
}
