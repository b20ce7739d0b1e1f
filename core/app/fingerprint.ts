import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import type { AppSpec } from "./spec";

/** Everything that makes two containers of one image behave differently. Hooks are not in it: they never run inside the app. */
export interface ReleaseConfig {
  readonly app: AppSpec;
  readonly port: number;
  readonly secrets: Readonly<Record<string, string>>;
}

const VERSION = "s1";
// scrypt, salted per release: a fingerprint in a label or the audit log must not let anyone test guesses of a
// low-entropy secret quickly, as a plain hash would. N = 2^14 costs ~16 MiB and tens of ms per guess.
const SCRYPT = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function canonical({ app, port, secrets }: ReleaseConfig): string {
  const sorted = (o: Readonly<Record<string, string>>) => Object.keys(o).sort().map((k) => [k, o[k]]);
  return JSON.stringify({
    port,
    clear: sorted(app.clearEnv),
    secret: sorted(Object.fromEntries(app.secretNames.map((n) => [n, secrets[n] ?? ""]))),
    volumes: app.volumes.map((v) => [v.source, v.target, v.readOnly]),
    memoryBytes: app.memoryBytes ?? null,
    cpus: app.cpus ?? null,
    log: [app.log.driver, sorted(app.log.options)],
    command: app.command ?? null,
    stopGraceSeconds: app.stopGraceSeconds,
  });
}

export function newSalt(): string {
  return randomBytes(16).toString("hex");
}

/** `s1:<salt>:<hash>`: stored on the container as a label and compared by recomputing with the same salt. */
export function configFingerprint(config: ReleaseConfig, salt: string = newSalt()): string {
  const hash = scryptSync(canonical(config), Buffer.from(salt, "hex"), 32, SCRYPT).toString("hex");
  return `${VERSION}:${salt}:${hash}`;
}

/** Whether a container's fingerprint label describes exactly this configuration. A missing or foreign label never matches. */
export function fingerprintMatches(label: string | undefined, config: ReleaseConfig): boolean {
  const [version, salt, hash] = (label ?? "").split(":");
  if (version !== VERSION || !/^[0-9a-f]{32}$/.test(salt ?? "") || !/^[0-9a-f]{64}$/.test(hash ?? "")) return false;
  const expected = Buffer.from(configFingerprint(config, salt).split(":")[2], "hex");
  return timingSafeEqual(expected, Buffer.from(hash, "hex"));
}

/** The part a person compares: 12 hex of the hash. */
export function shortFingerprint(label: string | undefined): string | undefined {
  const hash = label?.split(":")[2];
  return hash ? hash.slice(0, 12) : undefined;
}

/**
 * The salt of an existing fingerprint. A release reuses the serving one's, so equal configurations show equal
 * fingerprints along a chain of releases (the audit log can be compared by eye); a first release draws a new one.
 */
export function saltOf(label: string | undefined): string | undefined {
  const [version, salt] = (label ?? "").split(":");
  return version === VERSION && /^[0-9a-f]{32}$/.test(salt ?? "") ? salt : undefined;
}
