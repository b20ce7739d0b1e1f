import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../core/config";
import { planLab } from "../../lab/plan";
import { exportLines, labSwitchEnv } from "../../lab/switch-env";

describe("the environment the lab gives the switch", () => {
  const plan = planLab(11);
  const secrets = { token: "dop_v1_lab11_" + "f".repeat(48), registryPassword: "s3cr3t-registry-pw", demoApiKey: "demo_s3cr3t_api_key" };
  const env = labSwitchEnv(plan, secrets);

  it("GIVEN a lab WHEN the switch loads its configuration from the lab env THEN it validates and targets only the lab", () => {
    const dir = mkdtempSync(join(tmpdir(), "lab-env-"));
    writeFileSync(join(dir, "key"), "not-a-real-key");
    writeFileSync(join(dir, "known_hosts"), "198.18.11.2 ssh-ed25519 AAAA");
    const config = loadConfig({ ...env, SSH_PRIVATE_KEY_FILE: join(dir, "key"), SSH_KNOWN_HOSTS_FILE: join(dir, "known_hosts") }, "switch");
    expect(config.digitalocean.apiUrl).toBe("http://198.18.11.1:8099");
    expect(config.floatingIp).toBe("198.18.11.100");
    // Empty: the switch verifies https://<balancer>/ (TLS=auto, the lab's Pebble for the lab's domain).
    expect({ publicUrl: config.publicUrl, tls: config.tls.mode, names: config.tls.names, directory: config.tls.directoryUrl }).toEqual({
      publicUrl: "",
      tls: "auto",
      names: [plan.domain],
      directory: plan.acme.directoryUrl,
    });
    expect(config.haproxy.adminSocket).toBe(plan.paths.haproxyAdminSocket);
    expect(config.stateDir).toBe(plan.paths.switchStateDir);
    expect(config.timing.bakeMs).toBe(3000);
  });

  it("GIVEN the export lines THEN no secret value appears in them, yet each secret is exported from its file", () => {
    const text = exportLines(plan, env).join("\n");
    expect(text).not.toContain(secrets.token);
    expect(text).not.toContain(secrets.registryPassword);
    expect(text).toContain(`export DIGITALOCEAN_TOKEN="$(cat ${plan.paths.secretsDir}/do-token)"`);
    expect(text).toContain(`export CI_REGISTRY_PASSWORD="$(cat ${plan.paths.secretsDir}/registry-password)"`);
  });

  it.each(["DIGITALOCEAN_API_URL", "SSH_PRIVATE_KEY_FILE", "SSH_KNOWN_HOSTS_FILE", "FLOATING_IP", "CI_REGISTRY", "CI_REGISTRY_USER", "HAPROXY_ADMIN_SOCKET", "SWITCH_STATE_DIR", "APP_DOMAIN", "TLS", "ACME_DIRECTORY_URL", "SWITCH_BAKE_SECONDS", "LAB_IMAGE_V1", "LAB_IMAGE_V2", "LAB_IMAGE_HEALTH_FAILS", "LAB_IMAGE_EXITS_AT_START"])(
    "GIVEN the export lines THEN %s is exported",
    (key) => {
      expect(exportLines(plan, env).some((line) => line.startsWith(`export ${key}=`))).toBe(true);
    },
  );

  it("GIVEN the env THEN DOCKER_HOST is never set (it would override dockerode's SSH transport)", () => {
    expect(Object.keys(env)).not.toContain("DOCKER_HOST");
  });
});
