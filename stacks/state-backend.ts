import { S3Backend, S3BackendConfig } from "cdktf";
import { Construct } from "constructs";
import { Config } from "../core/config";

/**
 * Terraform state in a DigitalOcean Spaces bucket through the S3 backend, configured as
 * DigitalOcean documents it. The keys are deliberately absent: Terraform reads
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment at plan time, so no secret
 * lands in cdk.tf.json. The region is the S3 API's placeholder; the endpoint selects the Spaces region.
 */
export function spacesBackendConfig(spaces: Config["spaces"]): S3BackendConfig {
  return {
    bucket: spaces.bucket,
    key: spaces.key,
    region: "us-east-1",
    endpoints: { s3: `https://${spaces.region}.digitaloceanspaces.com` },
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: true,
    skipRegionValidation: true,
    skipS3Checksum: true,
  };
}

export function useSpacesBackend(stack: Construct, spaces: Config["spaces"]): S3Backend {
  return new S3Backend(stack, spacesBackendConfig(spaces));
}
