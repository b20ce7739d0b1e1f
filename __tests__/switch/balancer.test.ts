import { utils } from "ssh2";
import { ConfigError, ExitCode } from "../../core/errors";
import { BALANCER_SYSCTLS, balancerSysctlText } from "../../core/cloud-init/balancer-sysctl";
import { renderBalancerHaproxyConfig } from "../../core/haproxy";
import { MANAGED_HEADER } from "../../switch/authorized-keys";
import { BalancerApplyRequest, runBalancerApply } from "../../switch/balancer";
import { AuthorizedKeysLockoutError, BalancerConfigRefusedError, LockHeldError } from "../../switch/errors";
import { formatStatus, runStatus } from "../../switch/status";
import { testConfig } from "./fakes/config";
import { captureReporter, identity } from "./fakes/harness";
import { FakeWorld, STACK_HAPROXY_CONFIG } from "./fakes/world";

/** A real key pair for the switch (SSH_PRIVATE_KEY), and a teammate's public key. */
const SWITCH_KEY = utils.generateKeyPairSync("ed25519", { comment: "switch@ci" });
const TEAMMATE = utils.generateKeyPairSync("ed25519", { comment: "bob@laptop" }).public;
const OTHER = utils.generateKeyPairSync("ed25519", { comment: "carol@laptop" }).public;

function setup(env: Record<string, string> = {}, world = new FakeWorld()) {
  const { reporter, lines } = captureReporter();
  const config = testConfig(env);
  const apply = (request: BalancerApplyRequest = {}) => runBalancerApply({ ports: world.ports(), config, reporter, who: "alice@laptop", self: identity(100) }, request);
  return { world, config, lines, apply };
}

/** A configuration change HAProxy's file reflects: the health check asks another path. */
const CHANGED = { APP_HEALTH_PATH: "/" };
const changedText = () => renderBalancerHaproxyConfig(testConfig(CHANGED), "198.18.1.100");
const lockAndAuditCalls = (world: FakeWorld) => world.calls.filter((c) => /^(lock|balancer|keys)/.test(c));

