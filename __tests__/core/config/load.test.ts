import { loadConfig } from "../../../core/config";
import { ConfigError, ExitCode } from "../../../core/errors";

type Env = Record<string, string | undefined>;

function configErrorOf(env: Env, purpose: "stack" | "switch" = "stack"): ConfigError {
  try {
    loadConfig(env, purpose);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected loadConfig to throw a ConfigError");
}

// Enough for the switch to pass its extra requirements, so each row isolates one problem.
const SWITCH_BASE: Env = { DIGITALOCEAN_TOKEN: "dop_v1_" + "a".repeat(40), SSH_PRIVATE_KEY: "key material", SSH_KNOWN_HOSTS: "host ssh-ed25519 AAAA" };

describe("loadConfig", () => {
  it("GIVEN an empty environment WHEN loading for the stack THEN every documented default applies", () => {
    const config = loadConfig({}, "stack");
    expect(config.app).toEqual({ name: "web", port: 8080, healthPath: "/health", domain: "example.com", recordName: "@" });
    expect(config.digitalocean.region).toBe("nyc3");
    expect(config.digitalocean.token).toBeUndefined();
    // Closed by default: no SSH source at all (a deploy refuses that, and asks for the runners' CIDRs).
    expect(config.digitalocean.sshAllowedCidrs).toEqual([]);
    expect(config.ssh.user).toBe("deploy");
    expect(config.safety).toEqual({ allowOpenSsh: false, allowDestroy: [], allowTagReference: false });
    expect(config.deployEnv).toBe("production");
    expect(config.namespace).toBe("web-production");
    expect(config.tags).toEqual({ prod: "web-production-prod", fallback: "web-production-fallback", balancer: "web-production-balancer" });
    expect(config.digitalocean.projectName).toBe("web-production");
    expect(config.digitalocean.workerSizes).toEqual({ blue: "s-1vcpu-1gb", green: "s-1vcpu-1gb" });
    expect(config.spaces).toEqual({ bucket: "do-bluegreen-state", region: "nyc3", key: "do-bluegreen/web-production/terraform.tfstate" });
    expect(config.haproxy.adminSocket).toBe("/run/haproxy/admin.sock");
  });

  it("GIVEN APP_NAME and DEPLOY_ENV WHEN loading THEN the tags, project name and state key are namespaced by both, so two environments never share one", () => {
    const staging = loadConfig({ APP_NAME: "shop", DEPLOY_ENV: "staging" }, "stack");
    const production = loadConfig({ APP_NAME: "shop" }, "stack");
    expect(staging.tags).toEqual({ prod: "shop-staging-prod", fallback: "shop-staging-fallback", balancer: "shop-staging-balancer" });
    expect(staging.digitalocean.projectName).toBe("shop-staging");
    expect(staging.spaces.key).toBe("do-bluegreen/shop-staging/terraform.tfstate");
    const values = (c: typeof staging) => [...Object.values(c.tags), c.digitalocean.projectName, c.spaces.key];
    expect(values(staging).filter((v) => values(production).includes(v))).toEqual([]);
  });

  it("GIVEN explicit tags, project, state key and one worker's size WHEN loading THEN they win over the derived defaults", () => {
    const config = loadConfig({ TAG_PROD: "PROD", TAG_FALLBACK: "FALLBACK", TAG_BALANCER: "BALANCER", DO_PROJECT_NAME: "legacy", SPACES_STATE_KEY: "do-bluegreen/terraform.tfstate", DO_DROPLET_SIZE_GREEN: "s-2vcpu-2gb" }, "stack");
    expect(config.tags).toEqual({ prod: "PROD", fallback: "FALLBACK", balancer: "BALANCER" });
    expect(config.digitalocean.projectName).toBe("legacy");
    expect(config.spaces.key).toBe("do-bluegreen/terraform.tfstate");
    expect(config.digitalocean.workerSizes).toEqual({ blue: "s-1vcpu-1gb", green: "s-2vcpu-2gb" });
  });

  it("GIVEN the overrides WHEN loading THEN ALLOW_OPEN_SSH is a boolean and ALLOW_DESTROY a list of addresses", () => {
    const config = loadConfig({ ALLOW_OPEN_SSH: "true", ALLOW_DESTROY: " digitalocean_droplet.workers_blue_E84A8D04 , digitalocean_vpc.network_vpc_4E8F0223" }, "stack");
    expect(config.safety).toEqual({ allowOpenSsh: true, allowDestroy: ["digitalocean_droplet.workers_blue_E84A8D04", "digitalocean_vpc.network_vpc_4E8F0223"], allowTagReference: false });
  });

  it("GIVEN lists, numbers and a trailing slash WHEN loading THEN they are parsed and normalised", () => {
    const config = loadConfig({ DO_SSH_ALLOWED_CIDRS: " 203.0.113.0/24 , 2001:db8::/32 ", APP_PORT: "3000", DIGITALOCEAN_API_URL: "http://127.0.0.1:9000/", SWITCH_BAKE_SECONDS: "2" }, "stack");
    expect(config.digitalocean.sshAllowedCidrs).toEqual(["203.0.113.0/24", "2001:db8::/32"]);
    expect(config.app.port).toBe(3000);
    expect(config.digitalocean.apiUrl).toBe("http://127.0.0.1:9000");
    expect(config.timing.bakeMs).toBe(2000);
  });

  // Each row: the environment, the purpose, the variable that must be named, and words from its message and fix.
  const cases: [string, Env, "stack" | "switch", string, RegExp][] = [
    ["missing token for the switch", { ...SWITCH_BASE, DIGITALOCEAN_TOKEN: undefined }, "switch", "DIGITALOCEAN_TOKEN", /required by the switch.*fix: create a token/],
    ["malformed token", { DIGITALOCEAN_TOKEN: "short" }, "stack", "DIGITALOCEAN_TOKEN", /not a DigitalOcean API token/],
    ["unknown region", { DO_REGION: "mars1" }, "stack", "DO_REGION", /"mars1": unknown region — fix: use one of nyc1/],
    ["bad SSH CIDR", { DO_SSH_ALLOWED_CIDRS: "203.0.113.0/24,not-a-cidr" }, "stack", "DO_SSH_ALLOWED_CIDRS", /not-a-cidr is not a CIDR block/],
    ["bad VPC range", { DO_VPC_IP_RANGE: "300.1.2.0/24" }, "stack", "DO_VPC_IP_RANGE", /"300.1.2.0\/24".*fix: use an IPv4 CIDR/],
    ["port out of range", { APP_PORT: "70000" }, "stack", "APP_PORT", /"70000".*fix: use a port number from 1 to 65535/],
    ["non-numeric SSH port", { SSH_PORT: "ssh" }, "stack", "SSH_PORT", /"ssh"/],
    ["health path without slash", { APP_HEALTH_PATH: "health" }, "stack", "APP_HEALTH_PATH", /must start with \//],
    ["bad domain", { APP_DOMAIN: "not a domain" }, "stack", "APP_DOMAIN", /not a domain name/],
    ["bad app name", { APP_NAME: "Web App" }, "stack", "APP_NAME", /not a slug/],
    ["bad SSH key fingerprint", { DO_SSH_KEYS: "zz:11" }, "stack", "DO_SSH_KEYS", /not an MD5 fingerprint/],
    ["bad floating IP", { FLOATING_IP: "1.2.3" }, "stack", "FLOATING_IP", /not an IPv4 address/],
    ["relative TLS certificate path", { HAPROXY_TLS_CERT_PATH: "site.pem" }, "stack", "HAPROXY_TLS_CERT_PATH", /absolute path to a \.pem/],
    ["relative admin socket", { HAPROXY_ADMIN_SOCKET: "admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /must be an absolute path/],
    ["bad Spaces region", { SPACES_REGION: "nyc1" }, "stack", "SPACES_REGION", /not a Spaces region/],
    ["bad bucket", { SPACES_BUCKET: "UPPER" }, "stack", "SPACES_BUCKET", /not a bucket name/],
    ["absolute state key", { SPACES_STATE_KEY: "/state.tfstate" }, "stack", "SPACES_STATE_KEY", /relative object key/],
    ["registry password too short to mask", { CI_REGISTRY_PASSWORD: "abc" }, "stack", "CI_REGISTRY_PASSWORD", /"\[redacted\]": shorter than 8 characters.*fix: use a deploy token/],
    ["same PROD and FALLBACK tags", { TAG_PROD: "LIVE", TAG_FALLBACK: "LIVE" }, "stack", "TAG_FALLBACK", /must differ from TAG_PROD/],
    ["balancer tag reused", { TAG_PROD: "PROD", TAG_BALANCER: "PROD" }, "stack", "TAG_BALANCER", /must differ from TAG_PROD and TAG_FALLBACK/],
    ["an explicit tag equal to a derived one", { TAG_FALLBACK: "web-production-prod" }, "stack", "TAG_FALLBACK", /"web-production-prod": must differ from TAG_PROD/],
    // HTTPS bad input (issue 12): refused with the fix before anything changes.
    ["TLS=auto without a domain", { TLS: "auto" }, "stack", "TLS", /"auto": needs the app's domain.*fix: set APP_DOMAIN to your domain/],
    ["an extra name outside APP_DOMAIN", { APP_DOMAIN: "shop.example.org", TLS_EXTRA_NAMES: "www.shop.example.org,shop.example.net" }, "stack", "TLS_EXTRA_NAMES", /"shop.example.net": not under APP_DOMAIN \(shop.example.org\).*fix: use names such as www.shop.example.org/],
    ["a look-alike suffix of APP_DOMAIN", { APP_DOMAIN: "example.org", TLS_EXTRA_NAMES: "badexample.org" }, "stack", "TLS_EXTRA_NAMES", /"badexample.org": not under APP_DOMAIN/],
    ["a plain-http ACME directory", { APP_DOMAIN: "shop.example.org", ACME_DIRECTORY_URL: "http://acme.example.org/directory" }, "stack", "ACME_DIRECTORY_URL", /must be https \(plain http only on loopback.*fix: use an https directory URL/],
    ["TLS=manual without a certificate path", { TLS: "manual" }, "stack", "TLS", /"manual": needs the certificate's path.*fix: set HAPROXY_TLS_CERT_PATH/],
    ["TLS=off with a certificate path", { TLS: "off", HAPROXY_TLS_CERT_PATH: "/etc/haproxy/site.pem" }, "stack", "HAPROXY_TLS_CERT_PATH", /TLS=off serves no HTTPS.*fix: unset HAPROXY_TLS_CERT_PATH, or use TLS=manual/],
    ["an unknown TLS mode", { TLS: "on" }, "stack", "TLS", /"on": not auto, manual or off/],
    ["HSTS longer than two years", { HSTS_MAX_AGE_SECONDS: "99999999" }, "stack", "HSTS_MAX_AGE_SECONDS", /fix: use a number of seconds from 0 to 63072000/],
    // Bad input (issue 11): one line each, with the fix.
    ["DEPLOY_ENV with capitals and an underscore", { DEPLOY_ENV: "Prod_1" }, "stack", "DEPLOY_ENV", /"Prod_1": not a DNS label.*fix: use a DNS label such as staging or production/],
    ["DEPLOY_ENV with a trailing dash", { DEPLOY_ENV: "staging-" }, "stack", "DEPLOY_ENV", /not a DNS label/],
    ["DEPLOY_ENV with a dot", { DEPLOY_ENV: "eu.prod" }, "stack", "DEPLOY_ENV", /not a DNS label/],
    ["DEPLOY_ENV of 64 characters", { DEPLOY_ENV: "e".repeat(64) }, "stack", "DEPLOY_ENV", /not a DNS label/],
    ["names longer than a hostname", { APP_NAME: "a".repeat(30), DEPLOY_ENV: "e".repeat(30) }, "stack", "DEPLOY_ENV", /-haproxy is longer than a hostname label \(63\).*fix: shorten APP_NAME or DEPLOY_ENV/],
    ["a public VPC range", { DO_VPC_IP_RANGE: "8.8.8.0/24" }, "stack", "DO_VPC_IP_RANGE", /"8.8.8.0\/24": not a private \(RFC 1918\) range — fix: use a private range from \/16 to \/24/],
    ["a range next to 172.16/12, outside it", { DO_VPC_IP_RANGE: "172.32.0.0/16" }, "stack", "DO_VPC_IP_RANGE", /not a private \(RFC 1918\) range/],
    ["a VPC range wider than /16", { DO_VPC_IP_RANGE: "10.0.0.0/8" }, "stack", "DO_VPC_IP_RANGE", /a \/8: DigitalOcean VPCs are \/16 to \/24.*fix: /],
    ["a VPC range narrower than /24", { DO_VPC_IP_RANGE: "192.168.1.0/28" }, "stack", "DO_VPC_IP_RANGE", /a \/28: DigitalOcean VPCs are \/16 to \/24/],
    ["a VPC range with host bits", { DO_VPC_IP_RANGE: "10.10.10.5/24" }, "stack", "DO_VPC_IP_RANGE", /host bits set.*fix: /],
    ["APP_PORT equal to the default SSH_PORT", { APP_PORT: "22" }, "stack", "APP_PORT", /"22": same as SSH_PORT — fix: use another port for the app/],
    ["APP_PORT equal to a custom SSH_PORT", { APP_PORT: "2222", SSH_PORT: "2222" }, "stack", "APP_PORT", /same as SSH_PORT/],
    ["APP_PORT 80", { APP_PORT: "80" }, "stack", "APP_PORT", /"80": 80 and 443 are HAProxy's public ports — fix: /],
    ["APP_PORT 443", { APP_PORT: "443" }, "stack", "APP_PORT", /"443": 80 and 443 are HAProxy's public ports/],
    ["ALLOW_DESTROY that is not an address", { ALLOW_DESTROY: "web-blue" }, "stack", "ALLOW_DESTROY", /not a resource address.*fix: list exact addresses/],
    ["ALLOW_OPEN_SSH typo", { ALLOW_OPEN_SSH: "yes" }, "stack", "ALLOW_OPEN_SSH", /fix: use true or false/],
    ["non-http API URL", { DIGITALOCEAN_API_URL: "ftp://example.com" }, "stack", "DIGITALOCEAN_API_URL", /must be http\(s\)/],
    // The token travels with every API request.
    ["a plain-http API URL on a public host", { DIGITALOCEAN_API_URL: "http://api.digitalocean.com" }, "stack", "DIGITALOCEAN_API_URL", /must be https \(plain http only on loopback or the lab's 198\.18\.0\.0\/15\)/],
    ["a plain-http API URL just outside the lab's range", { DIGITALOCEAN_API_URL: "http://198.20.0.1:8099" }, "stack", "DIGITALOCEAN_API_URL", /must be https/],
    ["a plain-http API URL on a private address", { DIGITALOCEAN_API_URL: "http://10.0.0.5" }, "stack", "DIGITALOCEAN_API_URL", /must be https/],
    ["a plain-http API URL whose user part looks like loopback", { DIGITALOCEAN_API_URL: "http://127.0.0.1@evil.example/" }, "stack", "DIGITALOCEAN_API_URL", /must be https/],
    // cloud-init's tmpfiles.d line hands the socket's directory to the haproxy user.
    ["the admin socket directly in /", { HAPROXY_ADMIN_SOCKET: "/admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /directory \/ is not a directory of its own under \/run/],
    ["the admin socket directly in /run", { HAPROXY_ADMIN_SOCKET: "/run/admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /not a directory of its own under \/run/],
    ["the admin socket outside /run", { HAPROXY_ADMIN_SOCKET: "/var/lib/haproxy/admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /not a directory of its own under \/run/],
    ["the admin socket in a shared /run directory", { HAPROXY_ADMIN_SOCKET: "/run/lock/admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /inside \/run\/lock, which the system owns/],
    ["the admin socket with a .. segment", { HAPROXY_ADMIN_SOCKET: "/run/haproxy/../admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /\. or \.\. segments/],
    ["the admin socket with a tmpfiles specifier", { HAPROXY_ADMIN_SOCKET: "/run/%h/admin.sock" }, "stack", "HAPROXY_ADMIN_SOCKET", /letters, digits/],
    // The lock scripts and cloud-init would chmod or chown it.
    ["SWITCH_STATE_DIR=/tmp", { SWITCH_STATE_DIR: "/tmp" }, "stack", "SWITCH_STATE_DIR", /\/tmp is a shared system directory/],
    ["SWITCH_STATE_DIR=/", { SWITCH_STATE_DIR: "/" }, "stack", "SWITCH_STATE_DIR", /must be an absolute path of letters/],
    ["SWITCH_STATE_DIR=/var/tmp/", { SWITCH_STATE_DIR: "/var/tmp/" }, "stack", "SWITCH_STATE_DIR", /\/var\/tmp is a shared system directory/],
    ["the admin socket as a directory", { HAPROXY_ADMIN_SOCKET: "/run/haproxy/" }, "stack", "HAPROXY_ADMIN_SOCKET", /must name the socket file/],
    ["SWITCH_STATE_DIR=/var/lib", { SWITCH_STATE_DIR: "/var/lib" }, "stack", "SWITCH_STATE_DIR", /\/var\/lib is a shared system directory/],
    ["SWITCH_STATE_DIR inside /tmp", { SWITCH_STATE_DIR: "/tmp/do-bluegreen" }, "stack", "SWITCH_STATE_DIR", /inside \/tmp, where any user can create it first/],
    ["SWITCH_STATE_DIR inside /dev/shm", { SWITCH_STATE_DIR: "/dev/shm/bg" }, "stack", "SWITCH_STATE_DIR", /inside \/dev\/shm/],
    ["SWITCH_STATE_DIR with a quote", { SWITCH_STATE_DIR: "/var/lib/it's" }, "stack", "SWITCH_STATE_DIR", /letters, digits/],
    // A quote, backslash or # would break or truncate haproxy.cfg.
    ["APP_HEALTH_PATH with a quote", { APP_HEALTH_PATH: "/health'x" }, "stack", "APP_HEALTH_PATH", /URL path characters only/],
    ["APP_HEALTH_PATH with a double quote", { APP_HEALTH_PATH: '/health"x' }, "stack", "APP_HEALTH_PATH", /URL path characters only/],
    ["APP_HEALTH_PATH with #", { APP_HEALTH_PATH: "/health#x" }, "stack", "APP_HEALTH_PATH", /URL path characters only/],
    ["APP_HEALTH_PATH with a backslash", { APP_HEALTH_PATH: "/health\\x" }, "stack", "APP_HEALTH_PATH", /URL path characters only/],
    ["APP_HEALTH_PATH with $", { APP_HEALTH_PATH: "/${HOME}" }, "stack", "APP_HEALTH_PATH", /URL path characters only/],
    ["APP_HEALTH_PATH with a bad escape", { APP_HEALTH_PATH: "/a%zz" }, "stack", "APP_HEALTH_PATH", /URL path characters only/],
    // The lock must outlive the longest single wait, even if every renewal failed.
    ["a lock TTL shorter than the health timeout", { SWITCH_LOCK_TTL_SECONDS: "60", SWITCH_HEALTH_TIMEOUT_SECONDS: "90", SWITCH_PULL_TIMEOUT_SECONDS: "30", SWITCH_ACTION_TIMEOUT_SECONDS: "30" }, "stack", "SWITCH_LOCK_TTL_SECONDS", /"60": shorter than the longest single wait, SWITCH_HEALTH_TIMEOUT_SECONDS \(90 s\) — fix: use at least 90/],
    ["a lock TTL shorter than the pull timeout", { SWITCH_LOCK_TTL_SECONDS: "300" }, "stack", "SWITCH_LOCK_TTL_SECONDS", /shorter than the longest single wait, SWITCH_PULL_TIMEOUT_SECONDS \(600 s\)/],
    ["a lock TTL shorter than a hook's timeout", { SWITCH_LOCK_TTL_SECONDS: "50", SWITCH_PULL_TIMEOUT_SECONDS: "30", SWITCH_HEALTH_TIMEOUT_SECONDS: "30", SWITCH_ACTION_TIMEOUT_SECONDS: "30", BLUEGREEN_CONFIG: "__tests__/fixtures/real-app.config.ts" }, "stack", "SWITCH_LOCK_TTL_SECONDS", /shorter than the longest single wait, hooks\.preSwitch\.timeoutSeconds \(.*real-app\.config\.ts\) \(60 s\)/],
    ["a pull timeout of zero", { SWITCH_PULL_TIMEOUT_SECONDS: "0" }, "stack", "SWITCH_PULL_TIMEOUT_SECONDS", /fix: use a number of seconds/],
    ["negative timeout", { SWITCH_HEALTH_TIMEOUT_SECONDS: "-1" }, "stack", "SWITCH_HEALTH_TIMEOUT_SECONDS", /fix: use a number of seconds/],
    ["boolean typo", { SSH_INSECURE_ACCEPT_ANY_HOST_KEY: "yes" }, "stack", "SSH_INSECURE_ACCEPT_ANY_HOST_KEY", /fix: use true or false/],
    ["switch without an SSH key", { ...SWITCH_BASE, SSH_PRIVATE_KEY: undefined }, "switch", "SSH_PRIVATE_KEY", /needs an SSH key/],
    ["switch without pinned host keys", { ...SWITCH_BASE, SSH_KNOWN_HOSTS: undefined }, "switch", "SSH_KNOWN_HOSTS", /host keys must be pinned/],
    ["unreadable key file", { ...SWITCH_BASE, SSH_PRIVATE_KEY: undefined, SSH_PRIVATE_KEY_FILE: "/nonexistent/id_ed25519" }, "switch", "SSH_PRIVATE_KEY_FILE", /cannot read file \(ENOENT\)/],
    ["GitHub token without repository", { ...SWITCH_BASE, GITHUB_TOKEN: "ghp_" + "x".repeat(30) }, "switch", "GITHUB_REPOSITORY", /must be set together/],
  ];

  it.each(cases)("GIVEN %s WHEN loading THEN the error names the variable, the value and the fix", (_name, env, purpose, variable, message) => {
    const error = configErrorOf(env, purpose);
    const issue = error.issues.find((i) => i.variable === variable);
    expect(issue).toBeDefined();
    expect(issue!.fix).not.toBe("");
    expect(error.oneLine()).toMatch(new RegExp(`${variable}=`));
    expect(error.oneLine()).toMatch(message);
    expect(error.oneLine()).not.toContain("\n");
    expect(error.exitCode).toBe(ExitCode.usage);
  });

  it("GIVEN several problems WHEN loading THEN all are reported at once in one line", () => {
    const error = configErrorOf({ DO_REGION: "mars1", APP_PORT: "0", DO_SSH_ALLOWED_CIDRS: "nope" });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["APP_PORT", "DO_REGION", "DO_SSH_ALLOWED_CIDRS"]);
    expect(error.message).toMatch(/^invalid configuration \(3 problems\)/);
    expect(error.oneLine()).not.toContain("\n");
  });

  it("GIVEN a malformed secret WHEN loading THEN its value is redacted in the error", () => {
    const secret = "bad token with spaces";
    const error = configErrorOf({ DIGITALOCEAN_TOKEN: secret });
    expect(error.oneLine()).not.toContain(secret);
    expect(error.oneLine()).toContain('DIGITALOCEAN_TOKEN="[redacted]"');
  });

  it("GIVEN no token WHEN loading for the stack THEN it succeeds, because Terraform reads the token at plan time", () => {
    expect(() => loadConfig({}, "stack")).not.toThrow();
  });
});

describe("loadConfig: TLS", () => {
  it.each([
    ["nothing set", {}, "off", []],
    ["only APP_DOMAIN", { APP_DOMAIN: "shop.example.org" }, "auto", ["shop.example.org"]],
    ["APP_DOMAIN, a record and extra names", { APP_DOMAIN: "example.org", APP_RECORD_NAME: "shop", TLS_EXTRA_NAMES: "www.example.org, example.org" }, "auto", ["shop.example.org", "www.example.org", "example.org"]],
    ["only HAPROXY_TLS_CERT_PATH (today's manual path)", { HAPROXY_TLS_CERT_PATH: "/etc/haproxy/site.pem" }, "manual", []],
    ["APP_DOMAIN with TLS=off", { APP_DOMAIN: "shop.example.org", TLS: "off" }, "off", []],
  ])("GIVEN %s WHEN loading THEN TLS is %s for names %j", (_, env, mode, names) => {
    const { tls } = loadConfig(env, "stack");
    expect({ mode: tls.mode, names: tls.names }).toEqual({ mode, names });
  });

  it("GIVEN TLS=auto WHEN loading THEN Let's Encrypt production, a one-year HSTS and Debian's certbot directory are the defaults, and the PEM has a default path", () => {
    const config = loadConfig({ APP_DOMAIN: "shop.example.org" }, "stack");
    expect(config.tls).toMatchObject({ directoryUrl: "https://acme-v02.api.letsencrypt.org/directory", hstsMaxAgeSeconds: 31536000, certbotConfigDir: "/etc/letsencrypt", email: "" });
    expect(config.haproxy.tlsCertificatePath).toBe("/etc/haproxy/certs/do-bluegreen.pem");
  });

  it.each(["https://127.0.0.1:14000/dir", "https://198.18.3.1:14000/dir", "http://127.0.0.1:14000/dir", "https://acme-staging-v02.api.letsencrypt.org/directory"])(
    "GIVEN the ACME directory %s WHEN loading THEN it is accepted",
    (url) => {
      expect(loadConfig({ APP_DOMAIN: "shop.example.org", ACME_DIRECTORY_URL: url }, "stack").tls.directoryUrl).toBe(url);
    },
  );
});
