import { parse } from "yaml";
import { loadConfig } from "../../../core/config";
import { HAPROXY_CONFIG_PATH, renderBalancerUserData, SSHD_DROP_IN } from "../../../core/cloud-init";
import { renderHaproxyConfig } from "../../../core/haproxy";
import { checkCloudConfig, checkHaproxyConfig } from "../debian-validators";

const FLOATING_IP = "198.18.0.10";

function render(env: Record<string, string> = {}) {
  const config = loadConfig(env, "stack");
  const haproxyConfig = renderHaproxyConfig(config, { floatingIp: FLOATING_IP });
  const text = renderBalancerUserData({
    haproxyConfig,
    adminSocket: config.haproxy.adminSocket,
    stateDir: config.stateDir,
    tls: config,
    tlsCommonName: config.app.domain,
    sshPort: config.ssh.port,
    deployUser: config.ssh.user,
  });
  return { text, doc: parse(text), haproxyConfig };
}

describe("renderBalancerUserData", () => {
  it.each([
    ["the defaults", {}],
    ["TLS and a custom SSH port", { HAPROXY_TLS_CERT_PATH: "/etc/haproxy/certs/site.pem", SSH_PORT: "2222" }],
  ])("GIVEN %s WHEN rendered THEN the real `cloud-init schema` accepts it", (_name, env) => {
    const result = checkCloudConfig(render(env).text);
    expect(result.output).toMatch(/Valid cloud-config/);
    expect(result.ok).toBe(true);
  });

  it("GIVEN the rendered document WHEN haproxy.cfg is read back from it THEN it is byte for byte the rendered config and `haproxy -c` accepts it", () => {
    const { doc, haproxyConfig } = render();
    const file = doc.write_files.find((f: { path: string }) => f.path === HAPROXY_CONFIG_PATH);
    expect(file.content).toBe(haproxyConfig);
    expect(file.defer).toBe(true);
    expect(checkHaproxyConfig(file.content).ok).toBe(true);
  });

  it("GIVEN the defaults WHEN rendered THEN HAProxy and socat are installed, checked, enabled and restarted", () => {
    const { doc } = render();
    expect(doc.packages).toEqual(["haproxy", "socat"]);
    expect(doc.runcmd.slice(0, 5)).toEqual([
      ["systemd-tmpfiles", "--create", "/etc/tmpfiles.d/do-bluegreen.conf"],
      ["sysctl", "-q", "-p", "/etc/sysctl.d/60-do-bluegreen-balancer.conf"],
      ["haproxy", "-c", "-f", HAPROXY_CONFIG_PATH],
      ["systemctl", "enable", "haproxy"],
      ["systemctl", "restart", "haproxy"],
    ]);
  });

  it("GIVEN the defaults WHEN rendered THEN the balancer reuses TIME_WAIT ports and has a wide port range (the spare opens a connection per request while it serves)", () => {
    const file = render().doc.write_files.find((f: { path: string }) => f.path === "/etc/sysctl.d/60-do-bluegreen-balancer.conf");
    expect(file.content.split("\n").filter((l: string) => l && !l.startsWith("#"))).toEqual(["net.ipv4.tcp_tw_reuse = 1", "net.ipv4.ip_local_port_range = 10240 65535"]);
  });

  it("GIVEN the defaults WHEN rendered THEN the deploy user joins the haproxy group (the admin socket is root:haproxy 0660), gets the keys, and sshd refuses root and passwords", () => {
    const { doc } = render();
    expect(doc.users).toEqual([{ name: "deploy", shell: "/bin/bash", lock_passwd: true, sudo: "ALL=(ALL) NOPASSWD:ALL" }]);
    expect(doc.disable_root).toBe(false);
    expect(doc.ssh_pwauth).toBe(false);
    expect(doc.runcmd.slice(5)).toEqual([
      ["usermod", "-aG", "haproxy", "deploy"],
      ["sh", "-c", expect.stringContaining("install -m 0600 -o 'deploy' -g 'deploy' /root/.ssh/authorized_keys '/home/deploy/.ssh/authorized_keys'")],
      ["systemctl", "restart", "ssh"],
    ]);
    const dropIn = doc.write_files.find((f: { path: string }) => f.path === SSHD_DROP_IN);
    expect(dropIn.content).toBe("PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n");
  });

  it("GIVEN custom state and socket paths WHEN rendered THEN both directories, and the maintenance map if missing, are created on every boot via tmpfiles.d", () => {
    const { doc, haproxyConfig } = render({ SWITCH_STATE_DIR: "/srv/bluegreen", HAPROXY_ADMIN_SOCKET: "/run/lb/admin.sock" });
    const tmpfiles = doc.write_files.find((f: { path: string }) => f.path === "/etc/tmpfiles.d/do-bluegreen.conf");
    // `f`, not `f+`: an existing map (maintenance on) is kept across reboots.
    // The state directory is the deploy user's: the switch logs in as it, takes the lock there (mkdir, chmod 755) and renames the map.
    expect(tmpfiles.content).toBe("d /run/lb 2775 haproxy haproxy -\nd /srv/bluegreen 0755 deploy deploy -\nf /srv/bluegreen/maintenance.map 0644 root root -\nf /srv/bluegreen/server-state 0600 root root -\n");
    // The map haproxy.cfg reads is the one tmpfiles creates.
    expect(haproxyConfig).toContain("map(/srv/bluegreen/maintenance.map)");
  });

  it("GIVEN a maintenanceMap option WHEN rendered THEN tmpfiles.d creates that file", () => {
    const config = loadConfig({}, "stack");
    const text = renderBalancerUserData({ haproxyConfig: "", adminSocket: config.haproxy.adminSocket, stateDir: config.stateDir, maintenanceMap: "/etc/haproxy/maintenance.map" });
    const tmpfiles = parse(text).write_files.find((f: { path: string }) => f.path === "/etc/tmpfiles.d/do-bluegreen.conf");
    expect(tmpfiles.content).toMatch(/\nf \/etc\/haproxy\/maintenance.map 0644 root root -\n/);
  });

  it("GIVEN a TLS certificate path WHEN rendered THEN openssl is installed and a placeholder certificate is made only if none exists", () => {
    const { doc } = render({ HAPROXY_TLS_CERT_PATH: "/etc/haproxy/certs/site.pem", APP_DOMAIN: "shop.example.org" });
    expect(doc.packages).toContain("openssl");
    const [sh, flag, script] = doc.runcmd[2];
    expect([sh, flag]).toEqual(["sh", "-c"]);
    expect(script).toMatch(/^test -s '\/etc\/haproxy\/certs\/site.pem' \|\| \{ /);
    expect(script).toContain("-subj '/CN=shop.example.org'");
    // The certificate must exist before HAProxy's config check and restart.
    expect(doc.runcmd.findIndex((c: string[]) => c[0] === "haproxy")).toBeGreaterThan(1);
  });
});