describe("balancer apply: haproxy.cfg", () => {
  it("GIVEN the balancer runs the rendered file WHEN applying THEN nothing is installed or reloaded, under the lock, and the audit line says up-to-date", async () => {
    const { world, apply, lines } = setup();
    const result = await apply();
    expect(result).toMatchObject({ command: "balancer apply", outcome: "up-to-date", balancer: "web-lb", floatingIp: "198.18.1.100", config: { upToDate: true, diff: [] } });
    expect(lockAndAuditCalls(world)).toEqual(["lock acquire", "balancer config read", "balancer kernel read", "lock release"]);
    expect(world.haproxyConfig.worker).toBe(4242);
    expect(lines).toContain(`haproxy.cfg on web-lb is up to date (${result.config.rendered}): nothing to reload`);
    expect(world.audit).toEqual([expect.objectContaining({ command: "balancer apply", outcome: "up-to-date", detail: expect.stringMatching(/^haproxy.cfg up to date/) })]);
  });

  it("GIVEN a changed setting WHEN applying THEN the rendered file is installed with a reload, under the lock, the slots keep their state, and one audit line records it", async () => {
    const { world, apply } = setup(CHANGED);
    const slots = world.snapshot().haproxy;
    const result = await apply({ message: "health path" });
    expect(result.outcome).toBe("applied");
    expect(result.config).toMatchObject({ upToDate: false, reload: { before: 4242, after: 4243 } });
    expect(world.haproxyConfig).toEqual({ text: changedText(), loaded: true, worker: 4243 });
    expect(lockAndAuditCalls(world)).toEqual(["lock acquire", "balancer config read", "balancer config install", "balancer kernel read", "lock release"]);
    expect(world.snapshot().haproxy).toEqual(slots);
    expect(world.lockHolder).toBeNull();
    expect(world.audit).toEqual([
      {
        at: expect.any(String),
        who: "alice@laptop",
        command: "balancer apply",
        outcome: "applied",
        durationMs: expect.any(Number),
        message: "health path",
        detail: expect.stringMatching(/^haproxy.cfg [0-9a-f]{12} → [0-9a-f]{12}, reloaded \(worker 4242 → 4243\); kernel settings up to date; authorized_keys untouched \(SSH_AUTHORIZED_KEYS is empty\)$/),
      },
    ]);
  });

  it("GIVEN the file is the rendered one but HAProxy started before it was written WHEN applying THEN it reloads", async () => {
    const world = new FakeWorld();
    world.haproxyConfig.loaded = false;
    const { apply } = setup({}, world);
    expect((await apply()).config.reload).toEqual({ before: 4242, after: 4243 });
  });

  it("GIVEN HAProxy refuses the rendered file WHEN applying THEN exit 2 with HAProxy's reason and the fix, the running file stays, keys are untouched, the lock is released and the audit line says refused", async () => {
    const world = new FakeWorld();
    world.refuseConfig = { when: /ssl crt/, reason: "parsing [/etc/haproxy/haproxy.cfg:24] : unable to stat SSL certificate from file '/etc/haproxy/site.pem' : No such file or directory." };
    const { apply } = setup({ HAPROXY_TLS_CERT_PATH: "/etc/haproxy/site.pem", SSH_AUTHORIZED_KEYS: `${SWITCH_KEY.public}\n${TEAMMATE}`, SSH_PRIVATE_KEY: SWITCH_KEY.private }, world);
    const running = world.haproxyConfig;
    const error = await apply().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BalancerConfigRefusedError);
    expect(error).toMatchObject({
      exitCode: ExitCode.usage,
      message:
        "HAProxy on web-lb refuses the rendered haproxy.cfg: parsing [/etc/haproxy/haproxy.cfg:24] : unable to stat SSL certificate from file '/etc/haproxy/site.pem' : No such file or directory.; nothing was installed and HAProxy keeps running its current configuration",
      fix: expect.stringMatching(/^put the certificate \(PEM with its key\) at HAPROXY_TLS_CERT_PATH on the balancer, or unset HAPROXY_TLS_CERT_PATH; `npm run switch -- balancer apply --dry-run` checks again$/),
    });
    expect(world.haproxyConfig).toBe(running);
    expect(world.authorizedKeyFiles.size).toBe(0);
    expect(world.lockHolder).toBeNull();
    expect(world.audit).toEqual([expect.objectContaining({ outcome: "refused", error: expect.stringContaining("unable to stat SSL certificate"), detail: expect.stringMatching(/not installed$/) })]);
  });

  it.each([
    ["a missing maintenance map", "parsing [x:20] : failed to open pattern file </srv/maintenance.map>", /^create the maintenance map in SWITCH_STATE_DIR/],
    ["an unknown user", "parsing [x:6] : cannot find user id for 'lb' (0:Success)", /^set HAPROXY_USER/],
    ["an address it cannot bind", "Starting frontend public: cannot bind socket (Cannot assign requested address) [198.18.0.9:80]", /^check HAPROXY_BIND_ADDRESS/],
    ["anything else", "parsing [x:9] : unknown keyword 'frobnicate'", /^fix the setting HAProxy names/],
  ])("GIVEN HAProxy refuses with %s WHEN applying THEN the fix names the setting behind it", async (_, reason, fix) => {
    const world = new FakeWorld();
    world.refuseConfig = { when: /./, reason };
    const { apply } = setup(CHANGED, world);
    await expect(apply()).rejects.toMatchObject({ fix: expect.stringMatching(fix) });
  });

  it("GIVEN a cutover holds the deploy lock WHEN applying THEN exit 4 naming the holder, and nothing is read or installed", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "run-1", who: "ci", host: "ci-runner-1", pid: 42, command: "cutover", image: "registry.test/web:v2", acquiredAt: "2026-11-22T10:00:00Z", expiresAt: "2099-11-22T10:15:00Z" };
    const { apply } = setup(CHANGED, world);
    const error = await apply().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).message).toMatch(/^deploy lock held by ci \(cutover registry.test\/web:v2\)/);
    expect(world.calls.filter((c) => c.startsWith("balancer"))).toEqual([]);
    expect(world.haproxyConfig.text).toBe(STACK_HAPROXY_CONFIG());
    expect(world.lockHolder).toMatchObject({ id: "run-1" });
  });

  it("GIVEN the reload fails WHEN applying THEN the error propagates, the lock is released and the audit line says failed", async () => {
    const world = new FakeWorld();
    world.failOn = "balancer reload";
    const { apply } = setup(CHANGED, world);
    await expect(apply()).rejects.toThrow(/injected failure in balancer reload/);
    expect(world.lockHolder).toBeNull();
    expect(world.audit).toEqual([expect.objectContaining({ outcome: "failed", error: "injected failure in balancer reload" })]);
  });
});

