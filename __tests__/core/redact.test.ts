import { isSecretVariable, redactValue, Redactor } from "../../core/redact";

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
