import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs the real Debian validators (haproxy, cloud-init, openssl). They are never skipped:
 * a missing binary fails the test and says how to install it.
 */
export interface ValidatorResult {
  readonly ok: boolean;
  readonly output: string;
}

function run(binary: string, args: string[]): ValidatorResult {
  // env passed explicitly: jest gives each test file its own process.env, which child_process would not see.
  const result = spawnSync(binary, args, { encoding: "utf8", timeout: 30_000, env: process.env });
  if (result.error && (result.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new Error(`${binary} is not installed: run \`bash scripts/install-debian-packages.sh\` as root (it installs the Debian validators the tests run)`);
  }
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "do-bluegreen-test-"));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `haproxy -c -f`: parses the whole configuration (and loads any certificate and map file) without binding anything.
 * A map file that does not exist on this machine (the droplet's `/var/lib/do-bluegreen/maintenance.map`, which cloud-init
 * creates empty before HAProxy starts) is replaced by an empty one in the temp dir: only its path changes.
 */
export function checkHaproxyConfig(text: string): ValidatorResult {
  return withTempDir((dir) => {
    const file = join(dir, "haproxy.cfg");
    const maps = new Map<string, string>();
    const withMaps = text.replace(/\bmap\((\/[^),\s]+)/g, (whole, path: string) => {
      if (existsSync(path)) return whole;
      if (!maps.has(path)) maps.set(path, join(dir, `map-${maps.size + 1}.map`));
      writeFileSync(maps.get(path)!, "");
      return `map(${maps.get(path)}`;
    });
    // Pattern files (`-f /path`, the HTTPS redirect flag) likewise: HAProxy refuses a missing one.
    const withPatterns = withMaps.replace(/ -f (\/\S+)/g, (whole, path: string) => {
      if (existsSync(path)) return whole;
      const local = join(dir, `patterns-${maps.size + 1}.lst`);
      maps.set(path, local);
      writeFileSync(local, "");
      return ` -f ${local}`;
    });
    writeFileSync(file, withPatterns);
    return run("haproxy", ["-c", "-f", file]);
  });
}

/** `cloud-init schema --config-file`: validates a #cloud-config document against cloud-init's JSON schema. */
export function checkCloudConfig(text: string): ValidatorResult {
  return withTempDir((dir) => {
    const file = join(dir, "user-data.yaml");
    writeFileSync(file, text);
    return run("cloud-init", ["schema", "--config-file", file]);
  });
}

/** A throwaway self-signed certificate + key in one PEM, as HAProxy's `crt` expects. */
export function writeSelfSignedPem(dir: string): string {
  const [key, crt, pem] = ["key.pem", "crt.pem", "site.pem"].map((f) => join(dir, f));
  const result = run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test.example", "-keyout", key, "-out", crt]);
  if (!result.ok) throw new Error(`openssl could not create a test certificate: ${result.output}`);
  run("sh", ["-c", `cat '${crt}' '${key}' > '${pem}'`]);
  return pem;
}
