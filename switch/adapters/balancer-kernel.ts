import { HaproxyError } from "../errors";
import type { BalancerKernelPort, KernelSettings } from "../ports";
import { rootShell } from "./balancer-config";
import { RemoteShell, shellQuote } from "./shell";

const KEY = /^[a-z0-9_.]+$/;

function keyList(keys: readonly string[]): string {
  // Keys are interpolated into the script: only sysctl names (letters, digits, dots, underscores) ever get there.
  for (const key of keys) if (!KEY.test(key)) throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
  return keys.join(" ");
}

/** Prints `NONE` or `FILE <base64>`, then `LIVE <key> <value>` for each key (value `?` when the kernel has no such key). */
export function readKernelLines(keys: readonly string[]): string[] {
  return [
    'if [ -f "$file" ]; then printf \'FILE %s\\n\' "$(base64 -w0 "$file")"; else echo NONE; fi',
    `for k in ${keyList(keys)}; do v=$(sysctl -n "$k" 2>/dev/null) || v='?'; printf 'LIVE %s %s\\n' "$k" "$(printf '%s' "$v" | tr -s '\\t ' '  ')"; done`,
  ];
}

export function readKernelScript(file: string, keys: readonly string[]): string {
  return ["set -eu", `file=${shellQuote(file)}`, ...readKernelLines(keys), ""].join("\n");
}

/** Written beside the file and renamed over it, then loaded; a value the kernel refuses fails the script (exit non-zero). */
export function installKernelScript(file: string, text: string, keys: readonly string[]): string {
  return [
    "set -eu",
    `file=${shellQuote(file)}`,
    'mkdir -p "$(dirname "$file")"',
    'tmp="$file.tmp.$$"',
    "trap 'rm -f \"$tmp\"' EXIT",
    `printf '%s' ${shellQuote(Buffer.from(text, "utf8").toString("base64"))} | base64 -d > "$tmp"`,
    'chmod 644 "$tmp"',
    'mv -f "$tmp" "$file"',
    'sysctl -q -p "$file"',
    ...readKernelLines(keys),
    "",
  ].join("\n");
}

export function parseKernelLines(stdout: string): KernelSettings {
  let file: string | null = null;
  const live: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    if (line.startsWith("FILE ")) file = Buffer.from(line.slice(5), "base64").toString("utf8");
    const m = /^LIVE (\S+) ?(.*)$/.exec(line);
    if (m) live[m[1]] = m[2].trim();
  }
  return { file, live };
}

/** BALANCER_SYSCTL_FILE and the live values on the balancer, through one `sh -s` exec per operation, as root. */
export class BalancerKernel implements BalancerKernelPort {
  constructor(
    private readonly shell: RemoteShell,
    private readonly settings: { readonly file: string; readonly user: string },
  ) {}

  private async run(script: string, what: string): Promise<KernelSettings> {
    const result = await this.shell.exec(rootShell(this.settings.user), script);
    if (result.code !== 0)
      throw new HaproxyError(
        `cannot ${what} on ${this.shell.label} (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        `check that ${this.settings.user === "root" ? "root" : `${this.settings.user} may run \`sudo -n\` and`} can write ${this.settings.file} there (BALANCER_SYSCTL_FILE)`,
      );
    return parseKernelLines(result.stdout);
  }

  read(keys: readonly string[]): Promise<KernelSettings> {
    return this.run(readKernelScript(this.settings.file, keys), "read the kernel settings");
  }

  install(text: string, keys: readonly string[]): Promise<KernelSettings> {
    return this.run(installKernelScript(this.settings.file, text, keys), `write and load ${this.settings.file}`);
  }
}
