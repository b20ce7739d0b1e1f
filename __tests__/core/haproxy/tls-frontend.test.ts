import { loadConfig } from "../../../core/config";
import { renderHaproxyConfig } from "../../../core/haproxy";
import { TLS12_CIPHERS } from "../../../core/haproxy/tls-frontend";
import { checkHaproxyConfig, withTempDir, writeSelfSignedPem } from "../debian-validators";

const FLOATING_IP = "198.18.0.10";
const frontendOf = (text: string) => text.slice(text.indexOf("frontend public"), text.indexOf("\n\nbackend app"));
const render = (env: Record<string, string>) => renderHaproxyConfig(loadConfig(env, "stack"), { floatingIp: FLOATING_IP });

describe("the TLS front end", () => {
  const AUTO = { APP_DOMAIN: "shop.example.org" };
  const MANUAL = { HAPROXY_TLS_CERT_PATH: "/etc/haproxy/certs/site.pem" };

  it.each([
    ["TLS off (no domain, no certificate)", {}, { listens443: false, redirects: false, routesChallenge: false, hsts: false }],
    ["TLS=manual", MANUAL, { listens443: true, redirects: true, routesChallenge: false, hsts: true }],
    ["TLS=auto", AUTO, { listens443: true, redirects: true, routesChallenge: true, hsts: true }],
  ])("GIVEN %s WHEN rendered THEN 443, the redirect, the challenge route and HSTS are as the mode says", (_, env, expected) => {
    const text = render(env);
    expect({
      listens443: /bind \*:443 ssl crt \S+ alpn h2,http\/1\.1$/m.test(text),
      redirects: /http-request redirect scheme https code 301 if !\{ ssl_fc \}/.test(text),
      routesChallenge: text.includes("use_backend acme_challenge if acme_challenge !{ ssl_fc }") && text.includes("server certbot 127.0.0.1:8402"),
      hsts: text.includes('Strict-Transport-Security "max-age=31536000" if { ssl_fc }'),
    }).toEqual(expected);
  });

  it.each([["TLS off", {}], ["TLS=auto", AUTO]])("GIVEN %s WHEN rendered THEN X-Forwarded-Proto and X-Forwarded-For are set by HAProxy, never appended", (_, env) => {
    const frontend = frontendOf(render(env));
    expect(frontend).toContain("http-request set-header X-Forwarded-Proto https if { ssl_fc }");
    expect(frontend).toContain("http-request set-header X-Forwarded-Proto http unless { ssl_fc }");
    expect(frontend).toContain("http-request set-header X-Forwarded-For %[src]");
    expect(frontend).not.toContain("option forwardfor");
  });

  it("GIVEN TLS=auto WHEN rendered THEN plain HTTP is redirected only once the deploy hook's flag says so, and never the challenge path", () => {
    expect(render({ ...AUTO, SWITCH_STATE_DIR: "/srv/switch" })).toContain(
      "http-request redirect scheme https code 301 if !{ ssl_fc } !acme_challenge { str(on) -m str -f /srv/switch/https-redirect }",
    );
  });

  it("GIVEN TLS=auto WHEN rendered THEN maintenance mode lets the CA's challenge through", () => {
    const rule = frontendOf(render(AUTO)).split("\n").find((l) => l.includes("http-request return status 503"));
    expect(rule).toMatch(/!\{ path \/health \} !acme_challenge$/);
  });

  it("GIVEN TLS on WHEN rendered THEN only TLS 1.2 and 1.3 with forward-secret AEAD ciphers, and no session tickets", () => {
    const text = render(AUTO);
    expect(text).toContain("ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets");
    expect(text).toContain(`ssl-default-bind-ciphers ${TLS12_CIPHERS}`);
    expect(TLS12_CIPHERS.split(":").every((c) => c.startsWith("ECDHE-") && /GCM|CHACHA20/.test(c))).toBe(true);
  });

  it("GIVEN HSTS_MAX_AGE_SECONDS=0 WHEN rendered THEN no Strict-Transport-Security header", () => {
    expect(render({ ...AUTO, HSTS_MAX_AGE_SECONDS: "0" })).not.toContain("Strict-Transport-Security");
  });

  it.each([["TLS=auto", AUTO], ["TLS=manual", MANUAL]])("GIVEN %s and a real PEM WHEN checked THEN the real `haproxy -c` accepts the config", (_, env) => {
    withTempDir((dir) => {
      const pem = writeSelfSignedPem(dir);
      const result = checkHaproxyConfig(render({ ...env, HAPROXY_TLS_CERT_PATH: pem }));
      expect(result.output).toMatch(/Configuration file is valid/);
    });
  });
});
