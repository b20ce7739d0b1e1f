import { parseAppDefinition, resolveSecrets } from "../../../core/app";

const app = parseAppDefinition({ env: { secret: ["DATABASE_URL", "SECRET_KEY_BASE", "TLS_KEY"] } }, "bluegreen.config.ts").app!;
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASC\nAT8wggE7AgEAAkEAq7BFUpkGp3+LQmlQ\n-----END PRIVATE KEY-----\n";

describe("declared secrets are read from the runner's environment", () => {
  it("GIVEN every secret set, one of them multi-line WHEN resolved THEN the values arrive intact", () => {
    const env = { DATABASE_URL: "postgres://u:p@db/app", SECRET_KEY_BASE: "a".repeat(64), TLS_KEY: PEM };
    expect(resolveSecrets(app, env)).toEqual({ secrets: env, issues: [] });
  });

  it("GIVEN two secrets unset or empty WHEN resolved THEN both names are reported at once, with no value", () => {
    const { issues } = resolveSecrets(app, { DATABASE_URL: "", TLS_KEY: PEM });
    expect(issues.map((i) => i.variable)).toEqual(["DATABASE_URL", "SECRET_KEY_BASE"]);
    expect(issues.every((i) => i.value === undefined && /unset or empty/.test(i.problem) && /masked CI\/CD variable/.test(i.fix))).toBe(true);
  });

  it("GIVEN a secret too short to redact WHEN resolved THEN it is refused without showing it", () => {
    const { issues } = resolveSecrets(app, { DATABASE_URL: "short", SECRET_KEY_BASE: "b".repeat(20), TLS_KEY: PEM });
    expect(issues).toEqual([expect.objectContaining({ variable: "DATABASE_URL", value: "[redacted]" })]);
  });
});