describe("balancer apply: the balancer's kernel settings", () => {
  /** A balancer created before BALANCER_SYSCTL_FILE existed: no file, Linux's defaults. */
  const olderBalancer = () => {
    const world = new FakeWorld();
    world.kernel = { file: null, live: { "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768\t60999" } };
    return world;
  };

  it("GIVEN a balancer from before the settings file WHEN applying THEN the file is written and loaded after the reload, and the result and audit line name each change", async () => {
    const { world, apply } = setup(CHANGED, olderBalancer());
    const result = await apply();
    expect(world.kernel.live).toEqual(BALANCER_SYSCTLS);
    expect(world.kernel.file).toBe(balancerSysctlText());
    expect(lockAndAuditCalls(world)).toEqual(["lock acquire", "balancer config read", "balancer config install", "balancer kernel read", "balancer kernel install", "lock release"]);
    expect(result.kernel).toEqual({
      file: "/etc/sysctl.d/60-do-bluegreen-balancer.conf",
      fileChanged: true,
      changes: [
        { key: "net.ipv4.tcp_tw_reuse", live: "2", wanted: "1" },
        { key: "net.ipv4.ip_local_port_range", live: "32768 60999", wanted: "10240 65535" },
      ],
    });
    expect(world.audit[0].detail).toContain(
      "kernel settings set (net.ipv4.tcp_tw_reuse 2 → 1, net.ipv4.ip_local_port_range 32768 60999 → 10240 65535, /etc/sysctl.d/60-do-bluegreen-balancer.conf written)",
    );
  });

  it("GIVEN only the kernel settings differ WHEN applying THEN the outcome is applied and HAProxy is not reloaded", async () => {
    const { world, apply } = setup({}, olderBalancer());
    const result = await apply();
    expect({ outcome: result.outcome, reload: result.config.reload, worker: world.haproxyConfig.worker }).toEqual({ outcome: "applied", reload: undefined, worker: 4242 });
  });

  it("GIVEN the live values are right but the file is missing WHEN applying THEN only the file is written, so a reboot keeps them", async () => {
    const world = new FakeWorld();
    world.kernel = { ...world.kernel, file: null };
    const { apply } = setup({}, world);
    const result = await apply();
    expect(result.kernel).toMatchObject({ fileChanged: true, changes: [] });
    expect(world.kernel.file).toBe(balancerSysctlText());
  });

  it("GIVEN a dry run WHEN the settings differ THEN it says what would change and writes nothing", async () => {
    const { world, apply } = setup({}, olderBalancer());
    const result = await apply({ dryRun: true });
    expect(world.kernel.file).toBeNull();
    expect(world.calls).not.toContain("balancer kernel install");
    expect(result.kernel.changes).toHaveLength(2);
  });

  it("GIVEN the kernel refuses the settings file WHEN applying THEN exit 3 with the kernel's reason, and the audit line says failed and that haproxy.cfg was already reloaded", async () => {
    const world = olderBalancer();
    world.kernel = { ...world.kernel, refuses: 'sysctl: permission denied on key "net.ipv4.tcp_tw_reuse"' };
    const { apply } = setup(CHANGED, world);
    const error = await apply().catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: ExitCode.external, message: expect.stringMatching(/^the kernel on web-lb refused .* \(sysctl: permission denied on key "net.ipv4.tcp_tw_reuse"\); the previous file is back$/) });
    expect(world.haproxyConfig.worker).toBe(4243);
    expect(world.audit).toEqual([
      expect.objectContaining({ outcome: "failed", detail: expect.stringMatching(/^haproxy.cfg [0-9a-f]{12} → [0-9a-f]{12}, reloaded \(worker 4242 → 4243\)$/) }),
    ]);
  });

  it("GIVEN HAProxy refuses the rendered file WHEN applying THEN the kernel settings are not touched either", async () => {
    const world = olderBalancer();
    world.refuseConfig = { when: /http-check/, reason: "parsing error" };
    const { apply } = setup(CHANGED, world);
    await expect(apply()).rejects.toBeInstanceOf(BalancerConfigRefusedError);
    expect(world.kernel.file).toBeNull();
    expect(world.calls).not.toContain("balancer kernel read");
  });
});

