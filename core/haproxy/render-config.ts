import { Config } from "../config";
import { maintenanceMapPath, maintenanceRule } from "./maintenance";
import { serverStatePath } from "./server-state";
import { acmeBackendSection, acmeRoutingLines, maintenanceExemption, tlsBindLine, tlsGlobalLines, tlsRequestLines, tlsResponseLines } from "./tls-frontend";

/**
 * Renders haproxy.cfg from the typed configuration. The stack's cloud-init writes exactly this
 * file on the HAProxy droplet, and the lab runs exactly this file, so what is tested is what ships.
 *
 * The backend has two server slots (`blue`, `green`), each pinned by the switch to one worker's own address: the one in
 * `ready` serves PROD, the other is armed on FALLBACK in `drain` (health-checked, no traffic). A flip is one runtime
 * command (`<to> ready; <from> drain`), so every new request goes to one version from one instant on, and nothing is
 * re-pointed: in-flight requests finish where they are, and moving the reserved IP touches no request (decision 0213).
 *
 * A balancer's first boot has no pinned slot yet: `blue` serves through the reserved IP, which leads to PROD, and
 * `green` starts disabled; the first switch run pins both. Their runtime state survives a reload through the
 * server-state file (core/haproxy/server-state.ts): `balancer apply` saves `show servers state` there just before it
 * reloads HAProxy (docs/decisions/0701).
 */
export interface HaproxyRenderOptions {
  /** The reserved IP: where the first slot sends traffic until the switch pins the slots (a new balancer's first boot). */
  readonly floatingIp: string;
  /** Address the frontends bind to. @default "*" (every address on the droplet) */
  readonly bindAddress?: string;
  /** @default 80 */
  readonly httpPort?: number;
  /** @default 443, only used when TLS is not off */
  readonly httpsPort?: number;
  /** Drop privileges to this user and group after binding. @default "haproxy" (Debian's package user); null keeps root (the lab) */
  readonly runAsUser?: string | null;
  /** A `log` target for the global section. @default "/dev/log local0" (journald/rsyslog on the droplet); null disables logging */
  readonly logTarget?: string | null;
  /**
   * The map file holding maintenance mode (core/haproxy/maintenance.ts). HAProxy refuses to start when it is missing, so
   * whoever starts HAProxy creates it empty first (the balancer's cloud-init, the lab).
   * @default `${config.stateDir}/maintenance.map`, where the switch writes it (maintenanceMapPath)
   */
  readonly maintenanceMap?: string;
  /** The server-state file a reload restores the slots from. @default `${config.stateDir}/server-state` (serverStatePath) */
  readonly serverStateFile?: string;
}

/**
 * The slots are declared by placeholder names, not addresses, because HAProxy 2.6 restores a runtime address
 * (`set server ... addr`) from the server-state file only through `init-addr last`, which applies to servers declared by
 * name. `.invalid` never resolves (RFC 6761) and nothing asks a resolver: `init-addr` lists no `libc`, and the server
 * names no `resolvers`. Without a state entry (first boot) the first slot starts on the reserved IP, the second on the
 * placeholder address, disabled.
 */
export const slotPlaceholderHost = (slot: string) => `${slot}.invalid`;
export const SLOT_PLACEHOLDER_ADDRESS = "127.0.0.1";

/**
 * Why these timeouts and retries (REFERENCE.md, measured with a floating IP moved between namespaces):
 * - a short `timeout connect` plus `retries` turns a connect to a half-moved IP into a quick retry, not a client error;
 * - `retry-on conn-failure empty-response response-timeout` also covers a pooled keep-alive connection that died
 *   with the old droplet (otherwise the client connection is closed with no response);
 * - L7 retries re-send the request, so they are limited to idempotent methods: a POST is never sent twice;
 * - `option redispatch 1` lets a retry pick the other server slot while both are in play.
 * The atomic flip is what makes the count zero; these settings are the safety net.
 */
