import { loadConfig } from "../../../core/config";
import { renderHaproxyConfig } from "../../../core/haproxy";
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

  it("GIVEN the configuration WHEN rendered THEN the backend has the floating server and a disabled spare for the switch", () => {
    const text = renderHaproxyConfig(loadConfig({ APP_PORT: "3000" }, "stack"), { floatingIp: FLOATING_IP });
    expect(text).toContain(`server floating ${FLOATING_IP}:3000 check`);
    expect(text).toMatch(/server spare \S+:3000 check disabled/);
    expect(text).toContain("stats socket /run/haproxy/admin.sock mode 660 level admin");
    expect(text).toContain("http-request disable-l7-retry unless METH_GET || METH_HEAD");
    expect(text).toContain("http-check send meth GET uri /health");
  });

  it("GIVEN no certificate WHEN rendered THEN there is no 443 frontend", () => {
    expect(renderHaproxyConfig(config, { floatingIp: FLOATING_IP })).not.toContain(":443");
  });
});
