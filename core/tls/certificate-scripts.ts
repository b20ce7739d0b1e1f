import type { Config } from "../config";
import { httpsRedirectPath, serverStatePath } from "../haproxy";
import { runtimeApiFunctions, SAVE_SERVER_STATE_LINES, waitForNewWorkerLines } from "../haproxy/runtime-shell";
import { shellQuote } from "../shell-quote";
import { certonlyArgv, lineageDir } from "./certbot-command";
import { certificateStatusPath } from "./certificate-status";

/**
 * TLS=auto on the balancer is two sh scripts, rendered here and installed by cloud-init (and run as they are by the lab):
 * - the obtain loop asks the CA until a certificate is issued, with backoff, recording why it is still pending;
 * - certbot's deploy hook, run after every issuance and renewal, builds HAProxy's PEM and reloads HAProxy hitlessly.
 * Renewals come from Debian's certbot.timer, which runs `certbot renew` with the settings the first request recorded.
 */

export type CertificateScriptConfig = Pick<Config, "tls" | "stateDir"> & { readonly haproxy: Pick<Config["haproxy"], "tlsCertificatePath" | "adminSocket" | "reloadCommand"> };

export interface CertificateScriptPaths {
  /** The deploy hook's own path: certbot records it for renewals. */
  readonly deployHook: string;
}

/** On a droplet; the lab writes both under its state directory. */
export const DROPLET_CERTIFICATE_SCRIPTS = {
  obtain: "/usr/local/sbin/do-bluegreen-certificate",
  deployHook: "/usr/local/sbin/do-bluegreen-certificate-installed",
} as const;

/** First retry after this long, doubling up to the cap: Let's Encrypt allows 5 failed validations per name per hour. */
export const RETRY_FIRST_SECONDS = 60;
export const RETRY_MAX_SECONDS = 3600;
/** How long the hook waits for HAProxy's new worker after the reload command. */
const RELOAD_TIMEOUT_SECONDS = 30;

const STATUS_LINE = (state: string, detail: string) =>
  `printf '${state} %s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" ${detail} > "$status.tmp" && mv -f "$status.tmp" "$status"`;

/**
 * The obtain loop. A run is a no-op once the certificate exists and is not due (`--keep-until-expiring`), so it can run at
 * every boot. It never touches HAProxy itself: until the CA answers, the placeholder certificate and plain HTTP keep
 * serving. The pending reason is certbot's `Detail:` line (what the CA reported), else its last line.
 */
export function obtainScript(config: CertificateScriptConfig, paths: CertificateScriptPaths, retry = { firstSeconds: RETRY_FIRST_SECONDS, maxSeconds: RETRY_MAX_SECONDS }): string {
  const certbot = certonlyArgv(config, paths.deployHook).map(shellQuote).join(" ");
  return [
    "#!/bin/sh",
    "# do-bluegreen (TLS=auto): obtain the balancer's certificate, retrying with backoff until the CA issues it.",
    "set -u",
    `status=${shellQuote(certificateStatusPath(config.stateDir))}`,
    `lineage=${shellQuote(lineageDir(config))}`,
    `hook=${shellQuote(paths.deployHook)}`,
    `delay=${retry.firstSeconds}`,
    `grep -q '^issued ' "$status" 2>/dev/null || ${STATUS_LINE("pending", "'asking the CA for the first time'")}`,
    "while :; do",
    `  if out=$(${certbot} 2>&1); then`,
    // Issued earlier but never installed here (a fresh state directory): install what certbot already has.
    '    if ! grep -q \'^issued \' "$status" 2>/dev/null; then RENEWED_LINEAGE="$lineage" "$hook" || exit 1; fi',
    "    exit 0",
    "  fi",
    `  reason=$(printf '%s\\n' "$out" | sed -n 's/^ *Detail: *//p' | tail -n 1)`,
    `  [ -n "$reason" ] || reason=$(printf '%s\\n' "$out" | grep -v '^ *$' | tail -n 1)`,
    `  reason=$(printf '%s' "$reason" | tr -d '\\000-\\037\\177' | cut -c1-300)`,
    `  ${STATUS_LINE("pending", '"$reason (next try in ${delay} s)"')}`,
    '  sleep "$delay"',
    "  delay=$((delay * 2))",
    `  [ "$delay" -le ${retry.maxSeconds} ] || delay=${retry.maxSeconds}`,
    "done",
    "",
  ].join("\n");
}

/**
 * certbot's deploy hook (RENEWED_LINEAGE names the new certificate's directory). The PEM is written beside the served
 * one and renamed over it, so HAProxy never reads half a file; then the redirect flag, then the hitless reload that
 * `balancer apply` does (server state saved first, so the pinned slots, the armed one and their health survive), then the status.
 * A reload that fails leaves the old worker serving the old certificate: the hook exits non-zero and certbot reports it.
 */
export function deployHookScript(config: CertificateScriptConfig): string {
  const pem = config.haproxy.tlsCertificatePath;
  return [
    "#!/bin/sh",
    "# do-bluegreen (TLS=auto): certbot deploy hook. Installs the issued certificate for HAProxy and reloads it hitlessly.",
    "set -eu",
    'lineage=${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE}',
    `pem=${shellQuote(pem)}`,
    `flag=${shellQuote(httpsRedirectPath(config.stateDir))}`,
    `status=${shellQuote(certificateStatusPath(config.stateDir))}`,
    `state=${shellQuote(serverStatePath(config.stateDir))}`,
    'stmp="$state.tmp.$$"',
    `reload=${shellQuote(config.haproxy.reloadCommand)}`,
    ...runtimeApiFunctions(config.haproxy.adminSocket),
    "umask 077",
    'mkdir -p "$(dirname "$pem")"',
    'cat "$lineage/fullchain.pem" "$lineage/privkey.pem" > "$pem.new"',
    'mv -f "$pem.new" "$pem"',
    "umask 022",
    `printf 'on\\n' > "$flag.new" && mv -f "$flag.new" "$flag"`,
    'before=$(info Pid)',
    '[ -n "$before" ] || { echo "HAProxy\'s runtime API at ${sock#UNIX-CONNECT:} did not answer; the certificate is installed for its next start" >&2; exit 3; }',
    ...SAVE_SERVER_STATE_LINES,
    'sh -c "$reload" </dev/null',
    ...waitForNewWorkerLines(RELOAD_TIMEOUT_SECONDS, "break", ""),
    '[ -n "$now" ] && [ "$now" != "$before" ] || { echo "HAProxy started no new worker within ' + RELOAD_TIMEOUT_SECONDS + ' s of the reload" >&2; exit 3; }',
    `not_after=$(openssl x509 -noout -enddate -in "$lineage/cert.pem" | sed 's/^notAfter=//')`,
    STATUS_LINE("issued", '"$not_after"'),
    "",
  ].join("\n");
}
