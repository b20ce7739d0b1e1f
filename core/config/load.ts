import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppSpec, loadAppDefinition } from "../app";
import { ConfigError, ConfigIssue } from "../errors";
import { DEFAULT_TLS_PEM, TlsMode, VARIABLES, VariableKey, VariableSpec } from "./variables";

type Env = Readonly<Record<string, string | undefined>>;
type Parsed = { [K in VariableKey]: (typeof VARIABLES)[K] extends VariableSpec<infer T> ? T : never };

/** The one typed configuration shared by the stack, the switch and the lab. */
export interface Config {
  /** DEPLOY_ENV, e.g. production or staging. */
  readonly deployEnv: string;
  /** `<APP_NAME>-<DEPLOY_ENV>`: the prefix of every account-wide name and default tag, so environments never collide. */
  readonly namespace: string;
  readonly app: { readonly name: string; readonly port: number; readonly healthPath: string; readonly domain: string; readonly recordName: string };
  /** The app's definition from bluegreen.config.ts: environment, secret names, volumes, options, hooks. */
  readonly appSpec: AppSpec;
  readonly digitalocean: {
    /** Absent for `synth`: Terraform reads the token from the environment at plan time. */
    readonly token?: string;
    readonly apiUrl: string;
    readonly region: string;
    readonly projectName: string;
    readonly vpcIpRange: string;
    readonly dropletSize: string;
    /** Per-worker sizes (DO_DROPLET_SIZE_BLUE/GREEN, else DO_DROPLET_SIZE), so a resize can take one worker at a time. */
    readonly workerSizes: { readonly blue: string; readonly green: string };
    readonly haproxySize: string;
    readonly dropletImage: string;
    readonly sshKeys: readonly string[];
    readonly sshAllowedCidrs: readonly string[];
  };
  /** Explicit overrides of the safety checks; all default to off. */
  readonly safety: {
    /** ALLOW_OPEN_SSH: deploy with world-open SSH or no DO_SSH_KEYS (still warned about). */
    readonly allowOpenSsh: boolean;
    /** ALLOW_DESTROY: resource addresses whose delete or replacement this run may carry out. */
    readonly allowDestroy: readonly string[];
    /** SWITCH_ALLOW_TAG_REFERENCE: a cutover in CI may deploy a tag-only reference. */
    readonly allowTagReference: boolean;
  };
  readonly tags: { readonly prod: string; readonly fallback: string; readonly balancer: string };
  /** Empty string: discover the reserved IP attached to the PROD or FALLBACK droplet. */
  readonly floatingIp: string;
  readonly haproxy: {
    readonly tlsCertificatePath: string;
    readonly adminSocket: string;
    readonly backend: string;
    /**
     * The backend's two server slots, each pinned to one worker's own address: the one in `ready` serves PROD, the
     * other is armed on FALLBACK in `drain`. A flip swaps their states; nothing is re-pointed.
     */
    readonly slots: readonly [string, string];
    /** Where haproxy.cfg lives on the balancer (HAPROXY_CONFIG_FILE). */
    readonly configFile: string;
    /** How the balancer's HAProxy reloads hitlessly (HAPROXY_RELOAD_COMMAND). */
    readonly reloadCommand: string;
    /** The balancer's kernel settings file, which `balancer apply` keeps (BALANCER_SYSCTL_FILE). */
    readonly sysctlFile: string;
    /** The render options a balancer's haproxy.cfg takes from the configuration (renderBalancerHaproxyConfig). */
    readonly bindAddress: string;
    /** null: no privilege drop. */
    readonly user: string | null;
    /** null: no logging. */
    readonly logTarget: string | null;
  };
  readonly stateDir: string;
  readonly spaces: { readonly bucket: string; readonly region: string; readonly key: string };
  readonly ssh: {
    readonly user: string;
    readonly port: number;
    readonly privateKey: string;
    readonly knownHosts: string;
    readonly insecureAcceptAnyHostKey: boolean;
    /** SSH_AUTHORIZED_KEYS: the lines `balancer apply` installs on every droplet; empty = leave the keys alone. */
    readonly authorizedKeys: readonly string[];
    /** SSH_AUTHORIZED_KEYS_FILE: relative to the user's home, or absolute. */
    readonly authorizedKeysFile: string;
  };
  readonly registry: { readonly host: string; readonly user: string; readonly password: string };
  readonly timing: {
    readonly healthTimeoutMs: number;
    readonly bakeMs: number;
    readonly drainTimeoutMs: number;
    readonly actionTimeoutMs: number;
    /** SWITCH_PULL_TIMEOUT_SECONDS: a pull still running then is stopped. */
    readonly pullTimeoutMs: number;
    readonly lockTtlMs: number;
  };
  /** The bake window's trigger: more than `errorRatio` of at least `minResponses` responses failing. */
  readonly rollbackTrigger: { readonly errorRatio: number; readonly minResponses: number };
  readonly publicUrl: string;
  /** HTTPS on the balancer (TLS and the ACME settings); the PEM HAProxy serves is haproxy.tlsCertificatePath. */
  readonly tls: TlsSettings;
  readonly github: { readonly token: string; readonly repository: string };
}

