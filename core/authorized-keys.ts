import { z } from "zod";

/**
 * OpenSSH authorized_keys lines, as SSH_AUTHORIZED_KEYS gives them: one public key per line, optionally after sshd's
 * options (`from="…",no-pty ssh-ed25519 AAAA… alice@laptop`); blank lines and `#` comments carry nothing.
 */
export const PUBLIC_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

export interface AuthorizedKey {
  /** The line as given (trimmed). */
  readonly line: string;
  readonly type: string;
  /** The base64 key blob: two lines hold the same key when their blobs are equal, whatever the options and comments. */
  readonly blob: string;
}

const KEY = new RegExp(`(?:^|\\s)(${PUBLIC_KEY_TYPES.map((t) => t.replace(/[.]/g, "\\.")).join("|")})\\s+([A-Za-z0-9+/]+={0,3})(?:\\s|$)`);

/** The key a line holds, or undefined when it holds none (a typo, a private key pasted by mistake). */
export function parseAuthorizedKey(line: string): AuthorizedKey | undefined {
  const m = KEY.exec(line.trim());
  return m ? { line: line.trim(), type: m[1], blob: m[2] } : undefined;
}

/** The lines that carry something: not blank, not a comment. */
export function authorizedKeyLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** `ssh-ed25519 AAAAC3Nz…Xk9q` (the blob's ends): enough to tell keys apart in a message, short enough for one line. */
export function describeKey(key: Pick<AuthorizedKey, "type" | "blob">): string {
  return `${key.type} ${key.blob.length > 24 ? `${key.blob.slice(0, 12)}…${key.blob.slice(-8)}` : key.blob}`;
}

/** SSH_AUTHORIZED_KEYS: the text, validated line by line (every bad line at once), to the lines that carry a key. */
export const authorizedKeysSchema = z
  .string()
  .superRefine((text, ctx) => {
    const bad = text
      .split(/\r?\n/)
      .map((line, i) => ({ line: line.trim(), number: i + 1 }))
      .filter(({ line }) => line !== "" && !line.startsWith("#") && !parseAuthorizedKey(line));
    if (bad.length > 0)
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `line ${bad.map((b) => b.number).join(", ")} holds no OpenSSH public key (${PUBLIC_KEY_TYPES.join(", ")})` });
  })
  .transform(authorizedKeyLines);
