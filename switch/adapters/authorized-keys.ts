import { ExternalError } from "../../core/errors";
import type { AuthorizedKeysPort } from "../ports";
import { RemoteShell, replaceFileLines, shellQuote } from "./shell";

/** `f` = the file: SSH_AUTHORIZED_KEYS_FILE, relative to the SSH user's home unless absolute. */
function locate(path: string): string[] {
  return ["set -eu", `rel=${shellQuote(path)}`, 'case "$rel" in /*) f="$rel" ;; *) f="$HOME/$rel" ;; esac'];
}

export function readKeysScript(path: string): string {
  return [...locate(path), 'if [ -f "$f" ]; then echo FILE; cat "$f"; else echo NONE; fi', ""].join("\n");
}

/** Written beside the file with mode 600, then renamed over it: sshd reads the old list or the new one, never half. */
export function writeKeysScript(path: string, text: string): string {
  return [
    ...locate(path),
    "umask 077",
    ...replaceFileLines("f", text, "600"),
    "",
  ].join("\n");
}

/** The SSH user's own authorized_keys: no root needed, so the script runs as that user (`sh -s`). */
export class AuthorizedKeysFile implements AuthorizedKeysPort {
  constructor(private readonly shell: RemoteShell, private readonly path: string) {}

  private async run(script: string, what: string): Promise<string> {
    const result = await this.shell.exec("sh -s", script);
    if (result.code !== 0)
      throw new ExternalError(
        `cannot ${what} ${this.path} on ${this.shell.label} (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        "check that SSH_AUTHORIZED_KEYS_FILE is writable by SSH_USER there",
      );
    return result.stdout;
  }

  async read(): Promise<string | null> {
    const out = await this.run(readKeysScript(this.path), "read");
    return out.startsWith("FILE\n") ? out.slice("FILE\n".length) : null;
  }

  async write(text: string): Promise<void> {
    await this.run(writeKeysScript(this.path, text), "write");
  }
}