export function renderHaproxyConfig(config: Config, options: HaproxyRenderOptions): string {
  const bind = options.bindAddress ?? "*";
  const httpPort = options.httpPort ?? 80;
  const httpsPort = options.httpsPort ?? 443;
  const runAsUser = options.runAsUser === undefined ? "haproxy" : options.runAsUser;
  const logTarget = options.logTarget === undefined ? "/dev/log local0" : options.logTarget;
  const maintenanceMap = options.maintenanceMap ?? maintenanceMapPath(config.stateDir);
  const serverState = options.serverStateFile ?? serverStatePath(config.stateDir);
  const { backend, slots, adminSocket } = config.haproxy;
  const { port, healthPath, domain } = config.app;

  const global = [
    "global",
    ...(logTarget ? [`  log ${logTarget}`] : []),
    `  stats socket ${adminSocket} mode 660 level admin expose-fd listeners`,
    "  stats timeout 30s",
    `  server-state-file ${serverState}`,
    "  maxconn 20000",
    ...tlsGlobalLines(config),
    ...(runAsUser ? [`  user ${runAsUser}`, `  group ${runAsUser}`] : []),
  ];

  const defaults = [
    "defaults",
    "  mode http",
    ...(logTarget ? ["  log global", "  option httplog"] : []),
    "  option dontlognull",
    // A reload keeps the slots' runtime state (see server-state.ts), and the process it replaces closes each idle
    // keep-alive connection only after answering one more request on it (with `Connection: close`): a client never
    // writes to a connection that is being closed under it.
    "  load-server-state-from-file global",
    "  option idle-close-on-response",
    "  timeout connect 500ms",
    "  timeout client 30s",
    "  timeout server 30s",
    "  timeout http-request 10s",
    "  timeout http-keep-alive 5s",
    "  timeout queue 30s",
    "  timeout check 2s",
  ];

  const frontend = [
    "frontend public",
    `  bind ${bind}:${httpPort}`,
    ...tlsBindLine(config, bind, httpsPort),
    ...tlsRequestLines(config),
    // Before any backend is chosen: a visitor in maintenance mode never reaches a server slot, whatever the flip does.
    `  ${maintenanceRule(maintenanceMap, healthPath.split("?")[0])}${maintenanceExemption(config)}`,
    ...tlsResponseLines(config),
    ...acmeRoutingLines(config),
    `  default_backend ${backend}`,
  ];

  const backendLines = [
    `backend ${backend}`,
    "  balance roundrobin",
    "  option httpchk",
    `  http-check send meth GET uri ${healthPath} ver HTTP/1.1 hdr Host ${domain}`,
    "  http-check expect status 200",
    "  retries 10",
    "  retry-on conn-failure empty-response response-timeout",
    "  option redispatch 1",
    "  http-request disable-l7-retry unless METH_GET || METH_HEAD",
    // fastinter/downinter: a slot changing state is re-checked every 100 ms, so arming and noticing a dead release take
    // a few hundred ms rather than seconds; a steady UP slot is checked every 500 ms.
    "  default-server inter 500ms fastinter 100ms downinter 250ms fall 3 rise 2",
    // Placeholders: the switch pins each slot to a worker's own address (`set server ... addr`), and a reload keeps it.
    `  server ${slots[0]} ${slotPlaceholderHost(slots[0])}:${port} check init-addr last,${options.floatingIp}`,
    `  server ${slots[1]} ${slotPlaceholderHost(slots[1])}:${port} check disabled init-addr last,${SLOT_PLACEHOLDER_ADDRESS}`,
  ];

  const acme = acmeBackendSection(config);
  return [global, defaults, frontend, backendLines, ...(acme.length ? [acme] : [])].map((section) => section.join("\n")).join("\n\n") + "\n";
}

/**
 * The haproxy.cfg a balancer runs: renderHaproxyConfig with the render options the configuration sets
 * (HAPROXY_BIND_ADDRESS, HAPROXY_USER, HAPROXY_LOG_TARGET). The stack's cloud-init, `balancer apply` and the lab
 * all render through this, so the file a droplet boots with, the file `balancer apply` installs and the lab's file differ
 * only by what their configuration says.
 */
export function renderBalancerHaproxyConfig(config: Config, floatingIp: string): string {
  const { bindAddress, user, logTarget } = config.haproxy;
  return renderHaproxyConfig(config, { floatingIp, bindAddress, runAsUser: user, logTarget });
}
