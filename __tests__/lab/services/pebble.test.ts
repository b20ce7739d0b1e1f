import { planLab } from "../../../lab/plan";
import { ISSUED_CERT_VALIDITY_SECONDS, listenerCertificateCommands, pebbleArgv, pebbleConfig, pebbleEnv, pebblePaths, pebbleRootUrl } from "../../../lab/services/pebble";

describe("the lab's Pebble", () => {
  const plan = planLab(9);
  const config = () => (JSON.parse(pebbleConfig(plan)) as { pebble: Record<string, unknown> }).pebble;

  it("GIVEN a lab THEN Pebble's ACME and management listeners are on the host side of the lab bridge, on the plan's ports", () => {
    expect(config()).toMatchObject({ listenAddress: "198.18.9.1:14000", managementListenAddress: "198.18.9.1:15000" });
    expect([plan.acme.directoryUrl, plan.acme.managementUrl]).toEqual(["https://198.18.9.1:14000/dir", "https://198.18.9.1:15000"]);
  });

  it("GIVEN a lab THEN Pebble validates on the real ports 80 and 443 without account binding", () => {
    expect(config()).toMatchObject({ httpPort: 80, tlsPort: 443, externalAccountBindingRequired: false, certificateValidityPeriod: ISSUED_CERT_VALIDITY_SECONDS });
  });

  it("GIVEN a lab THEN Pebble serves the listener certificate and key that the openssl commands write", () => {
    const written = listenerCertificateCommands(plan).flatMap((c) => [c.argv[c.argv.indexOf("-out") + 1], c.argv[c.argv.indexOf("-keyout") + 1]]);
    expect(written).toEqual(expect.arrayContaining([config().certificate, config().privateKey]));
  });

  it("GIVEN a lab THEN Pebble runs on the host (no nsenter) and resolves only through the lab DNS server", () => {
    expect(pebbleArgv(plan)).toEqual(["pebble", "-config", pebblePaths(plan).config, "-dnsserver", "198.18.9.1:53"]);
  });

  it.each([
    ["PEBBLE_VA_NOSLEEP", "1"],
    ["PEBBLE_VA_ALWAYS_VALID", "0"],
    ["PEBBLE_WFE_NONCEREJECT", "0"],
    ["PEBBLE_AUTHZREUSE", "0"],
    ["PEBBLE_ALTERNATE_ROOTS", "0"],
    ["PEBBLE_CHAIN_LENGTH", "1"],
  ])("GIVEN Pebble's environment THEN %s is %p (no test-only randomness, validation always real)", (name, value) => {
    expect(pebbleEnv()[name]).toBe(value);
  });

  it("GIVEN the certificate commands THEN the first makes the lab CA at acmeListenerCa and the second signs the listener with it", () => {
    const [ca, listener] = listenerCertificateCommands(plan).map((c) => c.argv);
    expect(ca!.slice(0, 3)).toEqual(["openssl", "req", "-x509"]);
    expect(ca![ca!.indexOf("-out") + 1]).toBe(plan.paths.acmeListenerCa);
    expect(ca).toContain("basicConstraints=critical,CA:TRUE,pathlen:0");
    expect(listener![listener!.indexOf("-CA") + 1]).toBe(plan.paths.acmeListenerCa);
    expect(listener![listener!.indexOf("-CAkey") + 1]).toBe(pebblePaths(plan).listenerCaKey);
  });

  it("GIVEN the listener certificate THEN it names the bridge address clients dial and localhost, and only serves TLS", () => {
    const listener = listenerCertificateCommands(plan)[1]!.argv;
    expect(listener).toContain("subjectAltName=IP:198.18.9.1,DNS:localhost");
    expect(listener).toContain("extendedKeyUsage=serverAuth");
    expect(listener).toContain("basicConstraints=critical,CA:FALSE");
  });

  it("GIVEN a lab THEN every ACME file is under the lab's state dir (removed by down), and the root is fetched from the management API", () => {
    const files = [...Object.values(pebblePaths(plan)), plan.paths.acmeListenerCa, plan.paths.acmeRootCa];
    for (const file of files) expect(file.startsWith(`${plan.paths.acmeDir}/`)).toBe(true);
    expect(plan.paths.acmeDir.startsWith(`${plan.paths.stateDir}/`)).toBe(true);
    expect(new Set(files).size).toBe(files.length);
    expect(pebbleRootUrl(plan)).toBe("https://198.18.9.1:15000/roots/0");
  });
});
