import { planHostKeyPins, type ScannedDroplet } from "../../../infra/host-keys/trust";

const KEY_A = Buffer.from("host key A of a droplet, 32 bytes").toString("base64");
const KEY_B = Buffer.from("host key B of a droplet, 32 bytes").toString("base64");
const HOST = "198.18.1.11";

const scan = (createdByThisDeploy: boolean, ...keys: string[]): ScannedDroplet => ({
  host: HOST,
  createdByThisDeploy,
  keys: keys.map((base64) => ({ type: "ssh-ed25519", base64 })),
});

describe("planHostKeyPins", () => {
  it.each([
    ["nothing pinned, the droplet was just created", "", 22, scan(true, KEY_A), [`${HOST} ssh-ed25519 ${KEY_A}`], []],
    ["nothing pinned, just created, on another port", "", 2222, scan(true, KEY_A), [`[${HOST}]:2222 ssh-ed25519 ${KEY_A}`], []],
    ["the scanned key is already pinned (an existing droplet)", `${HOST} ssh-ed25519 ${KEY_A}`, 22, scan(false, KEY_A), [], []],
    ["the scanned key is already pinned (created, same key)", `${HOST} ssh-ed25519 ${KEY_A}`, 22, scan(true, KEY_A), [], []],
    ["a pin exists and the scan shows another key, even for a created droplet", `${HOST} ssh-ed25519 ${KEY_A}`, 22, scan(true, KEY_B), [], [/does not match the pinned key/]],
    ["a pin exists and an existing droplet shows another key", `${HOST} ssh-ed25519 ${KEY_A}`, 22, scan(false, KEY_B), [], [/does not match the pinned key/]],
    ["nothing pinned and the droplet existed before this deploy", "", 22, scan(false, KEY_A), [], [/did not create it/]],
    ["the scanned key is revoked", `@revoked * ssh-ed25519 ${KEY_A}`, 22, scan(true, KEY_A), [], [/revoked host key/]],
    ["the scan returned no key", "", 22, scan(true), [], [/returned no host key/]],
  ])("GIVEN %s WHEN the pins are planned THEN it adds the expected lines and refuses as expected", (_title, pinned, port, droplet, add, refusals) => {
    const plan = planHostKeyPins(pinned, port, [droplet]);
    expect(plan.add).toEqual(add);
    expect(plan.refused.map((r) => r.reason)).toEqual(refusals.map((r) => expect.stringMatching(r)));
    expect(plan.refused.every((r) => r.host === HOST && r.fix.length > 0)).toBe(true);
  });

  it("GIVEN three droplets, one refused WHEN the pins are planned THEN the other two still get their lines, and the refusal names its host", () => {
    const plan = planHostKeyPins(`198.18.1.12 ssh-ed25519 ${KEY_A}`, 22, [
      { ...scan(true, KEY_A), host: "198.18.1.11" },
      { ...scan(true, KEY_B), host: "198.18.1.12" },
      { ...scan(true, KEY_B), host: "198.18.1.13" },
    ]);
    expect(plan.add).toEqual([`198.18.1.11 ssh-ed25519 ${KEY_A}`, `198.18.1.13 ssh-ed25519 ${KEY_B}`]);
    expect(plan.refused.map((r) => r.host)).toEqual(["198.18.1.12"]);
  });
});
