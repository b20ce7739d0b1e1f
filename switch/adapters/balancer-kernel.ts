import { ExternalError } from "../../core/errors";
import type { BalancerKernelPort, KernelSettings } from "../ports";
import { rootShell } from "./balancer-config";
import { RemoteShell, replaceFileLines, shellQuote } from "./shell";

const KEY = /^[a-z0-9_.]+$/;

/** The install script's exit status when `sysctl -p` refused the file (the previous file is back). */
const LOAD_REFUSED = 4;

function keyList(keys: readonly string[]): string {
  // Keys are interpolated into the script: only sysctl names (letters, digits, dots, underscores) ever get there.
  for (const key of keys) if (!KEY.test(key)) throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
  return keys.join(" ");
}

/** Prints `NONE` or `FILE <base64>`, then `LIVE <key> <value>` for each key, the value as `sysctl -n` prints it (`?`: no such key). */
function readLines(keys: readonly string[]): string[] {
  return [
    'if [ -f "$file" ]; then printf \'FILE %s\\n\' "$(base64 -w0 "$file")"; else echo NONE; fi',
    `for k in ${keyList(keys)}; do v=$(sysctl -n "$k" 2>/dev/null) || v='?'; printf 'LIVE %s %s\\n' "$k" "$v"; done`,
  ];
}

export function readKernelScript(file: string, keys: readonly string[]): string {
  return ["set -eu", `file=${shellQuote(file)}`, ...readLines(keys), ""].join("\n");
}

/**
 * Keeps the current file as `<file>.previous`, replaces it and loads it with `sysctl -p`.
 * When the kernel refuses a line, the previous file is put back and the script exits LOAD_REFUSED with sysctl's message
 * on stderr (the lines before the refused one stay loaded, as `sysctl -p` leaves them).
 */
export function installKernelScript(file: string, text: string): string {
  return [
    "set -eu",
    `file=${shellQuote(file)}`,
    '[ ! -f "$file" ] || cp -p "$file" "$file.previous"',
    ...replaceFileLines("file", text, "644"),
    `if ! sysctl -q -p "$file"; then if [ -f "$file.previous" ]; then mv -f "$file.previous" "$file"; else rm -f "$file"; fi; exit ${LOAD_REFUSED}; fi`,
    'rm -f "$file.previous"',
    "",
  ].join("\n");
}

/** The read lines, checked: exactly one FILE or NONE line and one LIVE line per key, or the output is not the script's. */
export function parseKernelLines(stdout: string, keys: readonly string[]): KernelSettings {
  const lines = stdout.split("\n");
  const files = lines.filter((l) => l === "NONE" || l.startsWith("FILE "));
  const live: Record<string, string> = {};
  for (const line of lines) {
    const m = /^LIVE (\S+) (.*)$/.exec(line);
    if (m) live[m[1]] = m[2];
  }
  const missing = keys.filter((k) => !(k in live));
  if (files.length !== 1 || missing.length > 0) throw new Error(`the kernel settings script printed ${files.length} file line(s) and no value for ${missing.join(", ") || "-"}`);
  return { file: files[0] === "NONE" ? null : Buffer.from(files[0].slice(5), "base64").toString("utf8"), live };
}

/** BALANCER_SYSCTL_FILE and the live values on the balancer, through one `sh -s` exec per operation, as root. */
export class BalancerKernel implements BalancerKernelPort {
  constructor(
    private readonly shell: RemoteShell,
    private readonly settings: { readonly file: string; readonly user: string },
  ) {}

  private async run(script: string, what: string): Promise<string> {
    const result = await this.shell.exec(rootShell(this.settings.user), script);
    const reason = result.stderr.trim().split("\n").pop() || `exit ${result.code}`;
    const { file, user } = this.settings;
    if (result.code === LOAD_REFUSED)
      throw new ExternalError(
        `the kernel on ${this.shell.label} refused ${file} (${reason}); the previous file is back`,
        "the balancer's kernel must accept net.ipv4.tcp_tw_reuse and net.ipv4.ip_local_port_range (a droplet's does): check `sysctl -p` there, then apply again",
      );
    if (result.code !== 0)
      throw new ExternalError(`cannot ${what} on ${this.shell.label} (${reason})`, `check that ${user === "root" ? "root" : `${user} may run \`sudo -n\` and`} can write ${file} there (BALANCER_SYSCTL_FILE)`);
    return result.stdout;
  }

  async read(keys: readonly string[]): Promise<KernelSettings> {
    const what = "read the kernel settings";
    const stdout = await this.run(readKernelScript(this.settings.file, keys), what);
    try {
      return parseKernelLines(stdout, keys);
    } catch (error) {
      throw new ExternalError(`cannot ${what} on ${this.shell.label}: ${(error as Error).message}`, "check that sh, base64 and sysctl (procps) are installed there");
    }
  }

  async install(text: string): Promise<void> {
    await this.run(installKernelScript(this.settings.file, text), `write and load ${this.settings.file}`);
  }
}
