import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { TerraformOutput } from "cdktf";
import { InternalError } from "../../core/errors";
import { withTerraformValues } from "../../constructs";
import { evaluateUserData, synth } from "./synth-helpers";

const IP_REF = "digitalocean_reserved_ip.fip.ip_address";

/** The synthesized form of withTerraformValues(text, {IP: <reserved IP token>}), as Terraform reads it. */
function synthesized(text: string, withIp = true): string {
  const { text: json } = synth((scope) => {
    const ip = new ReservedIp(scope, "fip", { region: "nyc3" });
    new TerraformOutput(scope, "value", { value: withTerraformValues(text, withIp ? { IP: ip.ipAddress } : {}) });
  });
  return JSON.parse(json).output.value.value;
}

describe("withTerraformValues", () => {
  it("GIVEN multi-line text WHEN converted THEN it becomes one line that Terraform decodes back byte for byte", () => {
    const text = "#cloud-config\nruncmd:\n  - [ echo, hi ]\n";
    const expression = synthesized(text, false);
    expect(expression).toMatch(/^\$\{base64decode\("[A-Za-z0-9+/=]+"\)\}$/);
    expect(evaluateUserData(expression)).toBe(text);
  });

  it("GIVEN a placeholder WHEN a token is spliced in THEN every occurrence becomes a reference to the resource", () => {
    const expression = synthesized("server a IP:80\nserver b IP:81\n");
    expect(expression).not.toContain("\n");
    expect(expression.split(`\${${IP_REF}}`)).toHaveLength(3);
    expect(evaluateUserData(expression, { [IP_REF]: "198.18.0.10" })).toBe("server a 198.18.0.10:80\nserver b 198.18.0.10:81\n");
  });

  it("GIVEN literal template syntax in the text WHEN converted THEN it stays literal (never parsed as a Terraform template)", () => {
    const expression = synthesized("echo ${HOME} %{if} IP\n");
    expect(expression).not.toContain("HOME");
    expect(evaluateUserData(expression, { [IP_REF]: "1" })).toBe("echo ${HOME} %{if} 1\n");
  });

  it("GIVEN only a placeholder WHEN converted THEN no empty segment is emitted", () => {
    expect(synthesized("IP")).toBe(`\${${IP_REF}}`);
  });

  it("GIVEN a placeholder missing from the text THEN it is an internal error, not a silent no-op", () => {
    expect(() => withTerraformValues("no placeholder", { IP: "1" })).toThrow(InternalError);
  });
});