export interface TlsSettings {
  readonly mode: TlsMode;
  /** The certificate's names: the record's host name first, then TLS_EXTRA_NAMES (auto; empty otherwise). */
  readonly names: readonly string[];
  readonly directoryUrl: string;
  readonly email: string;
  /** 0: no Strict-Transport-Security header. */
  readonly hstsMaxAgeSeconds: number;
  readonly certbotConfigDir: string;
}

/** The record's host name: APP_DOMAIN itself for the apex (`@`), else `<APP_RECORD_NAME>.<APP_DOMAIN>`. */
export function recordHostName(app: Pick<Config["app"], "domain" | "recordName">): string {
  return app.recordName === "@" ? app.domain : `${app.recordName}.${app.domain}`;
}

/** What the caller is about to do decides which otherwise-optional settings become required. */
export type Purpose = "stack" | "switch";

function describeZodIssue(error: z.ZodError): string {
  return error.issues.map((i) => i.message).join("; ");
}

function parseAll(env: Env, issues: ConfigIssue[]): Partial<Parsed> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(VARIABLES) as [VariableKey, VariableSpec<unknown>][]) {
    const raw = env[spec.name];
    const value = raw === undefined || raw === "" ? spec.default : raw;
    if (value === undefined) continue;
    const result = spec.schema.safeParse(value);
    if (result.success) out[key] = result.data;
    else issues.push({ variable: spec.name, value: spec.secret ? "[redacted]" : value, problem: describeZodIssue(result.error), fix: spec.fix });
  }
  return out as Partial<Parsed>;
}

function readFileOrIssue(path: string, variable: string, issues: ConfigIssue[]): string {
  if (!path) return "";
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    issues.push({ variable, value: path, problem: `cannot read file (${(error as NodeJS.ErrnoException).code ?? "error"})`, fix: "point it at a readable file" });
    return "";
  }
}

function requireForSwitch(p: Partial<Parsed>, env: Env, issues: ConfigIssue[]): void {
  const missing = (spec: VariableSpec<unknown>, problem: string) => issues.push({ variable: spec.name, value: undefined, problem, fix: spec.fix });
  if (!env[VARIABLES.token.name] && !issues.some((i) => i.variable === VARIABLES.token.name)) missing(VARIABLES.token, "required by the switch");
  if (!p.sshPrivateKey && !p.sshPrivateKeyFile) missing(VARIABLES.sshPrivateKey, "the switch needs an SSH key (SSH_PRIVATE_KEY or SSH_PRIVATE_KEY_FILE)");
  if (!p.sshKnownHosts && !p.sshKnownHostsFile && !p.sshInsecureAcceptAnyHostKey)
    missing(VARIABLES.sshKnownHosts, "host keys must be pinned (SSH_KNOWN_HOSTS or SSH_KNOWN_HOSTS_FILE)");
  if (!!p.githubToken !== !!p.githubRepository)
    issues.push({ variable: VARIABLES.githubRepository.name, value: p.githubRepository ?? undefined, problem: "GITHUB_TOKEN and GITHUB_REPOSITORY must be set together", fix: "set both, or neither" });
}

