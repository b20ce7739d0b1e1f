import { posix } from "node:path";
import { UsageError } from "../errors";

/**
 * Maintenance mode lives in one HAProxy map file: key `maintenance` → the message, HTML-escaped. While the key is
 * present the frontend answers every visitor (the health path excepted) with a 503 page that shows the message; the
 * backend, its servers and HAProxy's health checks are untouched, so a cutover can run beneath it. The switch changes the
 * map at runtime and rewrites the file, so a reload or restart keeps the mode (docs/decisions/0700).
 */
export const MAINTENANCE_MAP_KEY = "maintenance";

/** The map's file name inside SWITCH_STATE_DIR on the balancer. */
export const MAINTENANCE_MAP_FILE = "maintenance.map";

/**
 * Retry-After on the 503 page. A maintenance window here is minutes (a migration, a cutover beneath it), so clients and
 * crawlers that honour the header come back soon; each early retry costs one small 503 from HAProxy, nothing from the app.
 */
export const MAINTENANCE_RETRY_AFTER_SECONDS = 30;

/** Longest message, in characters: one sentence or two, on one line. */
export const MAINTENANCE_MESSAGE_MAX_LENGTH = 200;

/** Shown when `maintenance on` gets no message. */
export const DEFAULT_MAINTENANCE_MESSAGE = "This site is down for maintenance and will be back shortly.";

/** `${stateDir}/maintenance.map`: the default of `HaproxyRenderOptions.maintenanceMap`, and where the switch writes. */
export function maintenanceMapPath(stateDir: string): string {
  return posix.join(stateDir, MAINTENANCE_MAP_FILE);
}

/**
 * The message as it will be shown: one line (a map value cannot hold a newline, so every run of whitespace or control
 * characters becomes one space), trimmed, the default when empty. Too long is a usage error, before anything changes.
 */
export function maintenanceMessage(text: string | undefined): string {
  const line = (text ?? "").replace(/[\s\x00-\x1f\x7f]+/g, " ").trim();
  if (line.length > MAINTENANCE_MESSAGE_MAX_LENGTH)
    throw new UsageError(
      `the maintenance message is ${line.length} characters long, more than ${MAINTENANCE_MESSAGE_MAX_LENGTH}`,
      `shorten --message to at most ${MAINTENANCE_MESSAGE_MAX_LENGTH} characters`,
    );
  return line || DEFAULT_MAINTENANCE_MESSAGE;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** The map value for a plain-text message: HTML-escaped, because the page inserts the value as it is. */
export function maintenanceMapValue(message: string): string {
  return maintenanceMessage(message).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** The plain text back from a map value (the inverse of maintenanceMapValue's escaping). */
export function messageOfMapValue(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => Object.keys(HTML_ESCAPES).find((c) => HTML_ESCAPES[c] === entity)!);
}

/**
 * The page. It sits in a double-quoted `lf-string`, so it must not contain `"` (single quotes for attributes), `\`,
 * `$` (HAProxy expands environment variables in double quotes) or `%` other than the one sample fetch.
 */
function maintenancePage(messageFetch: string): string {
  return [
    "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
    "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Down for maintenance</title></head>",
    "<body style='font-family: system-ui, sans-serif; max-width: 36em; margin: 4em auto; padding: 0 1em'>",
    `<h1>Down for maintenance</h1><p>${messageFetch}</p></body></html>`,
  ].join("");
}

/**
 * The frontend rule: while the map holds the key, answer with the page, `Retry-After` and `Cache-Control: no-store`
 * (no browser or CDN keeps the page once maintenance ends). The health path still reaches the app, as in Kamal's
 * maintenance mode: an uptime monitor keeps telling a dead app from a planned pause, and a probe can see the release
 * beneath the page.
 */
export function maintenanceRule(mapPath: string, healthPath: string): string {
  const fetch = `str(${MAINTENANCE_MAP_KEY}),map(${mapPath})`;
  return [
    "http-request return status 503",
    'content-type "text/html; charset=utf-8"',
    `lf-string "${maintenancePage(`%[${fetch}]`)}"`,
    `hdr Retry-After ${MAINTENANCE_RETRY_AFTER_SECONDS}`,
    "hdr Cache-Control no-store",
    `if { ${fetch} -m found } !{ path ${healthPath} }`,
  ].join(" ");
}
