import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The install script's privilege handling, with fake dpkg-query and sudo on PATH so nothing is installed: anyone but
 * root is raised with sudo, and with no sudo at all it says to run it as root. (Root installing directly is what every
 * fresh CI machine does.)
 */
const SCRIPT = resolve(__dirname, "../../scripts/install-debian-packages.sh");

function fakeBin(tools: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "fake-bin-"));
  chmodSync(dir, 0o755);
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

const SYSTEM = "/usr/bin:/bin:/usr/sbin:/sbin";
const MISSING = { "dpkg-query": "exit 1" };

/** The script run as a user who is not root: as nobody when the tests run as root, else as the tests' own user. */
function runAsNonRoot(path: string) {
  const argv = process.getuid?.() === 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", SCRIPT] : ["/bin/bash", SCRIPT];
  return spawnSync(argv[0], argv.slice(1), { env: { PATH: path }, encoding: "utf8" });
}

describe("scripts/install-debian-packages.sh privileges", () => {
  it("GIVEN a non-root user and no sudo WHEN packages are missing THEN it exits 2 saying to run it as root", () => {
    // Only the fakes on PATH: no sudo anywhere.
    const bin = fakeBin({ ...MISSING, id: 'echo 65534' });
    const result = runAsNonRoot(bin);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 2, stderr: expect.stringContaining("run this script as root") });
  });

  it("GIVEN a non-root user with sudo WHEN packages are missing THEN it re-runs itself through sudo", () => {
    const bin = fakeBin({ ...MISSING, sudo: 'echo "sudo $*"; exit 0' });
    const result = runAsNonRoot(`${bin}:${SYSTEM}`);
    expect({ status: result.status, stdout: result.stdout.trim() }).toEqual({ status: 0, stdout: `sudo -- bash ${SCRIPT}` });
  });
});