describe("balancer apply --dry-run", () => {
  it("GIVEN a changed setting WHEN dry-running THEN it prints the diff and HAProxy's verdict, and changes nothing: no lock, no install, no audit line", async () => {
    const { world, apply, lines } = setup(CHANGED);
    const before = { config: world.haproxyConfig, snapshot: world.snapshot() };
    const result = await apply({ dryRun: true });
    expect(result.outcome).toBe("planned");
    expect(result.config.diff).toEqual(
      expect.arrayContaining([
        "--- /etc/haproxy/haproxy.cfg (running)",
        "+++ /etc/haproxy/haproxy.cfg (rendered)",
        "-  http-check send meth GET uri /health ver HTTP/1.1 hdr Host example.com",
        "+  http-check send meth GET uri / ver HTTP/1.1 hdr Host example.com",
      ]),
    );
    for (const line of result.config.diff) expect(lines).toContain(line);
    expect(lines).toContain(`haproxy.cfg on web-lb: running ${result.config.running}, rendered ${result.config.rendered}; HAProxy accepts the rendered file`);
    expect(world.calls.filter((c) => /^(lock|balancer|keys)/.test(c))).toEqual(["balancer config read", "balancer config check", "balancer kernel read"]);
    expect({ config: world.haproxyConfig, snapshot: world.snapshot(), audit: world.audit }).toEqual({ ...before, audit: [] });
  });

  it("GIVEN HAProxy would refuse WHEN dry-running THEN the same exit-2 refusal, marked as a dry run, and nothing changed", async () => {
    const world = new FakeWorld();
    world.refuseConfig = { when: /uri \/ /, reason: "parsing [x:30] : something HAProxy dislikes" };
    const { apply } = setup(CHANGED, world);
    await expect(apply({ dryRun: true })).rejects.toMatchObject({ exitCode: ExitCode.usage, message: expect.stringContaining("(dry run) nothing was installed") });
    expect(world.haproxyConfig.text).toBe(STACK_HAPROXY_CONFIG());
    expect(world.audit).toEqual([]);
  });
});

