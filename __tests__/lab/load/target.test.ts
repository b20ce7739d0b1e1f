import { assertLabTarget, isLabHost, LoadTargetRefusedError } from "../../../lab/load/target";
import { UsageError } from "../../../core/errors";

describe("assertLabTarget", () => {
  it.each([
    "http://127.0.0.1:8080/",
    "http://127.255.0.9/x?y=1",
    "http://localhost:3000/",
    "http://[::1]:3000/",
    "http://198.18.0.2/",
    "https://198.18.0.2/",
    "http://198.19.255.254:80/",
    "http://127.1/", // WHATWG URL normalises this to 127.0.0.1
  ])("GIVEN %s WHEN checked THEN it is accepted", (url) => {
    expect(assertLabTarget(url).href).toBeTruthy();
  });

  it.each([
    ["a public address", "http://203.0.113.5/"],
    ["a shared-address-space (CGNAT) address", "http://100.64.0.1/"],
    ["the address just below the lab range", "http://198.17.255.255/"],
    ["the address just above the lab range", "http://198.20.0.1/"],
    ["a DNS name", "http://api.digitalocean.com/"],
    ["a name that merely starts with localhost", "http://localhost.example.com/"],
    ["an IPv6 address other than ::1", "http://[fe80::1]/"],
    ["an IPv4-mapped IPv6 loopback (not plain ::1)", "http://[::ffff:127.0.0.1]/"],
    ["https to a public address", "https://203.0.113.5/"],
    ["another scheme", "ftp://127.0.0.1/"],
    ["credentials in the URL", "http://user:secret@127.0.0.1/"],
    ["not a URL", "127.0.0.1:8080"],
  ])("GIVEN %s WHEN checked THEN it is refused with a usage error", (_what, url) => {
    expect(() => assertLabTarget(url)).toThrow(LoadTargetRefusedError);
    expect(() => assertLabTarget(url)).toThrow(UsageError);
  });

  it("GIVEN a refused URL WHEN the error is shown THEN the fix is given", () => {
    const error = (() => {
      try {
        assertLabTarget("http://203.0.113.5/");
      } catch (e) {
        return e as LoadTargetRefusedError;
      }
      throw new Error("expected a refusal");
    })();
    expect(error.oneLine()).toMatch(/203\.0\.113\.5.*fix: .*198\.18\.0\.0\/15/);
  });
});

describe("isLabHost", () => {
  it.each([
    ["127.0.0.1", true],
    ["LOCALHOST", true],
    ["[::1]", true],
    ["198.18.3.2", true],
    ["198.19.0.1", true],
    ["198.20.0.1", false],
    ["192.0.2.1", false],
    ["example.test", false],
  ])("GIVEN host %s THEN %p", (host, expected) => {
    expect(isLabHost(host)).toBe(expected);
  });
});
