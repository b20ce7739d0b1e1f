import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { loadConfig } from "../../../core/config";
import { renderHaproxyConfig } from "../../../core/haproxy";
import { HaproxyRuntime, adminStateOf, parseServers } from "../../../switch/adapters/haproxy-runtime";
import { LocalShell } from "../fakes/local-shell";

// Real processes (sh, flock, haproxy, sshd handshakes): generous on a loaded CI machine, still fast when idle.
jest.setTimeout(20_000);

// Captured from HAProxy 2.6.12 (Debian bookworm) running core/haproxy's config, mid-flip.
const SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 floating 198.18.1.100 0 8 1 1 0 8 2 0 6 0 0 0 - 8080 - 0 0 - - 0
3 app 2 spare 198.18.2.12 2 4 1 1 0 1 0 4 6 0 0 0 - 8080 - 0 0 - - 0
`;
const STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,check_status,last_chk
public,FRONTEND,,,4,9,1000,120,0,0,0,0,0,,,,,OPEN,,
app,floating,0,0,2,5,,100,0,0,,0,,0,0,0,0,DRAIN,L7OK,HTTP status check returned code <200>
app,spare,0,0,1,2,,20,0,0,,0,,0,0,0,0,UP,INI,
app,BACKEND,0,0,3,9,100,120,0,0,0,0,,0,0,0,0,UP,,
`;

describe("HAProxy runtime parsing", () => {
  it("GIVEN show servers state and show stat mid-flip WHEN parsed THEN admin state, address and sessions are joined per server", () => {
    expect(parseServers("app", SERVERS_STATE, STAT)).toEqual([
      {
        name: "floating",
        address: "198.18.1.100",
        port: 8080,
        admin: "drain",
        status: "DRAIN",
        currentSessions: 2,
        checkStatus: "L7OK",
        lastCheck: "HTTP status check returned code <200>",
      },
      // 4 = configured `disabled`, remembered after `state ready`: the slot is in service.
      { name: "spare", address: "198.18.2.12", port: 8080, admin: "ready", status: "UP", currentSessions: 1, checkStatus: "INI", lastCheck: undefined },
    ]);
  });

  it.each([
    [0, "ready"],
    [1, "maint"],
    [5, "maint"],
    [4, "ready"],
    [8, "drain"],
    [0x20, "maint"],
  ])("GIVEN srv_admin_state %d WHEN decoded THEN it is %s", (bits, state) => {
    expect(adminStateOf(bits)).toBe(state);
  });
});

describe("HAProxy runtime API against a real haproxy (loopback, temp socket)", () => {
  const dir = mkdtempSync(join(tmpdir(), "switch-haproxy-"));
  const socket = join(dir, "admin.sock");
  const pidFile = join(dir, "haproxy.pid");
  const config = loadConfig({ HAPROXY_ADMIN_SOCKET: socket }, "stack");

  beforeAll(async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    const cfg = renderHaproxyConfig(config, { floatingIp: "127.0.0.1", bindAddress: "127.0.0.1", httpPort: port, runAsUser: null, logTarget: null })
      // A test process may not raise its file limit to 20,000 connections.
      .replace(/maxconn \d+/, "maxconn 200");
    writeFileSync(join(dir, "haproxy.cfg"), cfg);
    const started = spawnSync("haproxy", ["-D", "-f", join(dir, "haproxy.cfg"), "-p", pidFile], { encoding: "utf8" });
    expect(started.stderr + started.status).toMatch(/0$/);
    for (let i = 0; i < 50 && spawnSync("test", ["-S", socket]).status !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  });

  afterAll(() => {
    process.kill(Number(readFileSync(pidFile, "utf8").trim()), "SIGTERM");
  });

  it("GIVEN the rendered config WHEN driving a flip's commands THEN HAProxy reports each admin state (admin states only: check verdicts race the checks)", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), config);
    const byName = async () => Object.fromEntries((await haproxy.servers()).map((s) => [s.name, s]));
    expect((await byName()).spare).toMatchObject({ admin: "maint", status: "MAINT", address: "127.0.0.1" });
    await haproxy.apply([{ server: "spare", address: { ip: "127.0.0.2", port: 8080 }, state: "drain", health: "down" }]);
    expect((await byName()).spare).toMatchObject({ admin: "drain", address: "127.0.0.2", port: 8080 });
    // The hand-over: two commands in one socket session.
    await haproxy.apply([
      { server: "spare", state: "ready" },
      { server: "floating", state: "drain" },
    ]);
    const handedOver = await byName();
    expect({ spare: handedOver.spare.admin, floating: handedOver.floating.admin }).toEqual({ spare: "ready", floating: "drain" });
    await haproxy.shutdownSessions("floating");
    await haproxy.apply([{ server: "floating", state: "maint" }]);
    expect((await byName()).floating).toMatchObject({ admin: "maint", status: "MAINT", currentSessions: 0 });
    expect((await byName()).spare.traffic).toEqual(expect.objectContaining({ responses: expect.any(Number), serverErrors: 0 }));
  });

  it("GIVEN one command of a transaction is refused WHEN applying THEN the whole call fails with HAProxy's reason", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), config);
    await expect(haproxy.apply([{ server: "spare", state: "drain" }, { server: "nope", state: "ready" }])).rejects.toThrow(/HAProxy refused .*No such server/);
  });

  it("GIVEN an unknown server WHEN setting its state THEN a one-line error says how to fix the config", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), config);
    await expect(haproxy.apply([{ server: "nope", state: "ready" }])).rejects.toThrow(/HAProxy refused `set server app\/nope state ready`: No such server/);
  });

  it("GIVEN a wrong socket path WHEN reading THEN the error names the socket and the fix", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), loadConfig({ HAPROXY_ADMIN_SOCKET: join(dir, "missing.sock") }, "stack"));
    await expect(haproxy.servers()).rejects.toThrow(/cannot reach HAProxy's runtime API at .*missing.sock/);
  });
});