/** The settings whose defaults derive from APP_NAME and DEPLOY_ENV (an explicit value always wins). */
interface Derived {
  readonly namespace: string;
  readonly tags: Config["tags"];
  readonly projectName: string;
  readonly stateKey: string;
}

function derive(p: Partial<Parsed>): Derived {
  const namespace = `${p.appName ?? VARIABLES.appName.default}-${p.deployEnv ?? VARIABLES.deployEnv.default}`;
  return {
    namespace,
    tags: { prod: p.prodTag || `${namespace}-prod`, fallback: p.fallbackTag || `${namespace}-fallback`, balancer: p.balancerTag || `${namespace}-balancer` },
    projectName: p.projectName?.trim() || namespace,
    stateKey: p.spacesKey || `do-bluegreen/${namespace}/terraform.tfstate`,
  };
}

// The longest name the stack derives from the namespace; a droplet name is its hostname, one DNS label.
const LONGEST_SUFFIX = "-haproxy";
const WEB_PORTS = [80, 443];

function crossCheck(p: Partial<Parsed>, d: Derived, issues: ConfigIssue[]): void {
  const { tags } = d;
  if (tags.prod === tags.fallback)
    issues.push({ variable: VARIABLES.fallbackTag.name, value: tags.fallback, problem: "must differ from TAG_PROD", fix: "use two different tags, or leave both empty" });
  if (tags.balancer === tags.prod || tags.balancer === tags.fallback)
    issues.push({ variable: VARIABLES.balancerTag.name, value: tags.balancer, problem: "must differ from TAG_PROD and TAG_FALLBACK", fix: "use a distinct tag, or leave it empty" });
  if (p.appName && p.deployEnv && d.namespace.length + LONGEST_SUFFIX.length > 63)
    issues.push({ variable: VARIABLES.deployEnv.name, value: p.deployEnv, problem: `${d.namespace}${LONGEST_SUFFIX} is longer than a hostname label (63)`, fix: "shorten APP_NAME or DEPLOY_ENV" });
  if (p.vpcIpRange) {
    const problem = vpcRangeProblem(p.vpcIpRange);
    if (problem) issues.push({ variable: VARIABLES.vpcIpRange.name, value: p.vpcIpRange, problem, fix: "use a private range from /16 to /24, e.g. 10.10.10.0/24 or 172.16.0.0/20" });
  }
  if (p.appPort !== undefined && p.appPort === p.sshPort)
    issues.push({ variable: VARIABLES.appPort.name, value: String(p.appPort), problem: "same as SSH_PORT", fix: "use another port for the app, e.g. 8080" });
  if (p.appPort !== undefined && WEB_PORTS.includes(p.appPort))
    issues.push({ variable: VARIABLES.appPort.name, value: String(p.appPort), problem: "80 and 443 are HAProxy's public ports", fix: "use another port for the app, e.g. 8080" });
}

/**
 * The lock is renewed before every step and every TTL/3, but a TTL shorter than one wait would bet the lock on those
 * renewals alone: SWITCH_LOCK_TTL_SECONDS must cover the longest single wait, hooks included.
 */
function lockOutlastsEveryWait(p: Partial<Parsed>, app: AppSpec, issues: ConfigIssue[]): void {
  if (p.lockTtl === undefined) return;
  const waits: [string, number | undefined][] = [
    [VARIABLES.healthTimeout.name, p.healthTimeout],
    [VARIABLES.bakeSeconds.name, p.bakeSeconds],
    [VARIABLES.drainTimeout.name, p.drainTimeout],
    [VARIABLES.actionTimeout.name, p.actionTimeout],
    [VARIABLES.pullTimeout.name, p.pullTimeout],
    ...Object.entries(app.hooks).map(([phase, hook]): [string, number] => [`hooks.${phase}.timeoutSeconds (${app.source})`, hook!.timeoutMs / 1000]),
  ];
  const [name, longest] = waits.reduce((a, b) => ((b[1] ?? 0) > (a[1] ?? 0) ? b : a));
  if (longest !== undefined && p.lockTtl < longest)
    issues.push({
      variable: VARIABLES.lockTtl.name,
      value: String(p.lockTtl),
      problem: `shorter than the longest single wait, ${name} (${longest} s)`,
      fix: `use at least ${longest}, or shorten ${name}`,
    });
}

