import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { UsageError } from "../core/errors";

/** What the lab runs, and which Debian package provides it (scripts/install-debian-packages.sh installs them all). */
export const REQUIRED_PROGRAMS: readonly { program: string; pkg: string }[] = [
  { program: "ip", pkg: "iproute2" },
  { program: "nsenter", pkg: "util-linux" },
  { program: "dockerd", pkg: "docker.io" },
  { program: "docker", pkg: "docker.io" },
  { program: "containerd", pkg: "containerd (with docker.io)" },
  { program: "sshd", pkg: "openssh-server" },
  { program: "ssh-keygen", pkg: "openssh-client" },
  { program: "haproxy", pkg: "haproxy" },
  { program: "docker-registry", pkg: "docker-registry" },
  { program: "htpasswd", pkg: "apache2-utils" },
  { program: "arping", pkg: "iputils-arping" },
  { program: "socat", pkg: "socat" },
  { program: "busybox", pkg: "busybox-static" },
  { program: "tar", pkg: "tar" },
  { program: "ldd", pkg: "libc-bin" },
  { program: "pebble", pkg: "pebble" },
  { program: "openssl", pkg: "openssl" },
];

export class LabPrerequisiteError extends UsageError {}

const SEARCH_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export function findProgram(program: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...SEARCH_PATH]) {
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export function missingPrograms(): { program: string; pkg: string }[] {
  return REQUIRED_PROGRAMS.filter(({ program }) => !findProgram(program));
}

/** Root for namespaces and daemons; every program present. One error lists everything missing. */
export function assertLabPrerequisites(): void {
  if (process.getuid?.() !== 0) {
    throw new LabPrerequisiteError("the lab needs root (network namespaces, dockerd, sshd)", "run it as root, e.g. `sudo npm run lab -- up`");
  }
  const missing = missingPrograms();
  if (missing.length > 0) {
    throw new LabPrerequisiteError(
      `missing programs: ${missing.map((m) => `${m.program} (${m.pkg})`).join(", ")}`,
      "run `bash scripts/install-debian-packages.sh` as root (or `npm run demo`, which installs them)",
    );
  }
}
