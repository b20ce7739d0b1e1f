import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../../core/config";
import { EMPTY_SERVER_STATE, maintenanceMapValue, renderBalancerHaproxyConfig, renderHaproxyConfig } from "../../../core/haproxy";
import { checkHaproxyConfig, withTempDir, writeSelfSignedPem } from "../debian-validators";

// A lab address: validation never sends traffic, but the network rule keeps even literals in the lab's range.
const FLOATING_IP = "198.18.0.10";

describe("renderHaproxyConfig", () => {
  const config = loadConfig({}, "stack");

  it("GIVEN the default configuration WHEN rendered THEN the real `haproxy -c` accepts it", () => {
    const result = checkHaproxyConfig(renderHaproxyConfig(config, { floatingIp: FLOATING_IP }));
    expect(result.output).toMatch(/Configuration file is valid/);
    expect(result.ok).toBe(true);
  });

  it("GIVEN a TLS certificate WHEN rendered THEN `haproxy -c` accepts the 443 frontend with a real PEM", () => {
    withTempDir((dir) => {
      const pem = writeSelfSignedPem(dir);
      const tls = loadConfig({ HAPROXY_TLS_CERT_PATH: pem }, "stack");
      const text = renderHaproxyConfig(tls, { floatingIp: FLOATING_IP });
      expect(text).toContain(`bind *:443 ssl crt ${pem}`);
      const result = checkHaproxyConfig(text);
      expect(result.output).toMatch(/Configuration file is valid/);
    });
  });

  it("GIVEN lab options WHEN rendered THEN `haproxy -c` accepts a config without user and log", () => {
    const text = renderHaproxyConfig(config, { floatingIp: FLOATING_IP, bindAddress: "127.0.0.1", httpPort: 18080, runAsUser: null, logTarget: null });
    expect(text).not.toMatch(/^\s*(user|log) /m);
    expect(checkHaproxyConfig(text).ok).toBe(true);
  });

  it("GIVEN a broken config THEN `haproxy -c` rejects it (the validator can fail)", () => {
    const broken = renderHaproxyConfig(config, { floatingIp: FLOATING_IP }).replace("balance roundrobin", "balance nonsense");
    expect(checkHaproxyConfig(broken).ok).toBe(false);
  });

  it("GIVEN the configuration WHEN rendered THEN the backend has two slots for the switch to pin: blue serving through the reserved IP until then, green disabled", () => {
    const text = renderHaproxyConfig(loadConfig({ APP_PORT: "3000" }, "stack"), { floatingIp: FLOATING_IP });
    expect(text).toContain(`server blue blue.invalid:3000 check init-addr last,${FLOATING_IP}`);
    expect(text).toMatch(/server green green.invalid:3000 check disabled init-addr last,127.0.0.1/);
    expect(text).toContain("stats socket /run/haproxy/admin.sock mode 660 level admin");
    expect(text).toContain("http-request disable-l7-retry unless METH_GET || METH_HEAD");
    expect(text).toContain("http-check send meth GET uri /health");
  });

  it("GIVEN no certificate WHEN rendered THEN there is no 443 frontend", () => {
    expect(renderHaproxyConfig(config, { floatingIp: FLOATING_IP })).not.toContain(":443");
  });

  describe("maintenance mode", () => {
    const frontendOf = (text: string) => text.slice(text.indexOf("frontend public"), text.indexOf("\n\nbackend"));
    const ruleOf = (text: string) => frontendOf(text).split("\n").find((l) => l.includes("http-request return status 503"));

    it.each([
      ["the default SWITCH_STATE_DIR", {}, {}, "/var/lib/do-bluegreen/maintenance.map"],
      ["another SWITCH_STATE_DIR", { SWITCH_STATE_DIR: "/srv/switch" }, {}, "/srv/switch/maintenance.map"],
      ["a trailing slash", { SWITCH_STATE_DIR: "/srv/switch/" }, {}, "/srv/switch/maintenance.map"],
      ["the maintenanceMap option", {}, { maintenanceMap: "/tmp/lab/m.map" }, "/tmp/lab/m.map"],
    ])("GIVEN %s WHEN rendered THEN the frontend reads key `maintenance` of %s", (_, env, options, path) => {
      const text = renderHaproxyConfig(loadConfig(env, "stack"), { floatingIp: FLOATING_IP, ...options });
      expect(ruleOf(text)).toContain(`%[str(maintenance),map(${path})]`);
      expect(ruleOf(text)).toContain(`if { str(maintenance),map(${path}) -m found } !{ path /health }`);
    });

    it("GIVEN the configuration WHEN rendered THEN the 503 page rule is pinned: HTML, Retry-After 30, no-store, before the backend is chosen", () => {
      const frontend = frontendOf(renderHaproxyConfig(config, { floatingIp: FLOATING_IP }));
      expect(frontend.split("\n")).toEqual([
        "frontend public",
        "  bind *:80",
        "  http-request set-header X-Forwarded-Proto https if { ssl_fc }",
        "  http-request set-header X-Forwarded-Proto http unless { ssl_fc }",
        "  http-request set-header X-Forwarded-For %[src]",
        "  http-request return status 503 content-type \"text/html; charset=utf-8\" lf-string " +
          "\"<!doctype html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width, initial-scale=1'>" +
          "<title>Down for maintenance</title></head><body style='font-family: system-ui, sans-serif; max-width: 36em; margin: 4em auto; padding: 0 1em'>" +
          "<h1>Down for maintenance</h1><p>%[str(maintenance),map(/var/lib/do-bluegreen/maintenance.map)]</p></body></html>\" " +
          "hdr Retry-After 30 hdr Cache-Control no-store if { str(maintenance),map(/var/lib/do-bluegreen/maintenance.map) -m found } !{ path /health }",
        "  default_backend app",
      ]);
    });

    it("GIVEN APP_HEALTH_PATH with a query WHEN rendered THEN the exemption matches its path part", () => {
      expect(ruleOf(renderHaproxyConfig(loadConfig({ APP_HEALTH_PATH: "/up?full=1" }, "stack"), { floatingIp: FLOATING_IP }))).toMatch(/!\{ path \/up \}$/);
    });

    it.each([
      ["empty (maintenance off)", ""],
      ["holding an escaped message", `maintenance ${maintenanceMapValue(`Back at 10:00 — "DB" <migration> & co's; 100% #1 \\ $HOME`)}\n`],
    ])("GIVEN the map file %s WHEN `haproxy -c` reads the config THEN it is valid", (_, content) => {
      withTempDir((dir) => {
        const map = join(dir, "maintenance.map");
        writeFileSync(map, content);
        const result = checkHaproxyConfig(renderHaproxyConfig(config, { floatingIp: FLOATING_IP, maintenanceMap: map }));
        expect(result.output).toMatch(/Configuration file is valid/);
      });
    });

    it("GIVEN the map file is missing WHEN `haproxy -c` reads the config THEN HAProxy refuses (why cloud-init and the lab create it)", () => {
      // A relative path: the validator only stands in for absolute droplet paths.
      const result = checkHaproxyConfig(renderHaproxyConfig(config, { floatingIp: FLOATING_IP, maintenanceMap: "no-such-dir/maintenance.map" }));
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/failed to open pattern file <no-such-dir\/maintenance.map>/);
    });
  });

  describe("runtime state across a reload (server-state file)", () => {
    const sectionOf = (text: string, name: string) => text.slice(`\n${text}`.indexOf(`\n${name}\n`)).split("\n\n")[0].split("\n");

    it.each([
      ["the default SWITCH_STATE_DIR", {}, "/var/lib/do-bluegreen/server-state"],
      ["another SWITCH_STATE_DIR", { SWITCH_STATE_DIR: "/srv/switch" }, "/srv/switch/server-state"],
    ])("GIVEN %s WHEN rendered THEN global names %s as the server-state file and defaults load it", (_, env, path) => {
      const text = renderHaproxyConfig(loadConfig(env, "stack"), { floatingIp: FLOATING_IP });
      expect(sectionOf(text, "global")).toContain(`  server-state-file ${path}`);
      expect(sectionOf(text, "defaults")).toEqual(expect.arrayContaining(["  load-server-state-from-file global", "  option idle-close-on-response"]));
    });

    it("GIVEN the configuration WHEN rendered THEN both slots are declared by placeholder names that init-addr resolves from the state file first, and no slot gives up pooling (none is re-pointed under traffic)", () => {
      const backend = sectionOf(renderHaproxyConfig(config, { floatingIp: FLOATING_IP }), "backend app");
      expect(backend.filter((l) => l.startsWith("  server "))).toEqual([
        `  server blue blue.invalid:8080 check init-addr last,${FLOATING_IP}`,
        "  server green green.invalid:8080 check disabled init-addr last,127.0.0.1",
      ]);
    });

    it("GIVEN a server-state file path in the options WHEN rendered THEN global names it instead of SWITCH_STATE_DIR's (a second HAProxy keeps its own)", () => {
      expect(sectionOf(renderHaproxyConfig(config, { floatingIp: FLOATING_IP, serverStateFile: "/run/x/own-state" }), "global")).toContain("  server-state-file /run/x/own-state");
    });

    // `show servers state` of HAProxy 2.6.12 running this config with both slots pinned, green armed in drain.
    const SAVED = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 blue 198.18.0.11 2 0 1 1 12 15 3 4 6 0 0 0 blue.invalid 8080 - 0 0 - - 0
3 app 2 green 198.18.0.12 2 12 1 1 12 15 3 4 6 0 0 0 green.invalid 8080 - 0 0 - - 0
`;

    it.each([
      ["naming no server (a fresh balancer)", EMPTY_SERVER_STATE, []],
      ["saved with the armed slot", SAVED, ["remains in forced drain mode"]],
    ])("GIVEN a server-state file %s WHEN `haproxy -c` reads the config THEN it is valid, with no warning about the file", (_, state, notes) => {
      withTempDir((dir) => {
        writeFileSync(join(dir, "server-state"), state);
        writeFileSync(join(dir, "maintenance.map"), "");
        const result = checkHaproxyConfig(renderHaproxyConfig({ ...config, stateDir: dir }, { floatingIp: FLOATING_IP }));
        expect(result.output).toMatch(/Configuration file is valid/);
        expect(result.output).not.toMatch(/server state file/i);
        for (const note of notes) expect(result.output).toContain(note);
      });
    });

    it("GIVEN no server-state file WHEN `haproxy -c` reads the config THEN it is valid but warns (why the lab and `balancer apply` create it)", () => {
      withTempDir((dir) => {
        writeFileSync(join(dir, "maintenance.map"), "");
        const result = checkHaproxyConfig(renderHaproxyConfig({ ...config, stateDir: dir }, { floatingIp: FLOATING_IP }));
        expect(result.ok).toBe(true);
        expect(result.output).toMatch(/Can't open global server state file/);
      });
    });
  });

  describe("renderBalancerHaproxyConfig: the render options from the configuration", () => {
    it.each([
      ["the defaults (a droplet)", {}, { bindAddress: "*", runAsUser: "haproxy", logTarget: "/dev/log local0" }],
      ["the lab's settings", { HAPROXY_BIND_ADDRESS: "198.18.8.2", HAPROXY_USER: "none", HAPROXY_LOG_TARGET: "none" }, { bindAddress: "198.18.8.2", runAsUser: null, logTarget: null }],
      ["another user and log target", { HAPROXY_USER: "lb", HAPROXY_LOG_TARGET: "127.0.0.1:514 local1 info" }, { bindAddress: "*", runAsUser: "lb", logTarget: "127.0.0.1:514 local1 info" }],
    ])("GIVEN %s WHEN rendered for a balancer THEN it is renderHaproxyConfig with %j", (_, env, options) => {
      const c = loadConfig(env, "stack");
      expect(renderBalancerHaproxyConfig(c, FLOATING_IP)).toBe(renderHaproxyConfig(c, { floatingIp: FLOATING_IP, ...options }));
    });

    it("GIVEN the defaults WHEN rendered for a balancer THEN it is exactly what the stack rendered before these settings existed", () => {
      expect(renderBalancerHaproxyConfig(config, FLOATING_IP)).toBe(renderHaproxyConfig(config, { floatingIp: FLOATING_IP }));
    });
  });
});