const PRIVATE_RANGES: readonly [base: string, bits: number][] = [
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
];

function ipv4ToNumber(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Why DigitalOcean would refuse this VPC range, or null: it must be RFC 1918, /16 to /24, and a network address. */
export function vpcRangeProblem(cidr: string): string | null {
  const [ip, bitsText] = cidr.split("/");
  const bits = Number(bitsText);
  const address = ipv4ToNumber(ip);
  const mask = (bits: number) => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
  if (!PRIVATE_RANGES.some(([base, size]) => bits >= size && ((address & mask(size)) >>> 0) === ipv4ToNumber(base))) return "not a private (RFC 1918) range";
  if (bits < 16 || bits > 24) return `a /${bits}: DigitalOcean VPCs are /16 to /24`;
  if (((address & mask(bits)) >>> 0) !== address) return "has host bits set (not the network address)";
  return null;
}

const isUnder = (name: string, domain: string) => name === domain || name.endsWith(`.${domain}`);

/**
 * TLS unset follows what else is set: a deploy with its own domain gets certificates (auto), a user's PEM alone keeps
 * today's manual path, and a configuration with neither (the defaults, tests) stays plain HTTP.
 */
function resolveTlsMode(p: Partial<Parsed>, env: Env): TlsMode {
  if (p.tlsMode) return p.tlsMode;
  if (env[VARIABLES.domain.name]) return "auto";
  return p.tlsCertificatePath ? "manual" : "off";
}

function checkTls(p: Partial<Parsed>, env: Env, mode: TlsMode, issues: ConfigIssue[]): void {
  const issue = (spec: VariableSpec<unknown>, value: string | undefined, problem: string, fix: string) => issues.push({ variable: spec.name, value, problem, fix });
  if (mode === "auto" && !env[VARIABLES.domain.name])
    issue(VARIABLES.tlsMode, "auto", "needs the app's domain: certificates are issued for names under APP_DOMAIN", "set APP_DOMAIN to your domain (e.g. example.com), or TLS=off");
  if (mode === "manual" && !p.tlsCertificatePath)
    issue(VARIABLES.tlsMode, "manual", "needs the certificate's path on the balancer", "set HAPROXY_TLS_CERT_PATH to your PEM (certificate chain + key), or use TLS=auto");
  if (mode === "off" && p.tlsCertificatePath)
    issue(VARIABLES.tlsCertificatePath, p.tlsCertificatePath, "is set, but TLS=off serves no HTTPS", "unset HAPROXY_TLS_CERT_PATH, or use TLS=manual");
  if (mode !== "auto" && (p.tlsExtraNames?.length ?? 0) > 0)
    issue(VARIABLES.tlsExtraNames, p.tlsExtraNames!.join(","), `only TLS=auto requests certificates (TLS is ${mode})`, "unset TLS_EXTRA_NAMES, or use TLS=auto");
  const domain = p.domain;
  const outside = domain ? (p.tlsExtraNames ?? []).filter((n: string) => !isUnder(n, domain)) : [];
  if (outside.length > 0)
    issue(VARIABLES.tlsExtraNames, outside.join(","), `not under APP_DOMAIN (${domain}): HTTP-01 proves only names whose A record points at this balancer`, `use names such as www.${domain}, or serve that domain from another deployment`);
}

/**
 * Reads and validates every setting before anything touches the network.
 * Throws one ConfigError listing all problems, each with the variable, the (redacted) value and the fix.
 */
export function loadConfig(env: Env = process.env, purpose: Purpose = "stack"): Config {
  const issues: ConfigIssue[] = [];
  const p = parseAll(env, issues);
  const derived = derive(p);
  crossCheck(p, derived, issues);
  if (purpose === "switch") requireForSwitch(p, env, issues);
  const privateKey = p.sshPrivateKey || (purpose === "switch" ? readFileOrIssue(p.sshPrivateKeyFile ?? "", VARIABLES.sshPrivateKeyFile.name, issues) : "");
  const knownHosts = p.sshKnownHosts || (purpose === "switch" ? readFileOrIssue(p.sshKnownHostsFile ?? "", VARIABLES.sshKnownHostsFile.name, issues) : "");
  const appFile = p.appConfigFile ?? VARIABLES.appConfigFile.default!;
  const definition = loadAppDefinition(appFile, !!env[VARIABLES.appConfigFile.name], process.cwd(), env);
  issues.push(...definition.issues);
  if (definition.app) lockOutlastsEveryWait(p, definition.app, issues);
  const tlsMode = resolveTlsMode(p, env);
  checkTls(p, env, tlsMode, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const c = p as Parsed;
  const app = { name: c.appName, port: c.appPort, healthPath: c.healthPath, domain: c.domain, recordName: c.recordName };
  const primaryName = recordHostName(app);
  return {
    deployEnv: c.deployEnv,
    namespace: derived.namespace,
    app,
    appSpec: definition.app!,
    digitalocean: {
      token: c.token,
      apiUrl: c.apiUrl.replace(/\/+$/, ""),
      region: c.region,
      projectName: derived.projectName,
      vpcIpRange: c.vpcIpRange,
      dropletSize: c.dropletSize,
      workerSizes: { blue: c.dropletSizeBlue || c.dropletSize, green: c.dropletSizeGreen || c.dropletSize },
      haproxySize: c.haproxySize,
      dropletImage: c.dropletImage,
      sshKeys: c.sshKeys,
      sshAllowedCidrs: c.sshAllowedCidrs,
    },
    safety: { allowOpenSsh: c.allowOpenSsh, allowDestroy: c.allowDestroy, allowTagReference: c.allowTagReference },
    tags: derived.tags,
    floatingIp: c.floatingIp,
    haproxy: {
      tlsCertificatePath: tlsMode === "auto" ? c.tlsCertificatePath || DEFAULT_TLS_PEM : c.tlsCertificatePath,
      adminSocket: c.haproxyAdminSocket,
      backend: "app",
      slots: ["blue", "green"],
      configFile: c.haproxyConfigFile,
      reloadCommand: c.haproxyReloadCommand,
      sysctlFile: c.balancerSysctlFile,
      bindAddress: c.haproxyBindAddress,
      user: c.haproxyUser,
      logTarget: c.haproxyLogTarget,
    },
    stateDir: c.stateDir,
    spaces: { bucket: c.spacesBucket, region: c.spacesRegion, key: derived.stateKey },
    ssh: {
      user: c.sshUser,
      port: c.sshPort,
      privateKey,
      knownHosts,
      insecureAcceptAnyHostKey: c.sshInsecureAcceptAnyHostKey,
      authorizedKeys: c.sshAuthorizedKeys,
      authorizedKeysFile: c.sshAuthorizedKeysFile,
    },
    registry: { host: c.registry, user: c.registryUser, password: c.registryPassword },
    timing: {
      healthTimeoutMs: c.healthTimeout * 1000,
      bakeMs: c.bakeSeconds * 1000,
      drainTimeoutMs: c.drainTimeout * 1000,
      actionTimeoutMs: c.actionTimeout * 1000,
      pullTimeoutMs: c.pullTimeout * 1000,
      lockTtlMs: c.lockTtl * 1000,
    },
    rollbackTrigger: { errorRatio: c.rollbackErrorPercent / 100, minResponses: c.rollbackMinResponses },
    publicUrl: c.publicUrl,
    tls: {
      mode: tlsMode,
      names: tlsMode === "auto" ? [...new Set([primaryName, ...c.tlsExtraNames])] : [],
      directoryUrl: c.acmeDirectoryUrl,
      email: c.acmeEmail,
      hstsMaxAgeSeconds: c.hstsMaxAge,
      certbotConfigDir: c.certbotConfigDir,
    },
    github: { token: c.githubToken, repository: c.githubRepository },
  };
}
