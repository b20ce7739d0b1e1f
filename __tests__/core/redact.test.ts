import { VARIABLES } from "../../core/config/variables";
import { isSecretVariable, redactValue, Redactor, SECRET_VARIABLES, stripControl } from "../../core/redact";

describe("Redactor", () => {
  it("GIVEN secrets in the environment WHEN text mentions them THEN every occurrence is masked", () => {
    const redactor = Redactor.fromEnv({ DIGITALOCEAN_TOKEN: "dop_v1_secret123", AWS_SECRET_ACCESS_KEY: "spaces-secret-xyz" });
    expect(redactor.redact("token dop_v1_secret123 and spaces-secret-xyz, again dop_v1_secret123")).toBe(
      "token [redacted] and [redacted], again [redacted]",
    );
  });

  it("GIVEN a secret that contains another THEN the longer one is masked whole", () => {
    const redactor = new Redactor(["abcdef", "abcdef-longer"]);
    expect(redactor.redact("abcdef-longer")).toBe("[redacted]");
  });

  it("GIVEN very short or empty values THEN they are not treated as secrets (they would mask ordinary words)", () => {
    const redactor = new Redactor(["x", "", undefined, "abc"]);
    expect(redactor.redact("x marks abc")).toBe("x marks abc");
  });

  it("GIVEN a variable that is not secret THEN it is not masked by fromEnv", () => {
    expect(Redactor.fromEnv({ DO_REGION: "nyc3-region" }).redact("nyc3-region")).toBe("nyc3-region");
  });

  it.each([
    ["DIGITALOCEAN_TOKEN", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["CI_REGISTRY_PASSWORD", true],
    ["SSH_PRIVATE_KEY", true],
    ["DO_REGION", false],
  ])("GIVEN %s THEN isSecretVariable is %s", (name, secret) => {
    expect(isSecretVariable(name)).toBe(secret);
    expect(redactValue(name, "value")).toBe(secret ? "[redacted]" : "value");
  });

  it("GIVEN an unset value THEN redactValue keeps it unset", () => {
    expect(redactValue("DIGITALOCEAN_TOKEN", undefined)).toBeUndefined();
  });
});

describe("Redactor against hostile secrets", () => {
  const HOSTILE = [
    ["quotes", 'pa"ss\'word"1'],
    ["backslashes", "back\\slash\\\\s3cret"],
    ["JSON-looking", '{"k":"v\\n"}-s3cret'],
    ["spaces and symbols", "p@ss w0rd/+=&?%#"],
    ["unicode", "pässwörd-ünïcode"],
    ["multi-line PEM", "-----BEGIN OPENSSH PRIVATE KEY-----\nline-one-material\nline-two-material\n-----END OPENSSH PRIVATE KEY-----"],
  ] as const;

  const forms = (secret: string): [string, string][] => [
    ["raw", secret],
    ["JSON-escaped", JSON.stringify(secret).slice(1, -1)],
    ["URL-encoded", encodeURIComponent(secret)],
    ["URL-encoded, lowercase escapes", encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ["base64", Buffer.from(secret).toString("base64")],
    ["base64 inside a Basic auth header", Buffer.from(`deployer:${secret}`).toString("base64")],
    ["base64 at offset 2", Buffer.from(`xy${secret}`).toString("base64")],
  ];

  describe.each(HOSTILE)("GIVEN a secret with %s", (_name, secret) => {
    const redactor = new Redactor([secret]);
    it.each(forms(secret))("WHEN text carries its %s form THEN nothing of it is left", (_form, shown) => {
      const out = redactor.redact(`before ${shown} after`);
      expect(out).toContain("[redacted]");
      expect(out.startsWith("before ")).toBe(true);
      for (const line of secret.split("\n").filter((l) => l.length >= 6 && !l.startsWith("-----"))) expect(out).not.toContain(line);
    });

    it("WHEN it sits inside a structured value THEN redactData masks it before serialisation, whatever JSON.stringify would escape", () => {
      const json = JSON.stringify(redactor.redactData({ error: `failed: ${secret}`, nested: [{ [secret]: secret }], n: 3, ok: true, none: null }));
      expect(json).not.toContain(JSON.stringify(secret).slice(1, -1));
      expect(JSON.parse(json)).toEqual({ error: "failed: [redacted]", nested: [{ "[redacted]": "[redacted]" }], n: 3, ok: true, none: null });
    });
  });

  it.each([
    ["the second starts inside the first", ["abcdef123456", "123456zyxwvu"], "xx abcdef123456zyxwvu yy"],
    ["the first ends inside the second", ["zyxwvu-abcdef", "qrstuv-zyxwvu"], "xx qrstuv-zyxwvu-abcdef yy"],
    ["one contains the other", ["inner-secret", "outer-inner-secret-end"], "xx outer-inner-secret-end yy"],
    ["three chained", ["aaaa-bbbb", "bbbb-cccc", "cccc-dddd"], "xx aaaa-bbbb-cccc-dddd yy"],
  ])("GIVEN overlapping secrets (%s) WHEN masked THEN no character of either survives", (_name, secrets, text) => {
    expect(new Redactor(secrets).redact(text)).toBe("xx [redacted] yy");
  });

  it("GIVEN repeated and adjacent occurrences THEN each is masked", () => {
    expect(new Redactor(["s3cret-value"]).redact("s3cret-values3cret-value s3cret-value")).toBe("[redacted][redacted] [redacted]");
  });

  it.each([
    ["an ANSI colour", "\u001b[31mred\u001b[0m", "[31mred[0m"],
    ["a forged GitLab section", "\u001b[0Ksection_end:1:switch_verify_12\r\u001b[0K", "[0Ksection_end:1:switch_verify_12[0K"],
    ["a carriage return that overwrites a line", "step verify failed\rstep verify done", "step verify failedstep verify done"],
    ["a one-byte CSI and DEL", "a\u009b2Jb\u007fc", "a2Jbc"],
    ["bidirectional overrides", "admin\u202e\u2066txt.exe", "admintxt.exe"],
    ["tabs and newlines (kept)", "a\tb\nc", "a\tb\nc"],
  ])("GIVEN text from outside with %s WHEN cleaned THEN the terminal controls are gone", (_name, text, shown) => {
    expect(stripControl(text)).toBe(shown);
    expect(new Redactor([]).clean(text)).toBe(shown);
  });

  it("GIVEN the configuration table THEN every secret: true row is a secret variable, with the stack's provider credentials", () => {
    const flagged = Object.values(VARIABLES)
      .filter((v) => "secret" in v && v.secret)
      .map((v) => v.name);
    expect([...SECRET_VARIABLES].sort()).toEqual([...flagged, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DIGITALOCEAN_ACCESS_TOKEN"].sort());
  });
});
