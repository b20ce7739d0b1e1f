import { z } from "zod";
import { authorizedKeysSchema } from "../authorized-keys";
import { BALANCER_SYSCTL_FILE } from "../cloud-init/balancer-sysctl";

/**
 * Every setting do-bluegreen reads, as data: the environment variable, its default,
 * how to validate it, and what to do when it is wrong. The README's configuration table
 * documents exactly these rows; the stack, the switch and the lab all read them through loadConfig().
 */
export interface VariableSpec<T> {
  readonly name: string;
  readonly description: string;
  /** Used when the variable is unset or empty. `undefined` means "no default". */
  readonly default?: string;
  readonly secret?: boolean;
  readonly schema: z.ZodType<T, z.ZodTypeDef, any>;
  readonly fix: string;
}

const REGIONS = ["nyc1", "nyc2", "nyc3", "sfo1", "sfo2", "sfo3", "ams2", "ams3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1", "atl1"] as const;

const port = z.coerce.number().int().min(1).max(65535);
const seconds = z.coerce.number().positive().max(86_400);
const nonEmpty = z.string().trim().min(1);
/** Defaults derived from APP_NAME and DEPLOY_ENV, e.g. `web-production`, so two environments never share a name, tag or state key. */
export const NAMESPACE_HINT = "<APP_NAME>-<DEPLOY_ENV>";

const list = (item: z.ZodType<string, z.ZodTypeDef, any>) =>
  z
    .string()
    .transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(item));

const ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, "not an IPv4 address");
const ipv4Cidr = z.string().regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/);
const ipv6Cidr = z.string().regex(/^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|\d?\d)$/);
const cidr = z.string().refine((s) => ipv4Cidr.safeParse(s).success || ipv6Cidr.safeParse(s).success, (s) => ({ message: `${s} is not a CIDR block` }));
const tag = z.string().regex(/^[A-Za-z0-9_:-]{1,255}$/, "not a valid DigitalOcean tag");
const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "not a slug");
// An environment name becomes part of hostnames, tags and the state key: one DNS label (RFC 1123).
const dnsLabel = z.string().regex(/^(?=.{1,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "not a DNS label (lowercase letters, digits and dashes, at most 63, no dash at either end)");
// A Terraform resource address in this stack's root module, e.g. digitalocean_droplet.workers_blue_E84A8D04.
const resourceAddress = z.string().regex(/^[a-z][a-z0-9_]*\.[A-Za-z0-9_-]+$/, "not a resource address (type.name)");
const bool = z.enum(["true", "false"]).transform((s) => s === "true");
// DigitalOcean accepts either a key's MD5 fingerprint or its numeric id.
const sshKey = z.string().regex(/^(([0-9a-f]{2}:){15}[0-9a-f]{2}|\d+)$/, "not an MD5 fingerprint or numeric key id");
const domain = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "not a domain name");
// RFC 3986 path characters (unreserved, %XX, sub-delims but ' and $, ":" and "@"), and an optional query of the same plus
// "/" and "?": nothing that ends, quotes or comments a haproxy.cfg word (space, quote, backslash, #) can get in.
const PATH_CHARS = "A-Za-z0-9\\-._~!&()*+,;=:@/";
export const HEALTH_PATH = new RegExp(`^/(?:[${PATH_CHARS}]|%[0-9A-Fa-f]{2})*(?:\\?(?:[${PATH_CHARS}?]|%[0-9A-Fa-f]{2})*)?$`);
const httpPath = z.string().regex(HEALTH_PATH, "must start with / and use URL path characters only (letters, digits, - . _ ~ ! & ( ) * + , ; = : @ /, %XX escapes, an optional ?query)");
// The Redactor masks secret values of 6+ characters (shorter ones would mask ordinary words), so secrets must be longer.
const maskableSecret = z.string().refine((s) => s === "" || s.length >= 8, "shorter than 8 characters, too short to keep out of logs");
const url = z.string().url().refine((u) => /^https?:\/\//.test(u), "must be http(s)");

/**
 * Hosts plain http may reach: loopback, and the benchmarking range 198.18.0.0/15 (RFC 2544), where the lab runs its
 * simulator. The API token goes in every request, so anywhere else it must travel over TLS.
 */
export function cleartextAllowed(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(h);
  return !!v4 && (v4[1] === "127" || (v4[1] === "198" && (v4[2] === "18" || v4[2] === "19")));
}
const apiUrl = url.refine((u) => {
  const parsed = new URL(u);
  return parsed.protocol === "https:" || cleartextAllowed(parsed.hostname);
}, "must be https (plain http only on loopback or the lab's 198.18.0.0/15): the token travels with every request");

// A path spliced into shell scripts and a tmpfiles.d line: no spaces, quotes, $, %, globs, and no . or .. segments.
const safePath = z
  .string()
  .regex(/^(\/[A-Za-z0-9._@+-]+)+\/?$/, "must be an absolute path of letters, digits and . _ @ + -")
  .refine((p) => !p.split("/").some((seg) => seg === "." || seg === ".."), "must not contain . or .. segments");

/** Directories other users or the system own: the switch must never chmod, chown or fill one (cloud-init hands SWITCH_STATE_DIR to the deploy user). */
const SHARED_DIRS = ["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/run/lock", "/run/user", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/local", "/var", "/var/cache", "/var/lib", "/var/local", "/var/lock", "/var/log", "/var/run", "/var/spool", "/var/tmp", "/var/opt"];
/** World-writable (sticky) directories: anyone can create a path inside them first. */
const WORLD_WRITABLE = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/run/user"];
const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** Why `dir` cannot be SWITCH_STATE_DIR, or undefined. */
export function stateDirProblem(dir: string): string | undefined {
  const d = dir.replace(/\/+$/, "") || "/";
  if (SHARED_DIRS.includes(d)) return `${d} is a shared system directory (the lock scripts and cloud-init would change its owner or mode)`;
  const open = WORLD_WRITABLE.find((w) => inside(d, w));
  if (open) return `it is inside ${open}, where any user can create it first`;
  return undefined;
}

/** Directories under /run that belong to the system or to everyone: HAProxy's socket needs one of its own (cloud-init hands it to haproxy). */
const SHARED_RUN_DIRS = ["/run", "/run/lock", "/run/user", "/run/shm", "/run/systemd", "/run/sshd", "/run/dbus", "/run/udev", "/run/docker", "/run/cloud-init", "/run/mount", "/run/log", "/run/credentials", "/run/netns", "/run/initramfs"];

/** Why `socket` cannot be HAPROXY_ADMIN_SOCKET, or undefined. */
export function adminSocketProblem(socket: string): string | undefined {
  if (socket.endsWith("/")) return "must name the socket file, not a directory";
  const dir = socket.slice(0, socket.lastIndexOf("/")) || "/";
  if (!inside(dir, "/run") || dir === "/run") return `its directory ${dir} is not a directory of its own under /run (cloud-init's tmpfiles.d line hands that directory to the haproxy user)`;
  const shared = SHARED_RUN_DIRS.find((d) => inside(dir, d) && d !== "/run");
  if (shared) return `its directory ${dir} is inside ${shared}, which the system owns`;
  return undefined;
}
const adminSocket = safePath.superRefine((p, ctx) => {
  const problem = adminSocketProblem(p);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});
const stateDir = safePath.superRefine((p, ctx) => {
  const problem = stateDirProblem(p);
  if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
});

export const TLS_MODES = ["auto", "manual", "off"] as const;
export type TlsMode = (typeof TLS_MODES)[number];
export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
/** Where TLS=auto writes HAProxy's PEM unless HAPROXY_TLS_CERT_PATH says otherwise. */
export const DEFAULT_TLS_PEM = "/etc/haproxy/certs/do-bluegreen.pem";
export const DEBIAN_CERTBOT_DIR = "/etc/letsencrypt";
// The ACME account key and every certificate are requested over this URL: as the API token, never in cleartext.
const acmeUrl = url.refine((u) => {
  const parsed = new URL(u);
  return parsed.protocol === "https:" || cleartextAllowed(parsed.hostname);
}, "must be https (plain http only on loopback or the lab's 198.18.0.0/15)");

function v<T>(spec: VariableSpec<T>): VariableSpec<T> {
  return spec;
}

export const VARIABLES = {
  // --- the application ---
  appName: v({ name: "APP_NAME", default: "web", schema: slug, description: "Name of the app; prefixes containers and droplets.", fix: "use lowercase letters, digits and dashes, e.g. web" }),
  appPort: v({ name: "APP_PORT", default: "8080", schema: port, description: "Port the app container listens on (host network).", fix: "use a port number from 1 to 65535" }),
  healthPath: v({ name: "APP_HEALTH_PATH", default: "/health", schema: httpPath, description: "HTTP path that answers 200 when the app is healthy.", fix: "use a path such as /health" }),
  domain: v({ name: "APP_DOMAIN", default: "example.com", schema: domain, description: "DNS domain managed by DigitalOcean.", fix: "use a registered domain such as example.com" }),
  recordName: v({ name: "APP_RECORD_NAME", default: "@", schema: z.string().regex(/^(@|[a-z0-9-]+(\.[a-z0-9-]+)*)$/, "not a record name"), description: "A record name inside the domain (@ for the apex).", fix: "use @ or a label such as www" }),
  deployEnv: v({ name: "DEPLOY_ENV", default: "production", schema: dnsLabel, description: `Environment this run acts on, e.g. staging or production. Namespaces everything that is account-wide in DigitalOcean: the default tags, the droplet, VPC, firewall and project names and the state key (\`${NAMESPACE_HINT}\`), so environments share an account without ever touching each other's droplets.`, fix: "use a DNS label such as staging or production (lowercase letters, digits, dashes; at most 63)" }),
  appConfigFile: v({ name: "BLUEGREEN_CONFIG", default: "bluegreen.config.ts", schema: nonEmpty, description: "The app's typed definition (environment, secret names, volumes, options, hooks), relative to the working directory; the default file may be absent.", fix: "point it at a file that exports defineApp({...})" }),
  // --- DigitalOcean ---
  token: v({ name: "DIGITALOCEAN_TOKEN", secret: true, schema: z.string().regex(/^\S{20,}$/, "not a DigitalOcean API token"), description: "API token (write scope). Secret: a masked CI/CD variable.", fix: "create a token at cloud.digitalocean.com/account/api/tokens and set DIGITALOCEAN_TOKEN" }),
  apiUrl: v({ name: "DIGITALOCEAN_API_URL", default: "https://api.digitalocean.com", schema: apiUrl, description: "API base URL; the lab points it at its simulator. Must be https, except on loopback or 198.18.0.0/15 (the lab's ranges).", fix: "use an https URL such as https://api.digitalocean.com" }),
  region: v({ name: "DO_REGION", default: "nyc3", schema: z.enum(REGIONS, { errorMap: () => ({ message: "unknown region" }) }), description: "Region of the droplets, VPC and reserved IP.", fix: `use one of ${REGIONS.join(", ")}` }),
  projectName: v({ name: "DO_PROJECT_NAME", default: "", schema: z.string(), description: `DigitalOcean project that groups the resources. Empty = \`${NAMESPACE_HINT}\`.`, fix: "set a project name, or leave it empty" }),
  vpcIpRange: v({ name: "DO_VPC_IP_RANGE", default: "10.10.10.0/24", schema: ipv4Cidr, description: "Private IPv4 CIDR of the VPC.", fix: "use an IPv4 CIDR such as 10.10.10.0/24" }),
  dropletSize: v({ name: "DO_DROPLET_SIZE", default: "s-1vcpu-1gb", schema: slug, description: "Size slug of the two worker droplets.", fix: "use a size slug such as s-1vcpu-1gb" }),
  dropletSizeBlue: v({ name: "DO_DROPLET_SIZE_BLUE", default: "", schema: z.union([z.literal(""), slug]), description: "Size slug of the blue worker only; empty = DO_DROPLET_SIZE. A resize powers the droplet off: resize the FALLBACK worker, cut over, then the other (docs/day-two.md).", fix: "use a size slug such as s-2vcpu-2gb, or leave it empty" }),
  dropletSizeGreen: v({ name: "DO_DROPLET_SIZE_GREEN", default: "", schema: z.union([z.literal(""), slug]), description: "Size slug of the green worker only; empty = DO_DROPLET_SIZE.", fix: "use a size slug such as s-2vcpu-2gb, or leave it empty" }),
  haproxySize: v({ name: "DO_HAPROXY_SIZE", default: "s-1vcpu-512mb-10gb", schema: slug, description: "Size slug of the HAProxy droplet.", fix: "use a size slug such as s-1vcpu-512mb-10gb" }),
  dropletImage: v({ name: "DO_DROPLET_IMAGE", default: "debian-12-x64", schema: slug, description: "Base image of all droplets.", fix: "use an image slug such as debian-12-x64" }),
  sshKeys: v({ name: "DO_SSH_KEYS", default: "", schema: list(sshKey), description: "Comma-separated SSH key fingerprints (or ids) for the deploy user (SSH_USER) on new droplets; a deploy refuses an empty list. Read at first boot only.", fix: "list fingerprints as shown by `doctl compute ssh-key list`, e.g. 3b:16:...:af" }),
  sshAllowedCidrs: v({ name: "DO_SSH_ALLOWED_CIDRS", default: "", schema: list(cidr), description: "Comma-separated CIDRs allowed to SSH to the droplets (CI runners, admins). A deploy refuses an empty list, and 0.0.0.0/0 or ::/0 unless ALLOW_OPEN_SSH=true.", fix: "list CIDR blocks such as 203.0.113.0/24" }),
  allowOpenSsh: v({ name: "ALLOW_OPEN_SSH", default: "false", schema: bool, description: "true lets a deploy go ahead with SSH open to the internet (0.0.0.0/0 or ::/0, e.g. for shared CI runners) or with no DO_SSH_KEYS; synth still warns. Keys only either way: password and root logins are off.", fix: "use true or false" }),
  allowTagReference: v({ name: "SWITCH_ALLOW_TAG_REFERENCE", default: "false", schema: bool, description: "true lets a cutover in CI (CI=true) deploy a tag-only reference (registry/path:tag). By default CI deploys only registry/path@sha256:…, the digest the build pushed: a tag can be moved by anyone who can push to the repository between build and switch.", fix: "use true or false" }),
  // --- roles ---
  prodTag: v({ name: "TAG_PROD", default: "", schema: z.union([z.literal(""), tag]), description: `Tag of the droplet that serves traffic. Empty = \`${NAMESPACE_HINT}-prod\`, e.g. \`web-production-prod\`.`, fix: "use letters, digits, _, : or -, or leave it empty" }),
  fallbackTag: v({ name: "TAG_FALLBACK", default: "", schema: z.union([z.literal(""), tag]), description: `Tag of the idle droplet that keeps the previous version. Empty = \`${NAMESPACE_HINT}-fallback\`.`, fix: "use letters, digits, _, : or -, or leave it empty" }),
  balancerTag: v({ name: "TAG_BALANCER", default: "", schema: z.union([z.literal(""), tag]), description: `Tag of the HAProxy droplet. Empty = \`${NAMESPACE_HINT}-balancer\`.`, fix: "use letters, digits, _, : or -, or leave it empty" }),
  floatingIp: v({ name: "FLOATING_IP", default: "", schema: z.union([z.literal(""), ipv4]), description: "Reserved IP to move; empty = the one attached to the PROD or FALLBACK droplet.", fix: "use the reserved IP shown by `npm run synth` outputs / the control panel" }),
  // --- HAProxy ---
  tlsCertificatePath: v({ name: "HAPROXY_TLS_CERT_PATH", default: "", schema: z.union([z.literal(""), z.string().regex(/^\/\S+\.pem$/, "must be an absolute path to a .pem")]), description: `PEM (certificate chain + key) HAProxy serves on 443. TLS=manual: your certificate, put there by you. TLS=auto: where the balancer writes the issued one. Empty = ${DEFAULT_TLS_PEM} (auto), required for manual.`, fix: "use an absolute path such as /etc/haproxy/certs/site.pem" }),
  // --- HTTPS ---
  tlsMode: v({ name: "TLS", default: "", schema: z.union([z.literal(""), z.enum(TLS_MODES)], { errorMap: () => ({ message: "not auto, manual or off" }) }), description: "HTTPS on the balancer. auto: certificates for the app's host names from an ACME server (ACME_DIRECTORY_URL), issued and renewed on the balancer by certbot; plain HTTP redirects to HTTPS once one is served. manual: your own PEM at HAPROXY_TLS_CERT_PATH. off: plain HTTP only. Empty = auto when APP_DOMAIN is set, manual when only HAPROXY_TLS_CERT_PATH is, else off.", fix: "use auto, manual or off" }),
  acmeDirectoryUrl: v({ name: "ACME_DIRECTORY_URL", default: LETS_ENCRYPT_PRODUCTION, schema: acmeUrl, description: `ACME (RFC 8555) directory the balancer's certbot asks for certificates (TLS=auto): Let's Encrypt production by default; ${LETS_ENCRYPT_STAGING} for staging. Must be https (loopback and the lab's 198.18.0.0/15 excepted).`, fix: `use an https directory URL such as ${LETS_ENCRYPT_STAGING}` }),
  acmeEmail: v({ name: "ACME_EMAIL", default: "", schema: z.union([z.literal(""), z.string().email("not an email address")]), description: "Contact address for the ACME account (expiry warnings from the CA). Empty = an account without one.", fix: "use an address such as ops@example.com, or leave it empty" }),
  tlsExtraNames: v({ name: "TLS_EXTRA_NAMES", default: "", schema: list(domain), description: "Comma-separated extra host names on the certificate (TLS=auto), each APP_DOMAIN itself or a name under it, e.g. www.example.com; the record's name (APP_RECORD_NAME in APP_DOMAIN) is always on it. Each must resolve to the balancer for HTTP-01.", fix: "list names under APP_DOMAIN such as www.example.com" }),
  hstsMaxAge: v({ name: "HSTS_MAX_AGE_SECONDS", default: "31536000", schema: z.coerce.number().int().min(0).max(63_072_000), description: "Strict-Transport-Security max-age HAProxy sends on HTTPS answers (one year by default, no includeSubDomains, no preload); 0 = no header. Browsers then refuse plain HTTP to the site for that long: lower it before turning TLS off.", fix: "use a number of seconds from 0 to 63072000, e.g. 31536000" }),
  certbotConfigDir: v({ name: "CERTBOT_CONFIG_DIR", default: DEBIAN_CERTBOT_DIR, schema: safePath, description: `certbot's configuration directory on the balancer (TLS=auto). The default is Debian's, which certbot.timer renews; another directory also holds certbot's work and logs (the lab's).`, fix: `use an absolute path such as ${DEBIAN_CERTBOT_DIR}` }),
  haproxyAdminSocket: v({ name: "HAPROXY_ADMIN_SOCKET", default: "/run/haproxy/admin.sock", schema: adminSocket, description: "HAProxy runtime API socket on the HAProxy droplet, in a directory of its own under /run (cloud-init hands that directory to the haproxy user).", fix: "use a path such as /run/haproxy/admin.sock" }),
  haproxyConfigFile: v({ name: "HAPROXY_CONFIG_FILE", default: "/etc/haproxy/haproxy.cfg", schema: z.string().regex(/^\/\S+$/, "must be an absolute path"), description: "haproxy.cfg on the HAProxy droplet, where `balancer apply` installs the rendered file (Debian's haproxy.service reads the default; the lab sets its own).", fix: "use an absolute path such as /etc/haproxy/haproxy.cfg" }),
  balancerSysctlFile: v({ name: "BALANCER_SYSCTL_FILE", default: BALANCER_SYSCTL_FILE, schema: z.string().regex(/^\/\S+\.conf$/, "must be an absolute path to a .conf file"), description: "The balancer's kernel settings file (TIME_WAIT reuse and a wide port range for HAProxy's connections to the workers), which `balancer apply` keeps and loads with `sysctl -p`; cloud-init writes the default path (the lab sets its own).", fix: `use an absolute path such as ${BALANCER_SYSCTL_FILE}` }),
  haproxyReloadCommand: v({ name: "HAPROXY_RELOAD_COMMAND", default: "systemctl reload haproxy", schema: z.string().regex(/^[^\n]*\S[^\n]*$/, "must be one non-empty line"), description: "Shell command on the HAProxy droplet that makes HAProxy's master process reload its configuration hitlessly (master-worker mode: the new worker takes over the listening sockets, the old one finishes its requests). `systemctl reload haproxy` sends the master SIGUSR2; the lab sends it itself.", fix: "use a command such as systemctl reload haproxy" }),
  haproxyBindAddress: v({ name: "HAPROXY_BIND_ADDRESS", default: "*", schema: z.string().regex(/^(\*|(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3})$/, "not * or an IPv4 address"), description: "Address HAProxy's public frontend binds to on the HAProxy droplet; * = every address (the lab binds its balancer's).", fix: "use * or an IPv4 address" }),
  haproxyUser: v({ name: "HAPROXY_USER", default: "haproxy", schema: z.string().regex(/^[a-z_][a-z0-9_-]*$/, "not a user name").transform((s) => (s === "none" ? null : s)), description: "User and group HAProxy drops to after binding (Debian's package user); none = stay root (the lab).", fix: "use a user name such as haproxy, or none" }),
  haproxyLogTarget: v({ name: "HAPROXY_LOG_TARGET", default: "/dev/log local0", schema: z.string().regex(/^(none|\S+ \S+( \S+)*)$/, "not `<address> <facility> [level]` or none").transform((s) => (s === "none" ? null : s)), description: "HAProxy's `log` target and facility (journald through /dev/log on a droplet); none = no logging (the lab).", fix: "use a target such as /dev/log local0, or none" }),
  stateDir: v({ name: "SWITCH_STATE_DIR", default: "/var/lib/do-bluegreen", schema: stateDir, description: "Directory on the HAProxy droplet holding the deploy lock and the audit log; a directory of its own (cloud-init gives it to SSH_USER), never a shared one such as /tmp or /var/lib.", fix: "use a directory of its own such as /var/lib/do-bluegreen" }),
  // --- Terraform state on Spaces ---
  spacesBucket: v({ name: "SPACES_BUCKET", default: "do-bluegreen-state", schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "not a bucket name"), description: "Spaces bucket holding Terraform state.", fix: "use 3-63 lowercase letters, digits, dots and dashes" }),
  spacesRegion: v({ name: "SPACES_REGION", default: "nyc3", schema: z.enum(["nyc3", "ams3", "sgp1", "sfo2", "sfo3", "fra1", "syd1", "blr1", "atl1", "lon1", "tor1"], { errorMap: () => ({ message: "not a Spaces region" }) }), description: "Spaces region of the state bucket.", fix: "use a Spaces region such as nyc3 or fra1" }),
  spacesKey: v({ name: "SPACES_STATE_KEY", default: "", schema: z.union([z.literal(""), z.string().regex(/^[^\s/][^\s]*$/, "must be a relative object key")]), description: `Object key of the state file. Empty = \`do-bluegreen/${NAMESPACE_HINT}/terraform.tfstate\`, one state per environment.`, fix: "use a key such as do-bluegreen/web-production/terraform.tfstate, or leave it empty" }),
  allowDestroy: v({ name: "ALLOW_DESTROY", default: "", schema: list(resourceAddress), description: "Comma-separated resource addresses (as the plan guard prints them) whose delete or replacement one deploy may carry out: synth drops their prevent_destroy and the plan guard lets them through. Set it for one run only.", fix: "list exact addresses such as digitalocean_droplet.workers_blue_E84A8D04, as infra/plan-guard-cli.ts names them" }),
  // --- the switch: access ---
  sshUser: v({ name: "SSH_USER", default: "deploy", schema: nonEmpty, description: "SSH user on the droplets. Cloud-init creates it (not root: root login is off) with the DO_SSH_KEYS keys, in the docker group on the workers and the haproxy group on the balancer.", fix: "set a user name such as deploy" }),
  sshPort: v({ name: "SSH_PORT", default: "22", schema: port, description: "SSH port on the droplets.", fix: "use a port number from 1 to 65535" }),
  sshPrivateKey: v({ name: "SSH_PRIVATE_KEY", secret: true, default: "", schema: z.string(), description: "Private key (PEM/OpenSSH text) for the droplets. Secret: a masked CI/CD variable of type file or text.", fix: "paste the private key, or set SSH_PRIVATE_KEY_FILE" }),
  sshPrivateKeyFile: v({ name: "SSH_PRIVATE_KEY_FILE", default: "", schema: z.string(), description: "Path to the private key, used when SSH_PRIVATE_KEY is empty.", fix: "point at a readable key file" }),
  sshKnownHosts: v({ name: "SSH_KNOWN_HOSTS", default: "", schema: z.string(), description: "known_hosts lines pinning the droplets' host keys.", fix: "run ssh-keyscan against each droplet and paste the lines" }),
  sshKnownHostsFile: v({ name: "SSH_KNOWN_HOSTS_FILE", default: "", schema: z.string(), description: "Path to a known_hosts file, used when SSH_KNOWN_HOSTS is empty.", fix: "point at a readable known_hosts file" }),
  sshInsecureAcceptAnyHostKey: v({ name: "SSH_INSECURE_ACCEPT_ANY_HOST_KEY", default: "false", schema: bool, description: "Skip host-key checking (warned about on every run). Never in production.", fix: "use true or false" }),
  sshAuthorizedKeys: v({ name: "SSH_AUTHORIZED_KEYS", default: "", schema: authorizedKeysSchema, description: "The SSH user's authorized keys on all three droplets, one OpenSSH public key per line (not secret). `balancer apply` installs exactly these lines, atomically, and refuses a list without the key the switch connects with. Empty = leave the droplets' keys as they are.", fix: "paste public key lines such as `ssh-ed25519 AAAA... alice@laptop`, one per line" }),
  sshAuthorizedKeysFile: v({ name: "SSH_AUTHORIZED_KEYS_FILE", default: ".ssh/authorized_keys", schema: z.string().regex(/^[^\s'"$`\\]+$/, "must be a path without spaces, quotes, $, ` or \\"), description: "Where `balancer apply` installs SSH_AUTHORIZED_KEYS on each droplet: relative to SSH_USER's home, or absolute (sshd's AuthorizedKeysFile; the lab's sshds share one file).", fix: "use a path such as .ssh/authorized_keys" }),
  // --- the switch: registry ---
  registry: v({ name: "CI_REGISTRY", default: "", schema: z.string(), description: "Registry host for pulls (GitLab sets it).", fix: "set the registry host, e.g. registry.gitlab.com" }),
  registryUser: v({ name: "CI_REGISTRY_USER", default: "", schema: z.string(), description: "Registry user for pulls (GitLab sets it).", fix: "set the registry user" }),
  registryPassword: v({ name: "CI_REGISTRY_PASSWORD", secret: true, default: "", schema: maskableSecret, description: "Registry password for pulls (GitLab sets it). Secret.", fix: "use a deploy token (or a password of 8+ characters)" }),
  // --- the switch: timing ---
  healthTimeout: v({ name: "SWITCH_HEALTH_TIMEOUT_SECONDS", default: "90", schema: seconds, description: "How long the new container may take to become healthy.", fix: "use a number of seconds, e.g. 90" }),
  bakeSeconds: v({ name: "SWITCH_BAKE_SECONDS", default: "15", schema: seconds, description: "Bake window after the hand-over: the public entry must answer with the new version (3 times in a row) within it, and HAProxy's error counters for the new release are watched until it ends.", fix: "use a number of seconds, e.g. 15" }),
  rollbackErrorPercent: v({ name: "SWITCH_ROLLBACK_ERROR_PERCENT", default: "1", schema: z.coerce.number().min(0).max(100), description: "During the bake window, hand traffic back when more than this share of the new release's responses are 5xx or connection errors.", fix: "use a percentage from 0 to 100, e.g. 1" }),
  rollbackMinResponses: v({ name: "SWITCH_ROLLBACK_MIN_RESPONSES", default: "50", schema: z.coerce.number().int().min(1).max(1_000_000), description: "Responses the new release must have served before its error rate can trigger the hand-back.", fix: "use a whole number such as 50" }),
  drainTimeout: v({ name: "SWITCH_DRAIN_TIMEOUT_SECONDS", default: "30", schema: seconds, description: "How long to wait for in-flight requests to the floating IP to finish.", fix: "use a number of seconds, e.g. 30" }),
  actionTimeout: v({ name: "SWITCH_ACTION_TIMEOUT_SECONDS", default: "180", schema: seconds, description: "How long a reserved-IP assign action may take.", fix: "use a number of seconds, e.g. 180" }),
  pullTimeout: v({ name: "SWITCH_PULL_TIMEOUT_SECONDS", default: "600", schema: seconds, description: "How long pulling the new image on a droplet may take; then the pull is stopped and the cutover fails with nothing changed.", fix: "use a number of seconds, e.g. 600" }),
  lockTtl: v({ name: "SWITCH_LOCK_TTL_SECONDS", default: "900", schema: seconds, description: "How long the deploy lock lives by the balancer's clock without a renewal; a run renews it before every step and every third of it, so it only expires after its run died. At least the longest single wait (health, bake, drain, IP action, pull, hook timeouts).", fix: "use a number of seconds, e.g. 900" }),
  publicUrl: v({ name: "SWITCH_PUBLIC_URL", default: "", schema: z.union([z.literal(""), url]), description: "The public entry; after the flip the switch verifies its health path there (APP_HEALTH_PATH, the one path maintenance mode lets through). Empty = http://<HAProxy droplet IP>/.", fix: "use an http(s) URL such as https://example.com/" }),
  // --- reporting ---
  githubToken: v({ name: "GITHUB_TOKEN", secret: true, default: "", schema: maskableSecret, description: "Optional: records a GitHub Deployment when set with GITHUB_REPOSITORY. Secret.", fix: "set a token with deployments:write" }),
  githubRepository: v({ name: "GITHUB_REPOSITORY", default: "", schema: z.union([z.literal(""), z.string().regex(/^[\w.-]+\/[\w.-]+$/, "not owner/name")]), description: "Optional: owner/name of the GitHub repository for Deployments.", fix: "use owner/name" }),
} as const;

export type VariableKey = keyof typeof VARIABLES;
export const ALL_REGIONS = REGIONS;
