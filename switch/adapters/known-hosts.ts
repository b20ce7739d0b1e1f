import { createHmac } from "node:crypto";

/** One line of an OpenSSH known_hosts file. */
export interface PinnedKey {
  readonly patterns: readonly string[];
  readonly type: string;
  readonly key: Buffer;
  /** `@revoked`: this key must never be accepted, whatever else pins it. */
  readonly revoked?: boolean;
}

/**
 * Parses known_hosts text: plain or hashed (`|1|salt|hash`) host patterns. `@revoked` lines are kept, marked, so the
 * key is refused; `@cert-authority` lines are not pins (host certificates are not supported) and are skipped.
 */
export function parseKnownHosts(text: string): PinnedKey[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .flatMap((l) => {
      const marker = l.startsWith("@") ? l.split(/\s+/, 1)[0] : undefined;
      if (marker && marker !== "@revoked") return [];
      const [hosts, type, key] = (marker ? l.slice(marker.length).trim() : l).split(/\s+/);
      if (!hosts || !type || !key) return [];
      return [{ patterns: hosts.split(","), type, key: Buffer.from(key, "base64"), ...(marker ? { revoked: true } : {}) }];
    });
}

/**
 * Whether `key` appears on any @revoked line. OpenSSH: "the key contained on the line is revoked and must not ever be
 * accepted": whichever host it is presented for.
 */
export function isRevoked(pins: readonly PinnedKey[], key: Buffer): boolean {
  return pins.some((p) => p.revoked && p.key.equals(key));
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) {
    const [, , salt, hash] = pattern.split("|");
    return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
  }
  return pattern === name;
}

/** How known_hosts names host:port: `host` on 22, `[host]:port` otherwise. */
export const knownHostsName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

/** The keys pinned for host:port. */
export function pinnedKeysFor(pins: readonly PinnedKey[], host: string, port: number): Buffer[] {
  const name = knownHostsName(host, port);
  return pins.filter((p) => !p.revoked && p.patterns.some((pattern) => matches(pattern, name)) && !isRevoked(pins, p.key)).map((p) => p.key);
}
