import { createHmac } from "node:crypto";

/** One line of an OpenSSH known_hosts file. */
export interface PinnedKey {
  readonly patterns: readonly string[];
  readonly type: string;
  readonly key: Buffer;
}

/** Parses known_hosts text: plain or hashed (`|1|salt|hash`) host patterns; @revoked and @cert-authority lines are not pins and are skipped. */
export function parseKnownHosts(text: string): PinnedKey[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#") && !l.startsWith("@"))
    .flatMap((l) => {
      const [hosts, type, key] = l.split(/\s+/);
      if (!hosts || !type || !key) return [];
      return [{ patterns: hosts.split(","), type, key: Buffer.from(key, "base64") }];
    });
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  return pattern === name;
}

/** The keys pinned for host:port, as OpenSSH names it (`host` on 22, `[host]:port` otherwise). */
export function pinnedKeysFor(pins: readonly PinnedKey[], host: string, port: number): Buffer[] {
  const name = port === 22 ? host : `[${host}]:${port}`;
  return pins.filter((p) => p.patterns.some((pattern) => matches(pattern, name))).map((p) => p.key);
}
