import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";

/**
 * Finds what a crashed lab left behind without trusting its (possibly missing) state file:
 * processes whose network namespace is one of the lab's, or whose command line names one of
 * the lab's directories, and mounts under those directories.
 */
export function pidsInNamespaces(namespaceNames: readonly string[]): number[] {
  const inodes = new Set<number>();
  for (const name of namespaceNames) {
    try {
      inodes.add(statSync(`/var/run/netns/${name}`).ino);
    } catch {
      // Namespace already gone.
    }
  }
  if (inodes.size === 0) return [];
  return listPids().filter((pid) => {
    try {
      const link = readlinkSync(`/proc/${pid}/ns/net`); // "net:[4026532XYZ]"
      const inode = Number(/\[(\d+)\]/.exec(link)?.[1]);
      return inodes.has(inode);
    } catch {
      return false;
    }
  });
}

export function pidsMentioning(paths: readonly string[]): number[] {
  return listPids().filter((pid) => {
    if (pid === process.pid) return false;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return cmdline.some((arg) => paths.some((p) => arg === p || arg.includes(`${p}/`)));
    } catch {
      return false;
    }
  });
}

/** Mount points at or under any of `roots`, deepest first (the order to unmount them). */
export function mountsUnder(roots: readonly string[], mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const points = mountinfo
    .split("\n")
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(" ")[4]))
    .filter((point) => roots.some((root) => point === root || point.startsWith(`${root}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

function unescapeMountPath(path: string): string {
  return path.replace(/\\(\d{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function listPids(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}
