import type { Config } from "../config";
import { DEBIAN_CERTBOT_DIR } from "../config/variables";
import { ACME_CHALLENGE_ADDRESS } from "../haproxy/tls-frontend";

/** certbot's name for the lineage: `<config dir>/live/do-bluegreen/`, whatever names the certificate carries. */
export const CERT_NAME = "do-bluegreen";

export type CertbotConfig = Pick<Config, "tls">;

/** `--config-dir …` only off Debian's default, so the package's certbot.timer (`certbot -q renew`) renews what we issue. */
export function certbotDirArgs(dir: string): string[] {
  if (dir === DEBIAN_CERTBOT_DIR) return [];
  return ["--config-dir", dir, "--work-dir", `${dir}/work`, "--logs-dir", `${dir}/logs`];
}

export function lineageDir(config: CertbotConfig): string {
  return `${config.tls.certbotConfigDir}/live/${CERT_NAME}`;
}

/**
 * One request for the configured names. Standalone HTTP-01 on the balancer's loopback: HAProxy routes
 * /.well-known/acme-challenge/ there, so port 80 stays HAProxy's and nothing stops serving. certbot records these
 * settings (authenticator, address, port, server, deploy hook) in the lineage's renewal file, so `certbot renew` repeats
 * them. `--keep-until-expiring` makes a re-run a no-op until renewal is due; `--expand` adds a name to the lineage.
 */
export function certonlyArgv(config: CertbotConfig, deployHookPath: string): string[] {
  const { tls } = config;
  const [address, port] = ACME_CHALLENGE_ADDRESS.split(":");
  return [
    "certbot",
    "certonly",
    "--non-interactive",
    "--agree-tos",
    ...(tls.email ? ["--email", tls.email] : ["--register-unsafely-without-email"]),
    "--standalone",
    "--preferred-challenges",
    "http",
    "--http-01-address",
    address,
    "--http-01-port",
    port,
    "--server",
    tls.directoryUrl,
    "--cert-name",
    CERT_NAME,
    "--keep-until-expiring",
    "--expand",
    ...tls.names.flatMap((name) => ["-d", name]),
    "--deploy-hook",
    deployHookPath,
    ...certbotDirArgs(tls.certbotConfigDir),
  ];
}
