import { resolve } from "node:path";
import { LabPlan } from "./plan";
import { sshPaths } from "./services/sshd";
import { imageRefs } from "./images/variants";
import { labReloadCommand } from "./services/haproxy";
import { labTlsPaths } from "./services/certbot";

/**
 * The environment that points an unmodified switch at this lab instead of DigitalOcean.
 * Secrets live in root-only files; the printed `export` lines read them with $(cat ...) so
 * that `lab up` never prints a token or password, yet `eval "$(npm run -s lab -- up)"` works.
 */
export interface LabSecrets {
  readonly token: string;
  readonly registryPassword: string;
  /** The demo app's declared secret (lab/demo-app/bluegreen.config.ts). */
  readonly demoApiKey: string;
}

/** The demo app's definition: the lab deploys it exactly as a team deploys theirs. */
export const DEMO_APP_CONFIG = resolve(__dirname, "demo-app", "bluegreen.config.ts");

/** Short timings: a lab cutover should take seconds, not the production defaults' minutes. */
export const LAB_TIMINGS = {
  // The demo app is healthy within ~1 s; a broken image is refused after this long.
  SWITCH_HEALTH_TIMEOUT_SECONDS: "12",
  SWITCH_BAKE_SECONDS: "3",
  SWITCH_DRAIN_TIMEOUT_SECONDS: "10",
  SWITCH_ACTION_TIMEOUT_SECONDS: "30",
  SWITCH_LOCK_TTL_SECONDS: "600",
} as const;

export const SECRET_FILES = { DIGITALOCEAN_TOKEN: "do-token", CI_REGISTRY_PASSWORD: "registry-password", DEMO_API_KEY: "demo-api-key" } as const;

export function labSwitchEnv(plan: LabPlan, secrets: LabSecrets): Record<string, string> {
  const ssh = sshPaths(plan);
  const images = imageRefs(plan.registry.address, plan.registry.repository);
  return {
    DIGITALOCEAN_API_URL: plan.simulator.url,
    DIGITALOCEAN_TOKEN: secrets.token,
    DO_REGION: plan.region,
    SSH_USER: "root",
    SSH_PORT: "22",
    SSH_PRIVATE_KEY_FILE: ssh.clientKey,
    SSH_KNOWN_HOSTS_FILE: ssh.knownHosts,
    // The three sshds read one authorized_keys file (not root's own on this machine).
    SSH_AUTHORIZED_KEYS_FILE: ssh.authorizedKeys,
    FLOATING_IP: plan.floatingIp,
    // The lab's droplets carry the plain role tags (one lab per account: nothing to namespace).
    TAG_PROD: "PROD",
    TAG_FALLBACK: "FALLBACK",
    TAG_BALANCER: "BALANCER",
    CI_REGISTRY: plan.registry.address,
    CI_REGISTRY_USER: plan.registry.user,
    CI_REGISTRY_PASSWORD: secrets.registryPassword,
    BLUEGREEN_CONFIG: DEMO_APP_CONFIG,
    DEMO_API_KEY: secrets.demoApiKey,
    HAPROXY_ADMIN_SOCKET: plan.paths.haproxyAdminSocket,
    // What the lab's HAProxy differs in from a droplet's: where its files are, how it reloads, how it binds, logs and runs.
    HAPROXY_CONFIG_FILE: plan.paths.haproxyConfig,
    HAPROXY_RELOAD_COMMAND: labReloadCommand(plan),
    BALANCER_SYSCTL_FILE: plan.paths.balancerSysctl,
    HAPROXY_BIND_ADDRESS: plan.balancer.publicIp,
    HAPROXY_USER: "none",
    HAPROXY_LOG_TARGET: "none",
    SWITCH_STATE_DIR: plan.paths.switchStateDir,
    // HTTPS as a deploy has it (TLS=auto): certificates from the lab's Pebble for the simulator's domain; the switch
    // verifies through https://<balancer>/ (SWITCH_PUBLIC_URL empty).
    APP_DOMAIN: plan.domain,
    TLS: "auto",
    ACME_DIRECTORY_URL: plan.acme.directoryUrl,
    CERTBOT_CONFIG_DIR: labTlsPaths(plan).certbotDir,
    HAPROXY_TLS_CERT_PATH: labTlsPaths(plan).pem,
    APP_PORT: String(plan.app.port),
    APP_HEALTH_PATH: plan.app.healthPath,
    ...LAB_TIMINGS,
    LAB_INDEX: String(plan.index),
    LAB_IMAGE_V1: images["v1"],
    LAB_IMAGE_V2: images["v2"],
    LAB_IMAGE_HEALTH_FAILS: images["health-fails"],
    LAB_IMAGE_EXITS_AT_START: images["exits-at-start"],
    LAB_IMAGE_FAILS_20_PERCENT: images["fails-20-percent"],
  };
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@,=+-]*$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function exportLines(plan: LabPlan, env: Record<string, string>): string[] {
  return Object.entries(env).map(([key, value]) => {
    const secretFile = SECRET_FILES[key as keyof typeof SECRET_FILES];
    if (secretFile) return `export ${key}="$(cat ${plan.paths.secretsDir}/${secretFile})"`;
    return `export ${key}=${shellQuote(value)}`;
  });
}
