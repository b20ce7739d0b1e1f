import { utils } from "ssh2";
import { AuthorizedKey, authorizedKeyLines, describeKey, parseAuthorizedKey } from "../core/authorized-keys";
import { UsageError } from "../core/errors";
import { AuthorizedKeysLockoutError } from "./errors";

/** The first line of every file `balancer apply` installs: whoever opens it on a droplet knows not to edit it there. */
export const MANAGED_HEADER = "# Managed by do-bluegreen: `npm run switch -- balancer apply` installs SSH_AUTHORIZED_KEYS here; edits on the droplet are overwritten.";

/** The file for a list of key lines: the header, then each line as given. */
export function authorizedKeysFile(lines: readonly string[]): string {
  return [MANAGED_HEADER, ...lines].join("\n") + "\n";
}

/** The public half of SSH_PRIVATE_KEY, as authorized_keys names it: the key the switch logs in with. */
export function switchPublicKey(privateKey: string): Pick<AuthorizedKey, "type" | "blob"> {
  const parsed = privateKey ? utils.parseKey(privateKey) : new Error("no key");
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error)
    throw new UsageError(
      `cannot derive the public key of SSH_PRIVATE_KEY (${key instanceof Error ? key.message : "no key"}), so SSH_AUTHORIZED_KEYS cannot be checked against it`,
      "provide an unencrypted OpenSSH or PEM private key (SSH_PRIVATE_KEY or SSH_PRIVATE_KEY_FILE)",
    );
  return { type: key.type, blob: key.getPublicSSH().toString("base64") };
}

/**
 * Refuses a list that would lock the switch out: the next run (a cutover, a rollback, this command again) could not log
 * in to any droplet, and only the DigitalOcean console could repair it. Checked before anything is read or changed.
 */
export function assertKeepsSwitchKey(lines: readonly string[], own: Pick<AuthorizedKey, "type" | "blob">): void {
  if (lines.some((line) => parseAuthorizedKey(line)?.blob === own.blob)) return;
  throw new AuthorizedKeysLockoutError(
    `SSH_AUTHORIZED_KEYS does not hold the key the switch connects with (${describeKey(own)}, the public half of SSH_PRIVATE_KEY): installing it would lock the switch out of every droplet`,
    "add that key's line to SSH_AUTHORIZED_KEYS (`ssh-keygen -y -f <private key file>` prints it), or leave SSH_AUTHORIZED_KEYS empty to keep the droplets' keys",
  );
}

export interface KeysChange {
  /** The file to install. */
  readonly text: string;
  readonly changed: boolean;
  /** Keys (by blob) in the new list and not in the current file, and the other way round. */
  readonly added: number;
  readonly removed: number;
}

/** What installing `lines` changes in a droplet's current file (null: none there). */
export function keysChange(current: string | null, lines: readonly string[]): KeysChange {
  const text = authorizedKeysFile(lines);
  const blobs = (t: string) => new Set(authorizedKeyLines(t).flatMap((l) => parseAuthorizedKey(l)?.blob ?? []));
  const [before, after] = [blobs(current ?? ""), blobs(text)];
  return { text, changed: current !== text, added: [...after].filter((b) => !before.has(b)).length, removed: [...before].filter((b) => !after.has(b)).length };
}
