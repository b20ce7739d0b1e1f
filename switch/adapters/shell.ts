import { shellQuote } from "../../core/shell-quote";

/** A command runner on some host: SSH to a droplet in production and the lab, a local shell in tests. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RemoteShell {
  /** For messages: "web-lb (198.18.1.10)". */
  readonly label: string;
  exec(command: string, stdin?: string): Promise<ExecResult>;
}

export { shellQuote };

/**
 * Script lines that replace the file named by the shell variable `fileVar` with `text`: written beside it (same
 * filesystem) with `mode`, then renamed over it, so a reader sees the old file or the new one, never half.
 */
export function replaceFileLines(fileVar: string, text: string, mode: string): string[] {
  return [
    `mkdir -p "$(dirname "$${fileVar}")"`,
    `tmp="$${fileVar}.tmp.$$"`,
    "trap 'rm -f \"$tmp\"' EXIT",
    `printf '%s' ${shellQuote(Buffer.from(text, "utf8").toString("base64"))} | base64 -d > "$tmp"`,
    `chmod ${mode} "$tmp"`,
    `mv -f "$tmp" "$${fileVar}"`,
  ];
}
