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
    expect(config.digitalocean.sshAllowedCidrs).toEqual(["0.0.0.0/0", "::/0"]);
    expect(config.tags).toEqual({ prod: "PROD", fallback: "FALLBACK", balancer: "BALANCER" });
    expect(config.spaces).toEqual({ bucket: "do-bluegreen-state", region: "nyc3", key: "do-bluegreen/terraform.tfstate" });
    expect(config.haproxy.adminSocket).toBe("/run/haproxy/admin.sock");
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
    ["balancer tag reused", { TAG_BALANCER: "PROD" }, "stack", "TAG_BALANCER", /must differ from TAG_PROD and TAG_FALLBACK/],
    ["non-http API URL", { DIGITALOCEAN_API_URL: "ftp://example.com" }, "stack", "DIGITALOCEAN_API_URL", /must be http\(s\)/],
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
