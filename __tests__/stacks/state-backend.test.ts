import { Testing, TerraformStack } from "cdktf";
import { loadConfig } from "../../core/config";
import { useSpacesBackend } from "../../stacks/state-backend";

function backendOf(env: Record<string, string>) {
  const stack = new TerraformStack(Testing.app(), "stack");
  useSpacesBackend(stack, loadConfig(env, "stack").spaces);
  return JSON.parse(Testing.synth(stack)).terraform.backend;
}

describe("Spaces state backend", () => {
  it("GIVEN the Spaces settings WHEN synthesized THEN the backend block is exactly DigitalOcean's documented S3 configuration, without keys", () => {
    expect(backendOf({ SPACES_BUCKET: "acme-state", SPACES_REGION: "fra1", SPACES_STATE_KEY: "shop/terraform.tfstate" })).toEqual({
      s3: {
        bucket: "acme-state",
        key: "shop/terraform.tfstate",
        region: "us-east-1",
        endpoints: { s3: "https://fra1.digitaloceanspaces.com" },
        skip_credentials_validation: true,
        skip_requesting_account_id: true,
        skip_metadata_api_check: true,
        skip_region_validation: true,
        skip_s3_checksum: true,
      },
    });
  });

  it("GIVEN Spaces keys in the environment WHEN synthesized THEN they stay out of the backend block", () => {
    const backend = JSON.stringify(backendOf({ AWS_ACCESS_KEY_ID: "DO00SPACESKEYID", AWS_SECRET_ACCESS_KEY: "spaces-secret-value-123" }));
    expect(backend).not.toMatch(/access_key|secret_key|DO00SPACESKEYID|spaces-secret-value-123/);
  });
});
