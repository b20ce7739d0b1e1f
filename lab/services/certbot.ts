import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import type { Config } from "../../core/config";
import { httpsRedirectPath } from "../../core/haproxy";
import { certbotDirArgs, certificateStatusPath, deployHookScript, obtainScript, parseCertificateStatus, placeholderCertificateScript } from "../../core/tls";
import { LabPlan } from "../plan";

/**
 * TLS=auto on the lab's balancer: the very scripts cloud-init installs on a droplet (core/tls), written under the lab's
 * state directory. The obtain loop runs in the balancer's namespace, as the droplet's systemd unit would, so certbot's
 * standalone server listens on that namespace's loopback where HAProxy's challenge route points; Pebble validates
 * through the balancer's public address, port 80, through real HAProxy.
 */
export function labTlsPaths(plan: LabPlan) {
  const dir = `${plan.paths.stateDir}/tls`;
  return {
    dir,
    /** HAPROXY_TLS_CERT_PATH in the lab's switch environment. */
    pem: `${plan.paths.stateDir}/haproxy/site.pem`,
    /** CERTBOT_CONFIG_DIR: certbot's configuration, work and logs, away from the machine's /etc/letsencrypt. */
    certbotDir: `${dir}/letsencrypt`,
    obtain: `${dir}/obtain-certificate.sh`,
    deployHook: `${dir}/certificate-installed.sh`,
  };
}

/** The lab retries sooner than a droplet (60 s doubling to an hour): Pebble has no rate limit, and a test waits. */
export const LAB_RETRY = { firstSeconds: 2, maxSeconds: 10 } as const;

/** Before HAProxy starts: the placeholder PEM (as cloud-init makes it) and the empty redirect flag (its tmpfiles line). */
export function prepareCertificateFiles(config: Config): string[] {
  writeFileSync(httpsRedirectPath(config.stateDir), "", { flag: "a" });
  return ["sh", "-c", placeholderCertificateScript(config.haproxy.tlsCertificatePath, config.tls.names[0])];
}

export function writeCertificateScripts(plan: LabPlan, config: Config): void {
  const paths = labTlsPaths(plan);
  writeFileSync(paths.obtain, obtainScript(config, paths, LAB_RETRY));
  writeFileSync(paths.deployHook, deployHookScript(config));
  for (const file of [paths.obtain, paths.deployHook]) chmodSync(file, 0o755);
}

/** In the balancer's namespace, trusting the lab CA that signed Pebble's listener (certbot reads REQUESTS_CA_BUNDLE). */
function onBalancer(plan: LabPlan, argv: readonly string[]): string[] {
  return ["env", `REQUESTS_CA_BUNDLE=${plan.paths.acmeListenerCa}`, "nsenter", `--net=/var/run/netns/${plan.balancer.namespace}`, ...argv];
}

export function obtainArgv(plan: LabPlan): string[] {
  return onBalancer(plan, ["sh", labTlsPaths(plan).obtain]);
}

/** certbot as the droplet's certbot.timer runs it, for the lineage the obtain loop created (tests force a renewal with it). */
export function renewArgv(plan: LabPlan, extra: readonly string[] = []): string[] {
  // Non-interactive renewals otherwise wait a random 0–8 min (spreading load on Let's Encrypt); a test asks now.
  return onBalancer(plan, ["certbot", "renew", "--non-interactive", "--no-random-sleep-on-renew", ...certbotDirArgs(labTlsPaths(plan).certbotDir), ...extra]);
}

export function certificateStatus(config: Config) {
  try {
    return parseCertificateStatus(readFileSync(certificateStatusPath(config.stateDir), "utf8"));
  } catch {
    return parseCertificateStatus("");
  }
}
