import { describeCertificate, parseCertificateStatus } from "../../../core/tls";

describe("the certificate status line", () => {
  it.each([
    ["an issued line", "issued 2026-12-02T10:00:00Z Mar  2 10:00:00 2027 GMT\n", "certificate: issued 2026-12-02T10:00:00Z, valid until Mar  2 10:00:00 2027 GMT"],
    ["a pending line", "pending 2026-12-02T10:00:00Z DNS problem: NXDOMAIN looking up A for shop.example.org (next try in 60 s)", "certificate: pending — DNS problem: NXDOMAIN looking up A for shop.example.org (next try in 60 s) (since 2026-12-02T10:00:00Z; HTTP keeps serving, the balancer retries with backoff)"],
    ["a pending line without a reason", "pending 2026-12-02T10:00:00Z", "certificate: pending — no reason given (since 2026-12-02T10:00:00Z; HTTP keeps serving, the balancer retries with backoff)"],
    ["no file yet", "", "certificate: pending — the balancer has not asked the CA yet (first boot, or TLS=auto newly set: see README, HTTPS)"],
    ["garbage", "\u0000\u0001 nonsense", "certificate: pending — the balancer has not asked the CA yet (first boot, or TLS=auto newly set: see README, HTTPS)"],
  ])("GIVEN %s WHEN described THEN %j", (_, text, line) => {
    expect(describeCertificate(parseCertificateStatus(text))).toBe(line);
  });
});
