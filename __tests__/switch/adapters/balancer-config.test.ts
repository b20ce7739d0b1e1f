import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { AddressInfo, createServer as createTcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config, loadConfig } from "../../../core/config";
import { renderHaproxyConfig } from "../../../core/haproxy";
import { HaproxyError } from "../../../switch/errors";
import { BalancerConfigFile, applyScript, haproxyMessages, parseCheck, readScript, rootShell } from "../../../switch/adapters/balancer-config";
import { HaproxyRuntime } from "../../../switch/adapters/haproxy-runtime";
import type { ExecResult, RemoteShell } from "../../../switch/adapters/shell";
import { LocalShell } from "../fakes/local-shell";

// Real processes (sh, haproxy in master-worker mode, reloads): generous on a loaded CI machine, still fast when idle.
jest.setTimeout(30_000);

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("balancer config scripts (pure)", () => {
  const base = loadConfig({}, "stack");
  const settings = { ...base, haproxy: { ...base.haproxy, configFile: "/etc/haproxy/it's.cfg", reloadCommand: "systemctl reload haproxy" }, ssh: { user: "root" } };

  it.each([
    ["root", "sh -s"],
    ["deploy", "sudo -n sh -s"],
  ])("GIVEN SSH user %s WHEN a script runs THEN it runs as root through %j", (user, shell) => {
    expect(rootShell(user)).toBe(shell);
  });

  it("GIVEN a check WHEN the script is built THEN it validates a temp file beside the installed one and installs nothing", () => {
    const script = applyScript(settings, "global\n", "check");
    expect(script).toContain(`cfg='/etc/haproxy/it'\\''s.cfg'`);
    expect(script).toContain('tmp=$(mktemp "$(dirname "$cfg")/.haproxy.cfg.new.XXXXXX")');
    expect(script).toContain(`printf '%s' '${b64("global\n")}' | base64 -d > "$tmp"`);
    expect(script).toContain('haproxy -c -f "$tmp"');
    expect(script).not.toMatch(/mv -f|show servers state|reload|trap '' HUP/);
  });

  it("GIVEN an install WHEN the script is built THEN the state is saved before the file is renamed over, and the reload comes last", () => {
    const script = applyScript(settings, "global\n", "install");
    const at = (needle: string) => script.indexOf(needle);
    expect(at("haproxy -c")).toBeLessThan(at('cli "show servers state"'));
    expect(at('cli "show servers state"')).toBeLessThan(at('mv -f "$stmp" "$state"'));
    expect(at('mv -f "$stmp" "$state"')).toBeLessThan(at('mv -f "$tmp" "$cfg"'));
    expect(at('mv -f "$tmp" "$cfg"')).toBeLessThan(at('sh -c "$reload"'));
    expect(script).toContain("reload='systemctl reload haproxy'");
    expect(script).toContain("trap '' HUP");
  });

  it("GIVEN the read script THEN it prints the file's mtime and the worker's start time before the file", () => {
    expect(readScript(settings)).toContain("printf 'FILE %s %s\\n' \"$(stat -c %Y \"$cfg\")\" \"${started:--}\"");
  });

  it("GIVEN HAProxy's output for a missing certificate WHEN parsed THEN the reason is the specific alert, naming the real path", () => {
    const output = [
      "[NOTICE]   (901) : haproxy version is 2.6.12-1+deb12u4",
      "[ALERT]    (901) : config : parsing [/etc/haproxy/.haproxy.cfg.new.AbC123:27] : 'bind *:443' in section 'frontend' : unable to stat SSL certificate from file '/nope.pem' : No such file or directory.",
      "[ALERT]    (901) : config : Error(s) found in configuration file : /etc/haproxy/.haproxy.cfg.new.AbC123",
      "[ALERT]    (901) : config : Fatal errors found in configuration.",
    ].join("\n");
    const check = parseCheck(`CHECK refused /etc/haproxy/.haproxy.cfg.new.AbC123 ${b64(output)}`, "/etc/haproxy/haproxy.cfg");
    expect(check).toEqual({
      accepted: false,
      reason: "parsing [/etc/haproxy/haproxy.cfg:27] : 'bind *:443' in section 'frontend' : unable to stat SSL certificate from file '/nope.pem' : No such file or directory.",
      alerts: expect.arrayContaining(["Fatal errors found in configuration."]),
    });
  });

  it("GIVEN warnings only WHEN parsed THEN the check is accepted with them", () => {
    const output = "[WARNING]  (7) : config : config: Can't open global server state file '/x/server-state': No such file or directory\nConfiguration file is valid";
    expect(parseCheck(`CHECK accepted /t ${b64(output)}`, "/c")).toEqual({ accepted: true, warnings: ["config: Can't open global server state file '/x/server-state': No such file or directory"] });
    expect(haproxyMessages("Configuration file is valid\n", "/t", "/c")).toEqual({ alerts: [], warnings: [] });
    // HAProxy applying the saved server state while it checks: the state the new worker starts with, not a problem.
    const notes = "[WARNING]  (7) : config : Server app/green is UP/READY (leaving forced maintenance).\n[WARNING]  (7) : config : Server app/green remains in forced drain mode.\n";
    expect(haproxyMessages(notes, "/t", "/c")).toEqual({ alerts: [], warnings: [] });
  });

  class ScriptedShell implements RemoteShell {
    readonly label = "web-lb (198.18.1.10)";
    constructor(private readonly answer: ExecResult) {}
    async exec(): Promise<ExecResult> {
      return this.answer;
    }
  }

  it("GIVEN the script itself fails (no socket, no sudo) WHEN installing THEN a HaproxyError names the balancer and the script's last line", async () => {
    const port = new BalancerConfigFile(new ScriptedShell({ code: 3, stdout: `CHECK accepted /t ${b64("")}\n`, stderr: "HAProxy's runtime API at /run/haproxy/admin.sock did not answer\n" }), settings);
    await expect(port.install("global\n")).rejects.toThrow(/^cannot install haproxy.cfg on web-lb \(198\.18\.1\.10\) \(HAProxy's runtime API at \/run\/haproxy\/admin.sock did not answer\)$/);
  });
});

/**
 * A real HAProxy in master-worker mode (as Debian's unit runs it: -Ws; here -W in the foreground), on loopback, reloaded
 * by SIGUSR2 to its master through HAPROXY_RELOAD_COMMAND, with a real app server behind the first slot.
 */
describe("balancer config against a real HAProxy (master-worker, loopback)", () => {
  const dir = mkdtempSync(join(tmpdir(), "switch-balancer-"));
  const cfg = join(dir, "haproxy.cfg");
  const pidFile = join(dir, "haproxy.pid");
  const socket = join(dir, "admin.sock");
  const base = loadConfig({ SSH_USER: "root" }, "stack");
  /**
   * The paths live in a temp dir, so the settings are built here rather than read from the environment: on a balancer,
   * SWITCH_STATE_DIR and HAPROXY_ADMIN_SOCKET must not be in a world-writable place such as /tmp.
   */
  const configWith = (over: { reloadCommand?: string; tlsCertificatePath?: string } = {}): Config => ({
    ...base,
    app: { ...base.app, port: appPort },
    stateDir: dir,
    haproxy: {
      ...base.haproxy,
      adminSocket: socket,
      configFile: cfg,
      reloadCommand: over.reloadCommand ?? `kill -USR2 "$(cat '${pidFile}')"`,
      tlsCertificatePath: over.tlsCertificatePath ?? "",
    },
    tls: { ...base.tls, mode: over.tlsCertificatePath ? "manual" : "off" },
  });
  let httpPort = 0;
  let appPort = 0;
  let master: ChildProcess | undefined;
  const app = createServer((req, res) => {
    req.resume();
    res.end("ok");
  });

  const freePort = () =>
    new Promise<number>((resolve) => {
      const probe = createTcpServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
  /** The config under test: the renderer's, on loopback ports, with a maxconn a test process can afford. */
  const render = (over: { tlsCertificatePath?: string } = {}) =>
    renderHaproxyConfig(configWith(over), { floatingIp: "127.0.0.1", bindAddress: "127.0.0.1", httpPort, runAsUser: null, logTarget: null }).replace(
      /maxconn \d+/,
      "maxconn 200",
    );
  const cli = (command: string) => spawnSync("socat", ["stdio", `UNIX-CONNECT:${socket}`], { input: `${command}\n`, encoding: "utf8" }).stdout;
  const workerPid = () => Number(/^Pid: (\d+)$/m.exec(cli("show info"))?.[1]);
  const leftovers = () => readdirSync(dir).filter((f) => f.includes(".new.") || f.includes(".tmp."));
  const shell = new LocalShell();
  let port: BalancerConfigFile;
  let runtime: HaproxyRuntime;

  beforeAll(async () => {
    [httpPort] = await Promise.all([freePort()]);
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appPort = (app.address() as AddressInfo).port;
    port = new BalancerConfigFile(shell, configWith(), 2);
    runtime = new HaproxyRuntime(shell, configWith());
    writeFileSync(cfg, render());
    writeFileSync(join(dir, "maintenance.map"), "");
    writeFileSync(join(dir, "server-state"), "1\n");
    master = spawn("haproxy", ["-W", "-db", "-p", pidFile, "-f", cfg], { stdio: "ignore" });
    for (let i = 0; i < 100 && !(existsSync(socket) && workerPid() > 0); i++) await new Promise((r) => setTimeout(r, 50));
  });

  afterAll(async () => {
    master?.kill("SIGTERM");
    await new Promise((r) => app.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("GIVEN HAProxy started with the file WHEN reading it THEN the text is the file and the running worker loaded it", async () => {
    expect(await port.read()).toEqual({ text: readFileSync(cfg, "utf8"), loaded: true });
  });

  it("GIVEN the armed slot, maintenance on and a steady stream of requests on keep-alive connections WHEN a changed config is installed THEN a new worker runs it, the master stays, no request fails, and the armed slot and the page survive", async () => {
    await runtime.apply([{ server: "green", address: { ip: "127.0.0.2", port: appPort }, state: "drain" }]);
    await runtime.setMaintenance({ on: true, message: "Back soon" });
    const masterPid = Number(readFileSync(pidFile, "utf8").trim());
    const before = workerPid();
    const changed = render().replace("timeout check 2s", "timeout check 3s");

    // The health path goes through maintenance: a steady stream of requests on pooled keep-alive connections.
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const failures: string[] = [];
    let answered = 0;
    const one = () =>
      new Promise<void>((resolve) => {
        const req = request({ host: "127.0.0.1", port: httpPort, path: "/health", agent }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? answered++ : failures.push(`HTTP ${res.statusCode}`), resolve()));
        });
        req.on("error", (e) => (failures.push(e.message), resolve()));
        req.end();
      });
    let stop = false;
    const load = Promise.all(Array.from({ length: 8 }, async () => {
      while (!stop) await one();
    }));
    await new Promise((r) => setTimeout(r, 200));
    const result = await port.install(changed);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await load;
    agent.destroy();

    expect(result).toEqual({ accepted: true, warnings: [], worker: { before, after: expect.any(Number) } });
    if (!result.accepted) return;
    expect(result.worker.after).not.toBe(before);
    expect({ master: Number(readFileSync(pidFile, "utf8").trim()), worker: workerPid() }).toEqual({ master: masterPid, worker: result.worker.after });
    expect({ failures, answeredSome: answered > 100 }).toEqual({ failures: [], answeredSome: true });
    expect(readFileSync(cfg, "utf8")).toBe(changed);
    expect(await port.read()).toEqual({ text: changed, loaded: true });
    // The server-state file carried the armed slot's address and drain into the new worker; the map file carried the page.
    expect((await runtime.servers()).find((s) => s.name === "green")).toMatchObject({ address: "127.0.0.2", port: appPort, admin: "drain" });
    expect(await runtime.maintenance()).toEqual({ on: true, message: "Back soon" });
    expect(readFileSync(join(dir, "server-state"), "utf8")).toMatch(/^\d+ app \d+ green 127\.0\.0\.2 \d+ 12 /m);
    expect(existsSync(`${cfg}.previous`)).toBe(true);
    expect(leftovers()).toEqual([]);
    await runtime.setMaintenance({ on: false });
  });

  it("GIVEN a config naming a certificate that does not exist WHEN installed THEN HAProxy's reason comes back, and the file, the worker and the state are untouched", async () => {
    const running = readFileSync(cfg, "utf8");
    const worker = workerPid();
    const result = await port.install(render({ tlsCertificatePath: join(dir, "missing.pem") }));
    expect(result).toEqual({ accepted: false, reason: expect.stringMatching(new RegExp(`^parsing \\[${cfg.replace(/[.]/g, "\\.")}:\\d+\\] : .*unable to stat SSL certificate from file '${dir}/missing.pem'`)), alerts: expect.any(Array) });
    expect({ file: readFileSync(cfg, "utf8") === running, worker: workerPid() }).toEqual({ file: true, worker });
    expect(leftovers()).toEqual([]);
  });

  it("GIVEN a valid config WHEN only checked THEN HAProxy accepts it and nothing is installed or reloaded", async () => {
    const running = readFileSync(cfg, "utf8");
    const worker = workerPid();
    expect(await port.check(render().replace("timeout check 3s", "timeout check 4s").replace("timeout check 2s", "timeout check 4s"))).toEqual({ accepted: true, warnings: [] });
    expect({ file: readFileSync(cfg, "utf8") === running, worker: workerPid(), leftovers: leftovers() }).toEqual({ file: true, worker, leftovers: [] });
  });

  it.each([
    ["fails", "false", /^`false` failed on localhost \(no output\); the previous .*haproxy\.cfg is back and HAProxy still runs it$/],
    ["starts no new worker", "true", /^HAProxy on localhost started no new worker within 2 s of `true` \(worker \d+ still runs\); the previous .*haproxy\.cfg is back$/],
  ])("GIVEN a reload command that %s WHEN installing THEN a HaproxyError, and the previous file is back", async (_, command, message) => {
    const running = readFileSync(cfg, "utf8");
    const broken = new BalancerConfigFile(shell, configWith({ reloadCommand: command }), 2);
    const error = await broken.install(render().replace("timeout check", "timeout  check")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HaproxyError);
    expect((error as Error).message).toMatch(message);
    expect(readFileSync(cfg, "utf8")).toBe(running);
    expect(await port.read()).toEqual({ text: running, loaded: true });
  });
});
