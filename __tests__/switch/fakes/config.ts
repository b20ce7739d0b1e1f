import { Config, loadConfig } from "../../../core/config";

import { SECRETS } from "../../fixtures/fake-secrets";

export { SECRETS };

export const TEST_ENV: Record<string, string> = {
  DIGITALOCEAN_TOKEN: SECRETS.token,
  DIGITALOCEAN_API_URL: "http://127.0.0.1:9",
  SSH_PRIVATE_KEY: SECRETS.sshKey,
  SSH_KNOWN_HOSTS: "198.18.1.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  CI_REGISTRY: "registry.test",
  CI_REGISTRY_USER: "deployer",
  CI_REGISTRY_PASSWORD: SECRETS.registryPassword,
  FLOATING_IP: "198.18.1.100",
  // The fake world's droplets carry the plain role tags (the defaults are namespaced by APP_NAME and DEPLOY_ENV).
  TAG_PROD: "PROD",
  TAG_FALLBACK: "FALLBACK",
  TAG_BALANCER: "BALANCER",
  SWITCH_HEALTH_TIMEOUT_SECONDS: "10",
  SWITCH_BAKE_SECONDS: "5",
  SWITCH_DRAIN_TIMEOUT_SECONDS: "5",
  SWITCH_ACTION_TIMEOUT_SECONDS: "30",
  SWITCH_LOCK_TTL_SECONDS: "600",
  BLUEGREEN_CONFIG: "__tests__/fixtures/bluegreen.config.ts",
};

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ ...TEST_ENV, ...overrides }, "switch");
}
