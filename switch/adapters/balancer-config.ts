import type { Config } from "../../core/config";
import { EMPTY_SERVER_STATE, serverStatePath } from "../../core/haproxy";
import { runtimeApiFunctions, SAVE_SERVER_STATE_LINES, waitForNewWorkerLines } from "../../core/haproxy/runtime-shell";
import { HaproxyError } from "../errors";
import type { BalancerConfigPort, ConfigCheck, InstallResult, InstalledConfig } from "../ports";
import { RemoteShell, shellQuote } from "./shell";

/** How long the install script waits for HAProxy's new worker after the reload command. */
export const RELOAD_TIMEOUT_SECONDS = 30;

export type BalancerConfigSettings = Pick<Config, "haproxy" | "stateDir"> & { readonly ssh: Pick<Config["ssh"], "user"> };

/**
 * Writing /etc/haproxy and reloading a system service need root. The lab (and a droplet reached as root) runs the script
 * as it is; any other SSH user runs it through `sudo -n` (cloud-init gives the deploy user passwordless sudo), which fails
 * at once instead of waiting for a password.
 */
export function rootShell(user: string): string {
  return user === "root" ? "sh -s" : "sudo -n sh -s";
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** The script's variables, sh-quoted: the config file, the admin socket, the state file and the reload command. */
function header(s: BalancerConfigSettings): string[] {
  return [
    "set -eu",
    `cfg=${shellQuote(s.haproxy.configFile)}`,
    `state=${shellQuote(serverStatePath(s.stateDir))}`,
    ...runtimeApiFunctions(s.haproxy.adminSocket),
  ];
}

/** Prints `NONE`, or `FILE <mtime> <worker start or ->` and then the file as it is. */
export function readScript(s: BalancerConfigSettings): string {
  return [
    ...header(s),
    'if [ ! -f "$cfg" ]; then echo NONE; exit 0; fi',
    'started=$(info Start_time_sec)',
    "printf 'FILE %s %s\\n' \"$(stat -c %Y \"$cfg\")\" \"${started:--}\"",
    'cat "$cfg"',
    "",
  ].join("\n");
}

/**
 * The one script a check or an install runs on the balancer (`sh -s`). It writes the text to a temp file beside the
 * installed one (same filesystem, so the final `mv` is atomic) and runs `haproxy -c` on it; a check stops there.
 * An install then:
 * 1. saves `show servers state` to the server-state file the config names (written beside it, then renamed), so the new
 *    worker starts with the slots' addresses, admin states and health exactly as they were;
 * 2. keeps the current file as `<cfg>.previous` and renames the new one over it;
 * 3. runs the reload command and waits until `show info` reports another worker pid (the master re-executed, the new
 *    worker took over the listening sockets, the old one finishes its requests);
 * 4. when the reload command fails or no new worker appears, puts the previous file back (HAProxy still runs it).
 * Outcomes are marker lines on stdout (`CHECK`, `RELOADED`, `RELOAD-FAILED`, `NO-NEW-WORKER`), HAProxy's own output base64
 * on one line; a non-zero exit is a failure of the script itself (no socket, no permission). A dropped SSH connection
 * (SIGHUP) does not stop it half-way.
 */
export function applyScript(s: BalancerConfigSettings, text: string, mode: "check" | "install", reloadTimeoutSeconds = RELOAD_TIMEOUT_SECONDS): string {
  const install = [
    'before=$(info Pid)',
    '[ -n "$before" ] || { echo "HAProxy\'s runtime API at ${sock#UNIX-CONNECT:} did not answer" >&2; exit 3; }',
    ...SAVE_SERVER_STATE_LINES,
    '[ ! -f "$cfg" ] || cp -p "$cfg" "$cfg.previous"',
    'mv -f "$tmp" "$cfg"',
    'restore() { if [ -f "$cfg.previous" ]; then cp -p "$cfg.previous" "$tmp" && mv -f "$tmp" "$cfg"; fi; }',
    'if ! out=$(sh -c "$reload" 2>&1 </dev/null); then restore; printf \'RELOAD-FAILED %s\\n\' "$(printf \'%s\' "$out" | base64 -w0)"; exit 0; fi',
    ...waitForNewWorkerLines(reloadTimeoutSeconds, 'printf \'RELOADED %s %s\\n\' "$before" "$now"; exit 0', "restore; printf 'NO-NEW-WORKER %s\\n' \"$before\""),
  ];
  return [
    ...header(s),
    ...(mode === "install" ? ["trap '' HUP", `reload=${shellQuote(s.haproxy.reloadCommand)}`] : []),
    'tmp=$(mktemp "$(dirname "$cfg")/.haproxy.cfg.new.XXXXXX")',
    'stmp="$state.tmp.$$"',
    'trap \'rm -f "$tmp" "$stmp"\' EXIT',
    `printf '%s' ${shellQuote(base64(text))} | base64 -d > "$tmp"`,
    'chmod 644 "$tmp"',
    // A missing or empty state file is a warning in `haproxy -c`; an install is about to write it anyway.
    ...(mode === "install" ? [`[ -s "$state" ] || printf '%s' ${shellQuote(EMPTY_SERVER_STATE)} > "$state"`] : []),
    'if out=$(haproxy -c -f "$tmp" 2>&1); then verdict=accepted; else verdict=refused; fi',
    "printf 'CHECK %s %s %s\\n' \"$verdict\" \"$tmp\" \"$(printf '%s' \"$out\" | base64 -w0)\"",
    ...(mode === "install" ? ['[ "$verdict" = accepted ] || exit 0', ...install] : []),
    "",
  ].join("\n");
}

const SERVER_STATE_NOTE = /^Server \S+\/\S+ (is |remains |was )/;

/** HAProxy's `[ALERT]` / `[WARNING]` lines without their tag and pid, naming `configFile` instead of the temp file. */
export function haproxyMessages(output: string, tempFile: string, configFile: string): { alerts: string[]; warnings: string[] } {
  const clean = (line: string) =>
    line
      .replace(/^\[(ALERT|WARNING)\]\s*\(\d+\)\s*:\s*/, "")
      .replace(/^config\s*:\s*/, "")
      .split(tempFile)
      .join(configFile)
      .trim();
  const lines = output.split("\n");
  const of = (tag: string) => lines.filter((l) => l.startsWith(`[${tag}]`)).map(clean).filter(Boolean);
  // `Server app/green remains in forced drain mode.` and the like: HAProxy applying the saved server state while it
  // checks, i.e. the state the new worker will start with. Not a problem with the file.
  return { alerts: of("ALERT"), warnings: of("WARNING").filter((w) => !SERVER_STATE_NOTE.test(w)) };
}

/**
 * The verdict from a `CHECK` line. A refusal's reason is its first alert that is not HAProxy's closing summary
 * ("Fatal errors found in configuration."), which says nothing about what is wrong.
 */
export function parseCheck(line: string, configFile: string): ConfigCheck {
  const [, verdict, tempFile, encoded = ""] = line.split(" ");
  const output = Buffer.from(encoded, "base64").toString("utf8");
  const { alerts, warnings } = haproxyMessages(output, tempFile, configFile);
  if (verdict === "accepted") return { accepted: true, warnings };
  const specific = alerts.filter((a) => !/^Fatal errors found in configuration\.?$/.test(a));
  const reason = specific[0] ?? alerts[0] ?? (output.trim().split("\n").pop() || "haproxy -c failed without a message");
  return { accepted: false, reason, alerts };
}

/** haproxy.cfg on the HAProxy droplet, through one `sh -s` exec per operation (as root: see rootShell). */
export class BalancerConfigFile implements BalancerConfigPort {
  constructor(
    private readonly shell: RemoteShell,
    private readonly settings: BalancerConfigSettings,
    private readonly reloadTimeoutSeconds = RELOAD_TIMEOUT_SECONDS,
  ) {}

  private async run(script: string, what: string): Promise<string[]> {
    const result = await this.shell.exec(rootShell(this.settings.ssh.user), script);
    if (result.code !== 0)
      throw new HaproxyError(
        `cannot ${what} on ${this.shell.label} (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        `check that haproxy and socat are installed there, that HAPROXY_ADMIN_SOCKET names its stats socket, and that ${
          this.settings.ssh.user === "root" ? "root" : `${this.settings.ssh.user} may run \`sudo -n\``
        } can write ${this.settings.haproxy.configFile} and SWITCH_STATE_DIR`,
      );
    return result.stdout.split("\n");
  }

  async read(): Promise<InstalledConfig> {
    const result = await this.shell.exec(rootShell(this.settings.ssh.user), readScript(this.settings));
    if (result.code !== 0)
      throw new HaproxyError(
        `cannot read ${this.settings.haproxy.configFile} on ${this.shell.label} (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        "check that the SSH user may read it (as root, or through `sudo -n`)",
      );
    const out = result.stdout;
    if (out.startsWith("NONE")) return { text: null, loaded: false };
    const newline = out.indexOf("\n");
    const [, mtime, started] = out.slice(0, newline).split(" ");
    return { text: out.slice(newline + 1), loaded: started !== "-" && Number(mtime) <= Number(started) };
  }

  async check(text: string): Promise<ConfigCheck> {
    const lines = await this.run(applyScript(this.settings, text, "check"), "check haproxy.cfg");
    return parseCheck(this.marker(lines, "CHECK"), this.settings.haproxy.configFile);
  }

  async install(text: string): Promise<InstallResult> {
    const lines = await this.run(applyScript(this.settings, text, "install", this.reloadTimeoutSeconds), "install haproxy.cfg");
    const check = parseCheck(this.marker(lines, "CHECK"), this.settings.haproxy.configFile);
    if (!check.accepted) return check;
    const outcome = lines.find((l) => /^(RELOADED|RELOAD-FAILED|NO-NEW-WORKER) /.test(l)) ?? "";
    const [marker, first, second] = outcome.split(" ");
    const file = this.settings.haproxy.configFile;
    if (marker === "RELOADED") return { ...check, worker: { before: Number(first), after: Number(second) } };
    if (marker === "RELOAD-FAILED")
      throw new HaproxyError(
        `\`${this.settings.haproxy.reloadCommand}\` failed on ${this.shell.label} (${Buffer.from(first ?? "", "base64").toString("utf8").trim().split("\n").pop() || "no output"}); the previous ${file} is back and HAProxy still runs it`,
        "fix HAPROXY_RELOAD_COMMAND (it must make HAProxy's master reload, e.g. systemctl reload haproxy) and apply again",
      );
    if (marker === "NO-NEW-WORKER")
      throw new HaproxyError(
        `HAProxy on ${this.shell.label} started no new worker within ${this.reloadTimeoutSeconds} s of \`${this.settings.haproxy.reloadCommand}\` (worker ${first} still runs); the previous ${file} is back`,
        "check HAProxy's log there (journalctl -u haproxy): the master must run in master-worker mode (-W or -Ws) for a hitless reload",
      );
    throw new HaproxyError(`the install script on ${this.shell.label} ended without a result`, "re-run `npm run switch -- balancer apply`; `status` shows what HAProxy runs");
  }

  private marker(lines: readonly string[], name: string): string {
    const line = lines.find((l) => l.startsWith(`${name} `));
    if (!line) throw new HaproxyError(`the haproxy.cfg script on ${this.shell.label} printed no ${name} line`, "check that base64 and mktemp are installed there");
    return line;
  }
}
