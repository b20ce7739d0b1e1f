import { LabPlan } from "../plan";
import { Command } from "../runner";

/**
 * Debian's pebble (Let's Encrypt's RFC 8555 test server) as the lab's ACME directory. It runs on the host, not in a
 * namespace: the host side of the bridge reaches the balancer's public address on port 80 for HTTP-01, as a real CA
 * reaches a droplet. Its only resolver is the lab DNS server, so the name it validates resolves as the simulated
 * DigitalOcean domain says.
 */
export interface PebblePaths {
  readonly config: string;
  /** Signs the listener certificate; kept only so the pair is inspectable, nothing else uses it. */
  readonly listenerCaKey: string;
  readonly listenerCert: string;
  readonly listenerKey: string;
}

/** A lab lives minutes to hours; a month leaves room for one kept up over a long weekend. */
export const LISTENER_CERT_DAYS = 30;
/** Let's Encrypt's lifetime, so a `certbot renew` without --force-renewal decides as it would in production. */
export const ISSUED_CERT_VALIDITY_SECONDS = 90 * 24 * 60 * 60;

export function pebblePaths(plan: LabPlan): PebblePaths {
  const dir = plan.paths.acmeDir;
  return { config: `${dir}/pebble-config.json`, listenerCaKey: `${dir}/listener-ca.key`, listenerCert: `${dir}/listener.pem`, listenerKey: `${dir}/listener.key` };
}

export function pebbleConfig(plan: LabPlan): string {
  const paths = pebblePaths(plan);
  return (
    JSON.stringify(
      {
        pebble: {
          listenAddress: `${plan.acme.host}:${plan.acme.port}`,
          managementListenAddress: `${plan.acme.host}:${plan.acme.managementPort}`,
          certificate: paths.listenerCert,
          privateKey: paths.listenerKey,
          // The ports a real CA validates on: HAProxy on the balancer answers both.
          httpPort: 80,
          tlsPort: 443,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
          certificateValidityPeriod: ISSUED_CERT_VALIDITY_SECONDS,
        },
      },
      null,
      2,
    ) + "\n"
  );
}

export function pebbleArgv(plan: LabPlan): string[] {
  return ["pebble", "-config", pebblePaths(plan).config, "-dnsserver", `${plan.dns.host}:${plan.dns.port}`];
}

/**
 * Pebble's test-only randomness turned off, so a lab run is repeatable: no random 0–5 s sleep before each validation,
 * no valid nonce rejected as bad (5 % by default), every order validated afresh (by default half reuse an earlier
 * authorization, so a renewal would sometimes skip the challenge through HAProxy), one root and one intermediate.
 * Validation is forced on: an inherited PEBBLE_VA_ALWAYS_VALID would let a broken challenge path pass.
 */
export function pebbleEnv(): Record<string, string> {
  return {
    PEBBLE_VA_NOSLEEP: "1",
    PEBBLE_VA_ALWAYS_VALID: "0",
    PEBBLE_WFE_NONCEREJECT: "0",
    PEBBLE_AUTHZREUSE: "0",
    PEBBLE_ALTERNATE_ROOTS: "0",
    PEBBLE_CHAIN_LENGTH: "1",
  };
}

/**
 * The lab CA, then Pebble's listener certificate signed by it (OpenSSL 3's `req -x509 -CA`), valid for the bridge
 * address clients dial and for localhost. P-256 keys: fast to make, so `lab up` does not wait on RSA generation.
 */
export function listenerCertificateCommands(plan: LabPlan): Command[] {
  const paths = pebblePaths(plan);
  const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-noenc"];
  const common = ["openssl", "req", "-x509", "-new", ...newKey, "-days", String(LISTENER_CERT_DAYS)];
  return [
    {
      argv: [
        ...common,
        ...["-keyout", paths.listenerCaKey, "-out", plan.paths.acmeListenerCa],
        ...["-subj", `/CN=do-bluegreen lab ${plan.index} ACME listener CA`],
        ...["-addext", "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
      ],
    },
    {
      argv: [
        ...common,
        ...["-keyout", paths.listenerKey, "-out", paths.listenerCert],
        ...["-CA", plan.paths.acmeListenerCa, "-CAkey", paths.listenerCaKey],
        ...["-subj", `/CN=pebble lab ${plan.index}`],
        ...["-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature", "-addext", "extendedKeyUsage=serverAuth"],
        ...["-addext", `subjectAltName=IP:${plan.acme.host},DNS:localhost`],
      ],
    },
  ];
}

/** Pebble makes a new issuing root at every start and serves it only here. */
export function pebbleRootUrl(plan: LabPlan): string {
  return `${plan.acme.managementUrl}/roots/0`;
}
