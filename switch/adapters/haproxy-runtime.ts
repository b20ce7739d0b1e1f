import { CertificateStatus, certificateStatusPath, parseCertificateStatus } from "../../core/tls";
import type { Config } from "../../core/config";
import { MAINTENANCE_MAP_KEY, maintenanceMapPath, maintenanceMapValue, messageOfMapValue } from "../../core/haproxy";
import { HaproxyError } from "../errors";
import type { AdminState, HaproxyServer, TrafficCounters } from "../model";
import type { HaproxyPort, MaintenanceState, ServerChange } from "../ports";
import { RemoteShell, shellQuote } from "./shell";

// srv_admin_state bits (HAProxy src/server.h): maintenance forced/inherited/resolution/hostname, and drain forced/inherited.
const ADMIN_MAINT = 0x01 | 0x02 | 0x20 | 0x40;
const ADMIN_DRAIN = 0x08 | 0x10;

export function adminStateOf(bits: number): AdminState {
  if (bits & ADMIN_MAINT) return "maint";
  if (bits & ADMIN_DRAIN) return "drain";
  return "ready";
}

function table(text: string, separator: RegExp, headerPrefix: string): Record<string, string>[] {
  const lines = text.split("\n");
  const headerLine = lines.find((l) => l.startsWith(headerPrefix));
  if (!headerLine) return [];
  const header = headerLine.replace(/^#\s*/, "").split(separator);
  return lines.filter((l) => l && !l.startsWith("#") && separator.test(l)).map((l) => Object.fromEntries(l.split(separator).map((v, i) => [header[i], v])));
}

function trafficOf(row: Record<string, string> | undefined): TrafficCounters | undefined {
  if (!row || row.hrsp_5xx === undefined || row.hrsp_5xx === "") return undefined;
  const n = (key: string) => Number(row[key] || 0);
  return {
    responses: n("hrsp_1xx") + n("hrsp_2xx") + n("hrsp_3xx") + n("hrsp_4xx") + n("hrsp_5xx") + n("hrsp_other"),
    serverErrors: n("hrsp_5xx"),
    connectionErrors: n("econ") + n("eresp"),
    responseTimeMs: n("rtime"),
  };
}

/** Joins `show servers state <backend>` (admin state, address) and `show stat` (sessions, status). */
export function parseServers(backend: string, serversState: string, stat: string): HaproxyServer[] {
  const stats = table(stat, /,/, "# pxname").filter((r) => r.pxname === backend);
  return table(serversState, / /, "# be_id")
    .filter((r) => r.be_name === backend)
    .map((r) => {
      const s = stats.find((x) => x.svname === r.srv_name);
      return {
        name: r.srv_name,
        address: r.srv_addr,
        port: Number(r.srv_port),
        admin: adminStateOf(Number(r.srv_admin_state)),
        status: s?.status ?? "UNKNOWN",
        currentSessions: Number(s?.scur ?? 0),
        checkStatus: s?.check_status || undefined,
        lastCheck: s?.last_chk || undefined,
        traffic: trafficOf(s),
      };
    });
}

/**
 * One argument of a runtime-API command: the CLI splits words on spaces, ends a command at `;` and takes `\` as an
 * escape, so those three are backslash-escaped (tabs and newlines never get here: the message is one line).
 */
export function cliArgument(value: string): string {
  return value.replace(/[\\ ;]/g, (c) => `\\${c}`);
}

/** `show map <file>` lines are `<entry address> <key> <value>`; the value keeps its inner spaces. */
export function parseMaintenanceMap(showMap: string): MaintenanceState {
  const entry = showMap
    .split("\n")
    .map((line) => /^0x[0-9a-f]+ (\S+) (.*)$/.exec(line))
    .find((m) => m?.[1] === MAINTENANCE_MAP_KEY);
  return entry ? { on: true, message: messageOfMapValue(entry[2]) } : { on: false };
}

/**
 * The one script `setMaintenance` runs on the balancer (`sh -s`): the new file is written beside the map first (a full
 * disk fails before anything changed), then HAProxy's map is replaced atomically (`prepare map` → `add map @ver` →
 * `commit map @ver`: a visitor sees the old mode or the new one, never an empty map in between, also when only the
 * message changes), and only then the file is renamed over the map, so a reload or restart keeps what HAProxy serves.
 * Every value is single-quoted for sh; those in runtime-API commands are CLI-escaped too.
 */
export function maintenanceScript(o: { readonly socket: string; readonly mapPath: string; readonly value: string | null }): string {
  const map = cliArgument(o.mapPath);
  const entry = o.value === null ? "" : `${MAINTENANCE_MAP_KEY} ${o.value}\n`;
  const commands = o.value === null ? '"commit map @$ver $m"' : `"add map @$ver $m $entry; commit map @$ver $m"`;
  return [
    "set -eu",
    `map=${shellQuote(o.mapPath)}`,
    `sock=${shellQuote(`UNIX-CONNECT:${o.socket}`)}`,
    `m=${shellQuote(map)}`,
    ...(o.value === null ? [] : [`entry=${shellQuote(`${MAINTENANCE_MAP_KEY} ${cliArgument(o.value)}`)}`]),
    'tmp="$map.tmp.$$"',
    "trap 'rm -f \"$tmp\"' EXIT",
    "cli() { printf '%s\\n' \"$1\" | socat stdio \"$sock\"; }",
    "refused() { printf 'HAProxy refused %s: %s\\n' \"$1\" \"$(printf '%s' \"$2\" | tr '\\n' ' ')\" >&2; exit 3; }",
    `printf '%s' ${shellQuote(entry)} > "$tmp"`,
    'chmod 644 "$tmp"',
    'out=$(cli "prepare map $m")',
    "ver=$(printf '%s\\n' \"$out\" | sed -n 's/^New version created: \\([0-9][0-9]*\\)$/\\1/p')",
    '[ -n "$ver" ] || refused "prepare map $map" "$out"',
    `out=$(cli ${commands})`,
    "if printf '%s' \"$out\" | grep -q '[^[:space:]]'; then refused \"the new maintenance map\" \"$out\"; fi",
    'mv -f "$tmp" "$map"',
    "",
  ].join("\n");
}

/**
 * HAProxy's runtime API, one command per exec of `socat stdio UNIX-CONNECT:<socket>` on the HAProxy droplet.
 * The admin socket is never exposed on the network.
 */
export class HaproxyRuntime implements HaproxyPort {
  constructor(private readonly shell: RemoteShell, private readonly config: Pick<Config, "haproxy" | "stateDir">) {}

  /** The map haproxy.cfg reads (core/haproxy renders the same default). */
  private get mapPath(): string {
    return maintenanceMapPath(this.config.stateDir);
  }

  private async command(cmd: string): Promise<string> {
    const socket = this.config.haproxy.adminSocket;
    const result = await this.shell.exec(`socat stdio ${shellQuote(`UNIX-CONNECT:${socket}`)}`, `${cmd}\n`);
    if (result.code !== 0)
      throw new HaproxyError(
        `cannot reach HAProxy's runtime API at ${socket} on ${this.shell.label} (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        "check that haproxy runs there and HAPROXY_ADMIN_SOCKET names its stats socket (socat must be installed)",
      );
    const out = result.stdout;
    if (/^(No such (server|backend)|Unknown command|Require|Invalid|Permission denied)/m.test(out.trim()))
      throw new HaproxyError(
        `HAProxy refused \`${cmd}\`: ${out.trim().split("\n")[0]}`,
        "run `npm run switch -- balancer apply` (it installs the haproxy.cfg with backend app and its two slots)",
      );
    return out;
  }

  private target(server: string): string {
    return `${this.config.haproxy.backend}/${server}`;
  }

  /** One socket session for both tables: the watchdog polls this, so every round trip counts. */
  async servers(): Promise<HaproxyServer[]> {
    const backend = this.config.haproxy.backend;
    const out = await this.command(`show servers state ${backend}; show stat`);
    const statAt = out.indexOf("# pxname");
    return statAt < 0 ? [] : parseServers(backend, out.slice(0, statAt), out.slice(statAt));
  }

  async apply(changes: readonly ServerChange[]): Promise<void> {
    const commands = changes.flatMap((c) => [
      ...(c.address ? [`set server ${this.target(c.server)} addr ${c.address.ip} port ${c.address.port}`] : []),
      ...(c.state ? [`set server ${this.target(c.server)} state ${c.state}`] : []),
      ...(c.health ? [`set server ${this.target(c.server)} health ${c.health}`] : []),
    ]);
    // The CLI runs `;`-separated commands in sequence within one session: nothing is served in between.
    if (commands.length > 0) await this.command(commands.join("; "));
  }

  async shutdownSessions(server: string): Promise<void> {
    await this.command(`shutdown sessions server ${this.target(server)}`);
  }

  async maintenance(): Promise<MaintenanceState> {
    const out = await this.command(`show map ${cliArgument(this.mapPath)}`);
    if (/^Unknown map identifier/m.test(out))
      throw new HaproxyError(
        `HAProxy on ${this.shell.label} has no map ${this.mapPath} (its haproxy.cfg predates maintenance mode, or SWITCH_STATE_DIR differs from the one it was rendered with)`,
        "deploy the stack again so the balancer runs the haproxy.cfg rendered by core/haproxy, with the same SWITCH_STATE_DIR",
      );
    return parseMaintenanceMap(out);
  }

  /** The status file the obtain loop and the deploy hook write; a missing file reads as unknown. */
  async certificate(): Promise<CertificateStatus> {
    const result = await this.shell.exec(`cat ${shellQuote(certificateStatusPath(this.config.stateDir))} 2>/dev/null || true`);
    return parseCertificateStatus(result.stdout);
  }

  /** Live and on disk in one exec (maintenanceScript); the message is validated and HTML-escaped first. */
  async setMaintenance(state: MaintenanceState): Promise<void> {
    const value = state.on ? maintenanceMapValue(state.message ?? "") : null;
    const script = maintenanceScript({ socket: this.config.haproxy.adminSocket, mapPath: this.mapPath, value });
    const result = await this.shell.exec("sh -s", script);
    if (result.code !== 0)
      throw new HaproxyError(
        `cannot turn maintenance mode ${state.on ? "on" : "off"} on ${this.shell.label} (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        `check that haproxy runs there with the haproxy.cfg rendered by core/haproxy (it reads ${this.mapPath}), that socat is installed and that SWITCH_STATE_DIR is writable`,
      );
  }
}
