import { readFileSync } from "node:fs";
import { z } from "zod";
import { AppSpec, loadAppDefinition } from "../app";
import { ConfigError, ConfigIssue } from "../errors";
import { VARIABLES, VariableKey, VariableSpec } from "./variables";

type Env = Readonly<Record<string, string | undefined>>;
type Parsed = { [K in VariableKey]: (typeof VARIABLES)[K] extends VariableSpec<infer T> ? T : never };

/** The one typed configuration shared by the stack, the switch and the lab. */
export interface Config {
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
    readonly haproxySize: string;
    readonly dropletImage: string;
    readonly sshKeys: readonly string[];
    readonly sshAllowedCidrs: readonly string[];
  };
  readonly tags: { readonly prod: string; readonly fallback: string; readonly balancer: string };
  /** Empty string: discover the reserved IP attached to the PROD or FALLBACK droplet. */
  readonly floatingIp: string;
  readonly haproxy: { readonly tlsCertificatePath: string; readonly adminSocket: string; readonly backend: string; readonly floatingServer: string; readonly spareServer: string };
  readonly stateDir: string;
  readonly spaces: { readonly bucket: string; readonly region: string; readonly key: string };
  readonly ssh: { readonly user: string; readonly port: number; readonly privateKey: string; readonly knownHosts: string; readonly insecureAcceptAnyHostKey: boolean };
  readonly registry: { readonly host: string; readonly user: string; readonly password: string };
  readonly timing: { readonly healthTimeoutMs: number; readonly bakeMs: number; readonly drainTimeoutMs: number; readonly actionTimeoutMs: number; readonly lockTtlMs: number };
  /** The bake window's trigger: more than `errorRatio` of at least `minResponses` responses failing. */
  readonly rollbackTrigger: { readonly errorRatio: number; readonly minResponses: number };
  readonly publicUrl: string;
  readonly github: { readonly token: string; readonly repository: string };
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

function crossCheck(p: Partial<Parsed>, issues: ConfigIssue[]): void {
  if (p.prodTag && p.prodTag === p.fallbackTag)
    issues.push({ variable: VARIABLES.fallbackTag.name, value: p.fallbackTag, problem: "must differ from TAG_PROD", fix: "use two different tags, e.g. PROD and FALLBACK" });
  if (p.balancerTag && (p.balancerTag === p.prodTag || p.balancerTag === p.fallbackTag))
    issues.push({ variable: VARIABLES.balancerTag.name, value: p.balancerTag, problem: "must differ from TAG_PROD and TAG_FALLBACK", fix: "use a distinct tag such as BALANCER" });
}

/**
 * Reads and validates every setting before anything touches the network.
 * Throws one ConfigError listing all problems, each with the variable, the (redacted) value and the fix.
 */
export function loadConfig(env: Env = process.env, purpose: Purpose = "stack"): Config {
  const issues: ConfigIssue[] = [];
  const p = parseAll(env, issues);
  crossCheck(p, issues);
  if (purpose === "switch") requireForSwitch(p, env, issues);
  const privateKey = p.sshPrivateKey || (purpose === "switch" ? readFileOrIssue(p.sshPrivateKeyFile ?? "", VARIABLES.sshPrivateKeyFile.name, issues) : "");
  const knownHosts = p.sshKnownHosts || (purpose === "switch" ? readFileOrIssue(p.sshKnownHostsFile ?? "", VARIABLES.sshKnownHostsFile.name, issues) : "");
  const appFile = p.appConfigFile ?? VARIABLES.appConfigFile.default!;
  const definition = loadAppDefinition(appFile, !!env[VARIABLES.appConfigFile.name], process.cwd(), env);
  issues.push(...definition.issues);
  if (issues.length > 0) throw new ConfigError(issues);
  const c = p as Parsed;
  return {
    app: { name: c.appName, port: c.appPort, healthPath: c.healthPath, domain: c.domain, recordName: c.recordName },
    appSpec: definition.app!,
    digitalocean: {
      token: c.token,
      apiUrl: c.apiUrl.replace(/\/+$/, ""),
      region: c.region,
      projectName: c.projectName,
      vpcIpRange: c.vpcIpRange,
      dropletSize: c.dropletSize,
      haproxySize: c.haproxySize,
      dropletImage: c.dropletImage,
      sshKeys: c.sshKeys,
      sshAllowedCidrs: c.sshAllowedCidrs,
    },
    tags: { prod: c.prodTag, fallback: c.fallbackTag, balancer: c.balancerTag },
    floatingIp: c.floatingIp,
    haproxy: { tlsCertificatePath: c.tlsCertificatePath, adminSocket: c.haproxyAdminSocket, backend: "app", floatingServer: "floating", spareServer: "spare" },
    stateDir: c.stateDir,
    spaces: { bucket: c.spacesBucket, region: c.spacesRegion, key: c.spacesKey },
    ssh: { user: c.sshUser, port: c.sshPort, privateKey, knownHosts, insecureAcceptAnyHostKey: c.sshInsecureAcceptAnyHostKey },
    registry: { host: c.registry, user: c.registryUser, password: c.registryPassword },
    timing: {
      healthTimeoutMs: c.healthTimeout * 1000,
      bakeMs: c.bakeSeconds * 1000,
      drainTimeoutMs: c.drainTimeout * 1000,
      actionTimeoutMs: c.actionTimeout * 1000,
      lockTtlMs: c.lockTtl * 1000,
    },
    rollbackTrigger: { errorRatio: c.rollbackErrorPercent / 100, minResponses: c.rollbackMinResponses },
    publicUrl: c.publicUrl,
    github: { token: c.githubToken, repository: c.githubRepository },
  };
}
