import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { loadConfig } from "../../../core/config";
import { UsageError } from "../../../core/errors";
import { renderHaproxyConfig } from "../../../core/haproxy";
import { HaproxyRuntime, adminStateOf, cliArgument, maintenanceScript, parseMaintenanceMap, parseServers } from "../../../switch/adapters/haproxy-runtime";
import type { ExecResult, RemoteShell } from "../../../switch/adapters/shell";
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

/** Records every exec and answers with canned results, in order (the last one repeats). */
class RecordingShell implements RemoteShell {
  readonly label = "web-lb (198.18.1.10)";
  readonly execs: { command: string; stdin?: string }[] = [];
  constructor(private readonly answers: ExecResult[] = [{ code: 0, stdout: "", stderr: "" }]) {}
  async exec(command: string, stdin?: string): Promise<ExecResult> {
    this.execs.push({ command, stdin });
    return this.answers[Math.min(this.execs.length - 1, this.answers.length - 1)];
  }
}

describe("maintenance mode through the runtime API (recording shell)", () => {
  // SWITCH_STATE_DIR refuses such a path now; the adapter still quotes whatever directory it is given.
  const config = { ...loadConfig({}, "stack"), stateDir: "/var/lib/do-bluegreen;x" };
  const MAP = "/var/lib/do-bluegreen;x/maintenance.map";
  const line = (script: string, prefix: string) => script.split("\n").find((l) => l.startsWith(prefix));

  it.each([
    ["a plain message", "Back at 10:00", `entry='maintenance Back\\ at\\ 10:00'`, `printf '%s' 'maintenance Back at 10:00\n' > "$tmp"`],
    [
      "markup, quotes and a semicolon",
      `<b>"R&D"</b>; it's`,
      `entry='maintenance &lt\\;b&gt\\;&quot\\;R&amp\\;D&quot\\;&lt\\;/b&gt\\;\\;\\ it&#39\\;s'`,
      `printf '%s' 'maintenance &lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;; it&#39;s\n' > "$tmp"`,
    ],
    ["newlines and tabs", "Back\nat\t10", `entry='maintenance Back\\ at\\ 10'`, `printf '%s' 'maintenance Back at 10\n' > "$tmp"`],
    ["a backslash and shell syntax", "a\\b $(id) `id`", "entry='maintenance a\\\\b\\ $(id)\\ `id`'", "printf '%s' 'maintenance a\\b $(id) `id`\n' > \"$tmp\""],
    ["no message", undefined, `entry='maintenance This\\ site\\ is\\ down\\ for\\ maintenance\\ and\\ will\\ be\\ back\\ shortly.'`, undefined],
  ])("GIVEN %s WHEN turning maintenance on THEN one `sh -s` exec carries the HTML-escaped, CLI-escaped, sh-quoted entry", async (_, message, entryLine, fileLine) => {
    const shell = new RecordingShell();
    await new HaproxyRuntime(shell, config).setMaintenance({ on: true, message });
    expect(shell.execs).toHaveLength(1);
    expect(shell.execs[0].command).toBe("sh -s");
    const script = shell.execs[0].stdin!;
    expect(line(script, "entry=")).toBe(entryLine);
    if (fileLine) expect(script).toContain(fileLine);
    expect(line(script, "map=")).toBe(`map='${MAP}'`);
    // The map path is CLI-escaped inside the runtime commands (`;` would end the command).
    expect(line(script, "m=")).toBe(`m='/var/lib/do-bluegreen\\;x/maintenance.map'`);
    expect(line(script, "sock=")).toBe("sock='UNIX-CONNECT:/run/haproxy/admin.sock'");
    expect(script).toContain('out=$(cli "add map @$ver $m $entry; commit map @$ver $m")');
  });

  it("GIVEN maintenance off WHEN set THEN an empty version is committed and the file is emptied, in one exec", async () => {
    const shell = new RecordingShell();
    await new HaproxyRuntime(shell, config).setMaintenance({ on: false, message: "ignored" });
    expect(shell.execs).toHaveLength(1);
    const script = shell.execs[0].stdin!;
    expect(script).not.toContain("add map");
    expect(script).not.toContain("ignored");
    expect(script).toContain(`printf '%s' '' > "$tmp"`);
    expect(script).toContain('out=$(cli "commit map @$ver $m")');
  });

  it("GIVEN either mode WHEN the script runs THEN the file is replaced only after HAProxy took the new map (temp file, then mv)", () => {
    for (const value of ["x", null]) {
      const script = maintenanceScript({ socket: "/s", mapPath: "/m", value });
      const at = (needle: string) => script.indexOf(needle);
      expect(at('> "$tmp"')).toBeLessThan(at("prepare map"));
      expect(at("commit map")).toBeLessThan(at('mv -f "$tmp" "$map"'));
    }
  });

  it("GIVEN a message over 200 characters WHEN turning maintenance on THEN a usage error, and nothing is sent", async () => {
    const shell = new RecordingShell();
    await expect(new HaproxyRuntime(shell, config).setMaintenance({ on: true, message: "x".repeat(201) })).rejects.toThrow(UsageError);
    expect(shell.execs).toHaveLength(0);
  });

  it("GIVEN the script fails WHEN setting the mode THEN the error names the balancer and the script's last stderr line", async () => {
    const shell = new RecordingShell([{ code: 3, stdout: "", stderr: "HAProxy refused prepare map /m: Unknown map identifier. Please use #<id> or <file>.\n" }]);
    await expect(new HaproxyRuntime(shell, config).setMaintenance({ on: true })).rejects.toMatchObject({
      message: expect.stringMatching(/^cannot turn maintenance mode on on web-lb \(198\.18\.1\.10\) \(HAProxy refused prepare map \/m: Unknown map identifier.*\)$/),
      fix: expect.stringMatching(/^check that haproxy runs there/),
    });
  });

  it("GIVEN a read WHEN asking for the mode THEN `show map` of the CLI-escaped path goes to the admin socket", async () => {
    const shell = new RecordingShell([{ code: 0, stdout: "0x55d0 maintenance Back &amp; soon\n\n", stderr: "" }]);
    expect(await new HaproxyRuntime(shell, config).maintenance()).toEqual({ on: true, message: "Back & soon" });
    expect(shell.execs).toEqual([{ command: "socat stdio 'UNIX-CONNECT:/run/haproxy/admin.sock'", stdin: "show map /var/lib/do-bluegreen\\;x/maintenance.map\n" }]);
  });

  it("GIVEN HAProxy knows no such map WHEN reading the mode THEN the error says the config predates maintenance mode", async () => {
    const shell = new RecordingShell([{ code: 0, stdout: "Unknown map identifier. Please use #<id> or <file>.\n\n", stderr: "" }]);
    await expect(new HaproxyRuntime(shell, config).maintenance()).rejects.toMatchObject({
      message: expect.stringMatching(/has no map \/var\/lib\/do-bluegreen;x\/maintenance.map \(its haproxy.cfg predates maintenance mode/),
      fix: expect.stringMatching(/^deploy the stack again/),
    });
  });

  it.each([
    ["an empty map", "\n", { on: false }],
    ["the entry", "0x7f4eb8034930 maintenance Back soon &lt;3\n\n", { on: true, message: "Back soon <3" }],
    ["another key only", "0x7f4eb8034930 other x\n\n", { on: false }],
  ])("GIVEN `show map` printing %s WHEN parsed THEN %j", (_, out, state) => {
    expect(parseMaintenanceMap(out)).toEqual(state);
  });

  it.each([
    ["a b", "a\\ b"],
    ["a;b", "a\\;b"],
    ["a\\b", "a\\\\b"],
    ["&#39;", "&#39\\;"],
  ])("GIVEN %j WHEN CLI-escaped THEN %j", (value, escaped) => {
    expect(cliArgument(value)).toBe(escaped);
  });
});

describe("HAProxy runtime API against a real haproxy (loopback, temp socket)", () => {
  const dir = mkdtempSync(join(tmpdir(), "switch-haproxy-"));
  const socket = join(dir, "admin.sock");
  const pidFile = join(dir, "haproxy.pid");
  const mapFile = join(dir, "maintenance.map");
  // Built directly: SWITCH_STATE_DIR and HAPROXY_ADMIN_SOCKET refuse a temp dir in /tmp (world-writable).
  const tempConfig = (adminSocket: string, stateDir = dir) => {
    const base = loadConfig({}, "stack");
    return { ...base, haproxy: { ...base.haproxy, adminSocket }, stateDir };
  };
  const config = tempConfig(socket);
  let port = 0;
  const pids: number[] = [];

  /** Starts haproxy as a daemon; with a running one, as its reload (`-sf`: the new process reads the files again, the old one finishes). */
  const startHaproxy = async () => {
    const old = pids.at(-1);
    const started = spawnSync("haproxy", ["-D", "-f", join(dir, "haproxy.cfg"), "-p", pidFile, ...(old ? ["-sf", String(old)] : [])], { encoding: "utf8" });
    expect(started.stderr + started.status).toMatch(/0$/);
    pids.push(Number(readFileSync(pidFile, "utf8").trim()));
    for (let i = 0; i < 50 && spawnSync("test", ["-S", socket]).status !== 0; i++) await new Promise((r) => setTimeout(r, 20));
  };

  /** One request on a fresh connection (no pooled connection outlives a reload). */
  const get = (path: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });

  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as AddressInfo).port;
        probe.close(() => resolve(p));
      });
    });
    // A stand-in reserved IP apart from the placeholder address, so the first boot's two slots can be told apart.
    const cfg = renderHaproxyConfig(config, { floatingIp: "127.0.0.3", bindAddress: "127.0.0.1", httpPort: port, runAsUser: null, logTarget: null })
      // A test process may not raise its file limit to 20,000 connections.
      .replace(/maxconn \d+/, "maxconn 200");
    writeFileSync(join(dir, "haproxy.cfg"), cfg);
    // What the droplet's cloud-init and the lab do before HAProxy starts.
    writeFileSync(mapFile, "");
    await startHaproxy();
  });

  afterAll(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // an old process already finished after its reload
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("GIVEN the rendered config WHEN driving a flip's commands THEN HAProxy reports each admin state (admin states only: check verdicts race the checks)", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), config);
    const byName = async () => Object.fromEntries((await haproxy.servers()).map((s) => [s.name, s]));
    // First boot, no saved state: blue serves through the reserved IP, green waits disabled on its placeholder.
    expect((await byName()).blue).toMatchObject({ admin: "ready", address: "127.0.0.3" });
    expect((await byName()).green).toMatchObject({ admin: "maint", status: "MAINT", address: "127.0.0.1" });
    await haproxy.apply([{ server: "green", address: { ip: "127.0.0.2", port: 8080 }, state: "drain", health: "down" }]);
    expect((await byName()).green).toMatchObject({ admin: "drain", address: "127.0.0.2", port: 8080 });
    // The hand-over: two commands in one socket session.
    await haproxy.apply([
      { server: "green", state: "ready" },
      { server: "blue", state: "drain" },
    ]);
    const handedOver = await byName();
    expect({ green: handedOver.green.admin, blue: handedOver.blue.admin }).toEqual({ green: "ready", blue: "drain" });
    await haproxy.shutdownSessions("blue");
    expect((await byName()).blue).toMatchObject({ admin: "drain", currentSessions: 0 });
    expect((await byName()).green.traffic).toEqual(expect.objectContaining({ responses: expect.any(Number), serverErrors: 0 }));
  });

  it("GIVEN one command of a transaction is refused WHEN applying THEN the whole call fails with HAProxy's reason", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), config);
    await expect(haproxy.apply([{ server: "green", state: "drain" }, { server: "nope", state: "ready" }])).rejects.toThrow(/HAProxy refused .*No such server/);
  });

  it("GIVEN an unknown server WHEN setting its state THEN a one-line error says how to fix the config", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), config);
    await expect(haproxy.apply([{ server: "nope", state: "ready" }])).rejects.toThrow(/HAProxy refused `set server app\/nope state ready`: No such server/);
  });

  it("GIVEN a wrong socket path WHEN reading THEN the error names the socket and the fix", async () => {
    const haproxy = new HaproxyRuntime(new LocalShell(), tempConfig(join(dir, "missing.sock"), loadConfig({}, "stack").stateDir));
    await expect(haproxy.servers()).rejects.toThrow(/cannot reach HAProxy's runtime API at .*missing.sock/);
  });
  describe("maintenance mode", () => {
    const HOSTILE = `Back at 10:00 <script>alert(1)</script> "R&D"; it's $(touch ${dir}/pwned) \\ 100%\nsecond line`;
    const SHOWN = `Back at 10:00 <script>alert(1)</script> "R&D"; it's $(touch ${dir}/pwned) \\ 100% second line`;
    const ESCAPED = `Back at 10:00 &lt;script&gt;alert(1)&lt;/script&gt; &quot;R&amp;D&quot;; it&#39;s $(touch ${dir}/pwned) \\ 100% second line`;
    const haproxy = new HaproxyRuntime(new LocalShell(), config);

    it("GIVEN the empty map WHEN reading THEN maintenance is off and visitors reach the backend", async () => {
      expect(await haproxy.maintenance()).toEqual({ on: false });
      expect((await get("/")).body).not.toContain("Down for maintenance");
    });

    it("GIVEN a hostile message WHEN turning maintenance on THEN visitors get the 503 page with it escaped, and the file holds it", async () => {
      await haproxy.setMaintenance({ on: true, message: HOSTILE });
      expect(await haproxy.maintenance()).toEqual({ on: true, message: SHOWN });
      const page = await get("/some/page?x=1");
      expect(page.status).toBe(503);
      expect(page.headers).toMatchObject({ "retry-after": "30", "cache-control": "no-store", "content-type": "text/html; charset=utf-8" });
      expect(page.body).toContain("<h1>Down for maintenance</h1>");
      expect(page.body).toContain(`<p>${ESCAPED}</p>`);
      expect(readFileSync(mapFile, "utf8")).toBe(`maintenance ${ESCAPED}\n`);
      expect(existsSync(join(dir, "pwned"))).toBe(false);
    });

    it("GIVEN maintenance on WHEN the health path is requested THEN it still reaches the backend", async () => {
      expect((await get("/health")).body).not.toContain("Down for maintenance");
    });

    it("GIVEN maintenance on WHEN turned on again with another message THEN the one entry is replaced", async () => {
      await haproxy.setMaintenance({ on: true, message: "Migrating" });
      const shown = spawnSync("socat", ["stdio", `UNIX-CONNECT:${socket}`], { input: `show map ${mapFile}\n`, encoding: "utf8" }).stdout;
      expect(shown.trim().split("\n")).toEqual([expect.stringMatching(/^0x[0-9a-f]+ maintenance Migrating$/)]);
      expect((await get("/")).body).toContain("<p>Migrating</p>");
    });

    it("GIVEN maintenance on WHEN HAProxy reloads THEN the new process reads the file and keeps serving the page", async () => {
      await startHaproxy();
      expect(await haproxy.maintenance()).toEqual({ on: true, message: "Migrating" });
      expect((await get("/")).body).toContain("<p>Migrating</p>");
    });

    it("GIVEN maintenance on WHEN turned off THEN visitors reach the backend again, the file is empty, and a reload keeps it off", async () => {
      await haproxy.setMaintenance({ on: false });
      expect(await haproxy.maintenance()).toEqual({ on: false });
      expect((await get("/")).body).not.toContain("Down for maintenance");
      expect(readFileSync(mapFile, "utf8")).toBe("");
      await startHaproxy();
      expect(await haproxy.maintenance()).toEqual({ on: false });
      expect((await get("/")).body).not.toContain("Down for maintenance");
    });

    it("GIVEN a map path HAProxy does not know WHEN setting the mode THEN HAProxy's refusal is the error and the file is untouched", async () => {
      const other = mkdtempSync(join(tmpdir(), "switch-haproxy-other-"));
      const wrong = new HaproxyRuntime(new LocalShell(), tempConfig(socket, other));
      try {
        await expect(wrong.setMaintenance({ on: true, message: "x" })).rejects.toThrow(/HAProxy refused prepare map .*maintenance.map: Unknown map identifier/);
        await expect(wrong.maintenance()).rejects.toThrow(/predates maintenance mode/);
        // Neither the map nor the temp file stays behind.
        expect(spawnSync("ls", ["-A", other], { encoding: "utf8" }).stdout).toBe("");
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });
  });
});
