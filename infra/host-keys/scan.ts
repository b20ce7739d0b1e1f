import { Client } from "ssh2";

/** A host key as a scan saw it: the known_hosts key type and the base64 blob. */
export interface ScannedKey {
  readonly type: string;
  readonly base64: string;
}

/** Named default: a fresh droplet's sshd answers in well under this once cloud-init has started it. */
export const DEFAULT_SCAN_TIMEOUT_MS = 10_000;

/** The key type an SSH wire-format public key names in its first field (`ssh-ed25519`, `ssh-rsa`, ...). */
export function keyType(key: Buffer): string {
  const length = key.length >= 4 ? key.readUInt32BE(0) : 0;
  return length > 0 && length <= key.length - 4 ? key.subarray(4, 4 + length).toString("ascii") : "unknown";
}

/**
 * Reads the ed25519 host key a server presents, as `ssh-keyscan -t ed25519` does: the handshake stops at the host-key
 * check, so nothing is authenticated and no key of ours is offered. Resolves [] when the server does not answer in time.
 */
export function scanHostKey(host: string, port: number, timeoutMs = DEFAULT_SCAN_TIMEOUT_MS): Promise<ScannedKey[]> {
  return new Promise((resolve) => {
    const client = new Client();
    let seen: Buffer | undefined;
    const done = () => {
      client.removeAllListeners();
      client.on("error", () => undefined);
      client.end();
      resolve(seen ? [{ type: keyType(seen), base64: seen.toString("base64") }] : []);
    };
    client.on("error", done);
    client.on("close", done);
    client.on("ready", done);
    client.connect({
      host,
      port,
      username: "host-key-scan",
      readyTimeout: timeoutMs,
      algorithms: { serverHostKey: ["ssh-ed25519"] },
      hostVerifier: (key: Buffer) => {
        seen = Buffer.from(key);
        return false;
      },
    });
  });
}
