import { request } from "node:http";
import { ExitCode } from "../../../core/errors";
import { publicFetch } from "../../../lab/public-entry";
import { forceRenewal, handshake as labHandshake } from "../../../lab/certificate-renewal";
import { SuiteContext, switchCli } from "../support/context";
import { underLoad, verdict } from "../support/load";
import { CUTOVER_LOAD_RATE } from "./switch-cutover";

const handshake = (ctx: SuiteContext, options?: Parameters<typeof labHandshake>[1]) => labHandshake(ctx.lab().plan, options);

/** One plain-HTTP request to the balancer (no redirect followed). */
function plainHttp(ctx: SuiteContext, path: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ctx.lab().plan.balancer.publicIp, port: 80, path, headers: { host: ctx.lab().plan.domain }, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.once("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.once("error", reject);
    req.end();
  });
}

export function describeHttps(ctx: SuiteContext): void {
  describe("HTTPS (TLS=auto: certbot on the balancer, the lab's Pebble as the CA)", () => {
    it("GIVEN the lab is up WHEN the balancer is asked for the app's domain THEN it serves a certificate from Pebble for that name, over HTTP/2 or HTTP/1.1 by ALPN, and refuses TLS 1.1", async () => {
      const { plan } = ctx.lab();
      const [h2, h1] = await Promise.all([handshake(ctx, { alpn: ["h2", "http/1.1"] }), handshake(ctx, { alpn: ["http/1.1"] })]);
      expect({ authorized: h2.authorized, names: h2.names, alpn: [h2.alpn, h1.alpn] }).toEqual({ authorized: true, names: `DNS:${plan.domain}`, alpn: ["h2", "http/1.1"] });
      expect(["TLSv1.2", "TLSv1.3"]).toContain(h2.protocol);
      await expect(handshake(ctx, { maxVersion: "TLSv1.1" })).rejects.toThrow();
    });

    it("GIVEN a certificate is served WHEN plain HTTP is asked THEN it is redirected to HTTPS, except the ACME challenge path, which reaches certbot's route", async () => {
      const { plan } = ctx.lab();
      const [page, challenge] = await Promise.all([plainHttp(ctx, "/orders?id=7"), plainHttp(ctx, "/.well-known/acme-challenge/token-0")]);
      expect(page).toEqual({ status: 301, location: `https://${plan.domain}/orders?id=7` });
      // certbot listens only while it asks the CA: between requests HAProxy answers 503 for its route, never a redirect.
      expect(challenge.status).toBe(503);
    });

    it("GIVEN a client that sends X-Forwarded-Proto and X-Forwarded-For WHEN the app reads them THEN HAProxy's values replaced the client's", async () => {
      const res = await publicFetch(ctx.lab().plan, "/forwarded", { headers: { "x-forwarded-proto": "http", "x-forwarded-for": "203.0.113.66" } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ proto: "https", for: ctx.lab().plan.bridge.ip });
    });

    it(`GIVEN ${CUTOVER_LOAD_RATE} req/s over HTTPS WHEN certbot renews the certificate (--force-renewal) THEN 0 requests fail and the new certificate is served`, async () => {
      const { value: renewal, result } = await underLoad(ctx.lab(), CUTOVER_LOAD_RATE, async (mark) => {
        mark("renew-start");
        const r = await forceRenewal(ctx.lab().plan);
        mark("renew-settled");
        return r;
      });
      expect({ code: renewal.certbot.code, stderr: renewal.certbot.code === 0 ? "" : renewal.certbot.stderr.slice(-400) }).toEqual({ code: 0, stderr: "" });
      const { summary, failures } = verdict(result);
      expect({ failed: summary.failed, failures }).toEqual({ failed: 0, failures: {} });
      expect(summary.rps ?? 0).toBeGreaterThanOrEqual(CUTOVER_LOAD_RATE * 0.95);
      expect(renewal.renewed).toBe(true);
    });

    it("GIVEN the certificate was issued WHEN the switch reports status THEN it says so, with its expiry, and the pair is consistent", async () => {
      const status = await switchCli(ctx, ["status", "--json"]);
      expect(status.code).toBe(ExitCode.ok);
      const certificate = status.json?.certificate as { state?: string; detail?: string } | undefined;
      expect({ state: certificate?.state, consistent: status.json?.consistent }).toEqual({ state: "issued", consistent: true });
      expect(certificate?.detail).toMatch(/^certificate: issued \S+, valid until /);
    });
  });
}
