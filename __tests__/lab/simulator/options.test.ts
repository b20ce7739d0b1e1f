import { ConfigError } from "../../../core/errors";
import { startSimulator, type SimulatorOptions } from "../../../lab/simulator";
import { isAllowedBindHost, resolveOptions } from "../../../lab/simulator/options";
import { baseOptions, BLUE, FakeMover, TOKEN } from "./fixtures";

function issuesOf(options: SimulatorOptions): string[] {
  try {
    resolveOptions(options);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => i.variable);
    throw error;
  }
  return [];
}

describe("simulator options", () => {
  it("GIVEN only the required options WHEN resolved THEN documented defaults apply", () => {
    const { domains, actionDelayMs, host, port, rateLimit } = resolveOptions({ ...baseOptions(new FakeMover()), domains: undefined, actionDelayMs: undefined });
    expect({ domains, actionDelayMs, host, port, rateLimit }).toEqual({
      domains: [],
      actionDelayMs: 3000,
      host: "127.0.0.1",
      port: 0,
      rateLimit: { perMinute: 250, perHour: 5000 },
    });
  });

  it("GIVEN several problems WHEN resolved THEN every one is reported at once with its path", () => {
    const issues = issuesOf({
      ...baseOptions(new FakeMover()),
      token: "",
      host: "0.0.0.0",
      actionDelayMs: -5,
      droplets: [{ ...BLUE, publicIpv4: "not-an-ip" }],
    });
    expect(issues).toEqual(
      expect.arrayContaining(["simulator.token", "simulator.host", "simulator.actionDelayMs", "simulator.droplets.0.publicIpv4"]),
    );
  });

  it.each([
    ["a reserved IP on a missing droplet", { reservedIps: [{ ip: "198.18.0.100", region: "fra1", dropletId: 555 }] }, "simulator.reservedIps.0.dropletId"],
    ["a reserved IP in another region than its droplet", { reservedIps: [{ ip: "198.18.0.100", region: "ams3", dropletId: BLUE.id }] }, "simulator.reservedIps.0.region"],
    ["two droplets with one id", { droplets: [BLUE, { ...BLUE, name: "twin" }], reservedIps: [] }, "simulator.droplets.1.id"],
    [
      "two reserved IPs on one droplet",
      { reservedIps: [{ ip: "198.18.0.100", region: "fra1", dropletId: BLUE.id }, { ip: "198.18.0.101", region: "fra1", dropletId: BLUE.id }] },
      "simulator.reservedIps.1.dropletId",
    ],
  ])("GIVEN %s WHEN resolved THEN the issue points at %s", (_, override, path) => {
    expect(issuesOf({ ...baseOptions(new FakeMover()), ...override })).toContain(path);
  });

  it("GIVEN a bad option WHEN the error is printed THEN the token never appears", () => {
    try {
      resolveOptions({ ...baseOptions(new FakeMover()), host: "0.0.0.0", mover: {} as never });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect((error as Error).message).not.toContain(TOKEN);
    }
  });

  it.each([
    ["127.0.0.1", true],
    ["127.3.4.5", true],
    ["localhost", true],
    ["::1", true],
    ["198.18.0.1", true],
    ["198.19.255.254", true],
    ["198.20.0.1", false],
    ["0.0.0.0", false],
    ["8.8.8.8", false],
    ["::", false],
  ])("GIVEN bind host %s WHEN checked THEN allowed is %s", (host, allowed) => {
    expect(isAllowedBindHost(host)).toBe(allowed);
  });

  it("GIVEN a non-lab bind host WHEN starting THEN it refuses before opening a socket", async () => {
    await expect(startSimulator({ ...baseOptions(new FakeMover()), host: "0.0.0.0" })).rejects.toThrow(ConfigError);
  });
});
