import { configFingerprint, fingerprintMatches, parseAppDefinition, ReleaseConfig, saltOf, shortFingerprint } from "../../../core/app";

const app = parseAppDefinition({ env: { clear: { MODE: "a" }, secret: ["API_KEY"] } }, "t").app!;
const base: ReleaseConfig = { app, port: 8080, secrets: { API_KEY: "hunter2-hunter2" } };
const SALT = "00112233445566778899aabbccddeeff";

describe("the configuration fingerprint", () => {
  it("GIVEN the same configuration and salt WHEN fingerprinted twice THEN the fingerprints are equal and match", () => {
    const label = configFingerprint(base, SALT);
    expect(configFingerprint(base, SALT)).toBe(label);
    expect(fingerprintMatches(label, base)).toBe(true);
    expect(saltOf(label)).toBe(SALT);
    expect(shortFingerprint(label)).toMatch(/^[0-9a-f]{12}$/);
  });

  it.each([
    ["a rotated secret", { ...base, secrets: { API_KEY: "hunter3-hunter3" } }],
    ["a new clear value", { ...base, app: { ...app, clearEnv: { MODE: "b" } } }],
    ["another port", { ...base, port: 9090 }],
    ["a new volume", { ...base, app: { ...app, volumes: [{ source: "d1", target: "/d", readOnly: false }] } }],
    ["other log options", { ...base, app: { ...app, log: { driver: "json-file", options: { "max-size": "1m" } } } }],
  ])("GIVEN %s WHEN compared with the old fingerprint THEN it does not match", (_name, changed) => {
    expect(fingerprintMatches(configFingerprint(base, SALT), changed as ReleaseConfig)).toBe(false);
  });

  it("GIVEN a hook change only WHEN compared THEN it still matches (hooks never run inside the app container)", () => {
    const hooked = { ...base, app: { ...app, hooks: { preSwitch: { command: ["m"], timeoutMs: 1 } } } };
    expect(fingerprintMatches(configFingerprint(base, SALT), hooked)).toBe(true);
  });

  it("GIVEN a secret WHEN fingerprinted THEN neither the value nor its plain SHA-256 appears, and two fresh salts give two fingerprints", () => {
    const label = configFingerprint(base);
    const plain = require("node:crypto").createHash("sha256").update("hunter2-hunter2").digest("hex");
    expect(label).not.toContain("hunter2");
    expect(label).not.toContain(plain.slice(0, 12));
    expect(configFingerprint(base)).not.toBe(label);
  });

  it.each([undefined, "", "garbage", "s1:short:abc", "s2:00112233445566778899aabbccddeeff:" + "0".repeat(64)])(
    "GIVEN the label %p WHEN compared THEN it never matches",
    (label) => {
      expect(fingerprintMatches(label, base)).toBe(false);
    },
  );
});