describe("balancer apply: authorized keys", () => {
  const keys = (...lines: string[]) => ({ SSH_PRIVATE_KEY: SWITCH_KEY.private, SSH_AUTHORIZED_KEYS: lines.join("\n") });

  it("GIVEN SSH_AUTHORIZED_KEYS is empty WHEN applying THEN no droplet's keys are read or written, and the output says so", async () => {
    const { world, apply } = setup();
    const result = await apply();
    expect(result.authorizedKeys).toEqual({ managed: false, keys: 0, droplets: [] });
    expect(world.calls.filter((c) => c.startsWith("keys"))).toEqual([]);
    expect(world.audit[0].detail).toMatch(/authorized_keys untouched \(SSH_AUTHORIZED_KEYS is empty\)$/);
  });

  it("GIVEN the switch's key and a teammate's WHEN applying THEN all three droplets get exactly those lines under the managed header; a second run changes nothing", async () => {
    const { world, apply } = setup(keys(`# the deploy job\n${SWITCH_KEY.public}`, "", TEAMMATE));
    world.authorizedKeyFiles.set(1, `${SWITCH_KEY.public}\n${OTHER}\n`);
    const first = await apply();
    const file = `${MANAGED_HEADER}\n${SWITCH_KEY.public}\n${TEAMMATE}\n`;
    expect([...world.authorizedKeyFiles.entries()].sort()).toEqual([
      [1, file],
      [2, file],
      [9, file],
    ]);
    expect(first.authorizedKeys).toEqual({
      managed: true,
      keys: 2,
      droplets: [
        { droplet: "web-lb", changed: true, added: 2, removed: 0 },
        { droplet: "web-blue", changed: true, added: 1, removed: 1 },
        { droplet: "web-green", changed: true, added: 2, removed: 0 },
      ],
    });
    expect(first.outcome).toBe("applied");
    const second = await apply();
    expect(second.outcome).toBe("up-to-date");
    expect(second.authorizedKeys.droplets.every((d) => !d.changed)).toBe(true);
  });

  it("GIVEN a list without the key the switch connects with WHEN applying (or dry-running) THEN exit 2 before anything is read, locked or changed", async () => {
    for (const dryRun of [false, true]) {
      const { world, apply } = setup(keys(TEAMMATE, OTHER));
      const error = await apply({ dryRun }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthorizedKeysLockoutError);
      expect(error).toMatchObject({
        exitCode: ExitCode.usage,
        message: expect.stringMatching(/^SSH_AUTHORIZED_KEYS does not hold the key the switch connects with \(ssh-ed25519 AAAAC3NzaC1l…\S{8}, the public half of SSH_PRIVATE_KEY\): installing it would lock the switch out of every droplet$/),
        fix: expect.stringMatching(/ssh-keygen -y -f/),
      });
      expect(world.calls).toEqual([]);
    }
  });

  it("GIVEN the switch's key with sshd options and another comment WHEN checked THEN it counts: keys match by their blob", async () => {
    const [type, blob] = SWITCH_KEY.public.split(" ");
    const { world, apply } = setup(keys(`from="198.18.0.0/15",no-pty ${type} ${blob} renamed@elsewhere`));
    await expect(apply()).resolves.toMatchObject({ outcome: "applied" });
    expect(world.authorizedKeyFiles.size).toBe(3);
  });

  it("GIVEN a dry run WHEN keys would change THEN it says where, and writes nothing", async () => {
    const { world, apply } = setup(keys(SWITCH_KEY.public));
    const result = await apply({ dryRun: true });
    expect(result.authorizedKeys.droplets.map((d) => d.changed)).toEqual([true, true, true]);
    expect(world.authorizedKeyFiles.size).toBe(0);
  });

  it.each([
    ["a private key pasted by mistake", "-----BEGIN OPENSSH PRIVATE KEY-----", /line 1 holds no OpenSSH public key/],
    ["a typo on the second line", `${TEAMMATE}\nssh-ed2551 AAAA bob`, /line 2 holds no OpenSSH public key/],
  ])("GIVEN SSH_AUTHORIZED_KEYS with %s WHEN the configuration loads THEN a ConfigError names the line", (_, value, problem) => {
    let error: unknown;
    try {
      testConfig({ SSH_AUTHORIZED_KEYS: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([expect.objectContaining({ variable: "SSH_AUTHORIZED_KEYS", problem: expect.stringMatching(problem) })]);
  });
});

describe("status: the balancer's configuration", () => {
  const status = (world: FakeWorld, env: Record<string, string> = {}) => runStatus(world.ports(), testConfig(env), identity(100));
  const line = (text: string) => text.split("\n").find((l) => l.startsWith("balancer config"));

  it.each<[string, (w: FakeWorld) => void, Record<string, string>, boolean, RegExp]>([
    ["the rendered file, loaded", () => undefined, {}, true, /^balancer config: up to date \([0-9a-f]{12}\)$/],
    ["another text", () => undefined, CHANGED, false, /^balancer config: DIFFERS \(running [0-9a-f]{12}, rendered [0-9a-f]{12}\) — run `npm run switch -- balancer apply`$/],
    ["the rendered file, not loaded yet", (w) => (w.haproxyConfig.loaded = false), {}, false, /^balancer config: DIFFERS \(.*a reload is pending\) — run `npm run switch -- balancer apply`$/],
    ["no file", (w) => (w.haproxyConfig.text = null), {}, false, /^balancer config: DIFFERS \(no haproxy.cfg on the balancer\)/],
    [
      "the rendered file, but Linux's default kernel settings and no settings file",
      (w) => (w.kernel = { file: null, live: { "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768\t60999" } }),
      {},
      false,
      /^balancer config: DIFFERS \(haproxy.cfg up to date \([0-9a-f]{12}\); kernel settings differ: net.ipv4.tcp_tw_reuse is 2, not 1, net.ipv4.ip_local_port_range is 32768 60999, not 10240 65535, \/etc\/sysctl.d\/60-do-bluegreen-balancer.conf is missing\) — run `npm run switch -- balancer apply`$/,
    ],
  ])("GIVEN the balancer holds %s WHEN status runs THEN it says so, and the pair's consistency is not affected", async (_, arrange, env, upToDate, expected) => {
    const world = new FakeWorld();
    arrange(world);
    const report = await status(world, env);
    expect(report.balancerConfig.upToDate).toBe(upToDate);
    expect(line(formatStatus(report))).toMatch(expected);
    expect(report.consistent).toBe(true);
    expect(world.calls.filter((c) => c.startsWith("balancer"))).toEqual(["balancer config read", "balancer kernel read"]);
  });

  it("GIVEN an apply was recorded WHEN status prints the audit tail THEN its line carries what the apply did", async () => {
    const world = new FakeWorld();
    const { apply } = setup(CHANGED, world);
    await apply();
    expect(formatStatus(await status(world, CHANGED))).toMatch(/alice@laptop balancer apply applied: haproxy.cfg [0-9a-f]{12} → [0-9a-f]{12}, reloaded \(worker 4242 → 4243\)/);
  });
});
