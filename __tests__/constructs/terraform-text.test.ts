import { InternalError } from "../../core/errors";
import { withTerraformValues } from "../../constructs";

describe("withTerraformValues", () => {
  it("GIVEN a placeholder WHEN a value is embedded THEN every occurrence is replaced", () => {
    expect(withTerraformValues("server a IP:80\nserver b IP:81\n", { IP: "${x.y}" })).toBe("server a ${x.y}:80\nserver b ${x.y}:81\n");
  });

  it("GIVEN literal template syntax in the text WHEN embedded THEN it is escaped so Terraform keeps it literal", () => {
    expect(withTerraformValues("echo ${HOME} %{if} IP", { IP: "${x.y}" })).toBe("echo $${HOME} %%{if} ${x.y}");
  });

  it("GIVEN a placeholder missing from the text THEN it is an internal error, not a silent no-op", () => {
    expect(() => withTerraformValues("no placeholder", { IP: "1" })).toThrow(InternalError);
  });
});
