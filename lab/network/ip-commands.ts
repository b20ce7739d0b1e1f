import { Command } from "../runner";

/**
 * iproute2 / iputils commands as data. Each is idempotent through `tolerate`, so `up` after a
 * half-finished run and `down` after a crash both converge instead of failing on "File exists".
 */
const EXISTS = /File exists|already exists/;
const MISSING = /Cannot find device|does not exist|No such file|Cannot assign requested address|not found|No such process/i;

const inNamespace = (namespace: string | null, argv: string[]): string[] => (namespace ? ["ip", "-n", namespace, ...argv] : ["ip", ...argv]);
/** Any other program in a namespace's network (null: the host's). */
const inNetwork = (namespace: string | null, argv: string[]): string[] => (namespace ? ["nsenter", `--net=/var/run/netns/${namespace}`, ...argv] : argv);
const sysctl = (namespace: string | null, key: string, value: string): string[] => inNetwork(namespace, ["sysctl", "-q", "-w", `${key}=${value}`]);

export const ipCommands = {
  addNamespace: (name: string): Command => ({ argv: ["ip", "netns", "add", name], tolerate: EXISTS }),
  deleteNamespace: (name: string): Command => ({ argv: ["ip", "netns", "delete", name], tolerate: MISSING }),
  loopbackUp: (namespace: string): Command => ({ argv: inNamespace(namespace, ["link", "set", "lo", "up"]) }),
  addBridge: (name: string): Command => ({ argv: ["ip", "link", "add", name, "type", "bridge"], tolerate: EXISTS }),
  deleteLink: (name: string): Command => ({ argv: ["ip", "link", "delete", name], tolerate: MISSING }),
  /** One end stays on the host under `hostName`, the other appears in `namespace` as eth0 with a fixed MAC. */
  addVethIntoNamespace: (hostName: string, namespace: string, mac: string): Command => ({
    argv: ["ip", "link", "add", hostName, "type", "veth", "peer", "name", "eth0", "address", mac, "netns", namespace],
    tolerate: EXISTS,
  }),
  enslave: (link: string, bridge: string): Command => ({ argv: ["ip", "link", "set", link, "master", bridge] }),
  linkUp: (namespace: string | null, link: string): Command => ({ argv: inNamespace(namespace, ["link", "set", link, "up"]) }),
  addAddress: (namespace: string | null, link: string, cidr: string): Command => ({
    argv: inNamespace(namespace, ["addr", "add", cidr, "dev", link]),
    tolerate: EXISTS,
  }),
  deleteAddress: (namespace: string | null, link: string, cidr: string): Command => ({
    argv: inNamespace(namespace, ["addr", "del", cidr, "dev", link]),
    tolerate: MISSING,
  }),
  /** Point `ip` at `mac` now, instead of waiting out ARP's locktime on a gratuitous announcement. */
  replaceNeighbour: (namespace: string | null, link: string, ip: string, mac: string): Command => ({
    argv: inNamespace(namespace, ["neigh", "replace", ip, "lladdr", mac, "dev", link, "nud", "reachable"]),
  }),
  deleteNeighbour: (namespace: string | null, link: string, ip: string): Command => ({
    argv: inNamespace(namespace, ["neigh", "del", ip, "dev", link]),
    tolerate: MISSING,
  }),
  /**
   * Unsolicited (gratuitous) ARP from the namespace that now holds `ip`, as a cloud's network would announce it.
   * Detached: arping sends at once but exits a second later, which would stretch every simulated IP move by 1 s; the
   * movers replace the neighbour entries that matter themselves.
   */
  announce: (namespace: string, link: string, ip: string): Command => ({
    argv: inNetwork(namespace, ["arping", "-U", "-c", "1", "-I", link, "-s", ip, ip]),
    detach: true,
  }),
  /** The lab speaks IPv4 only: no link-local IPv6 chatter (router solicitations, MLD) on its links. */
  disableIpv6: (namespace: string | null, link: string): Command => ({
    argv: sysctl(namespace, `net.ipv6.conf.${link}.disable_ipv6`, "1"),
    tolerate: /No such file|cannot stat/i,
  }),
  /** A per-namespace kernel setting, as a droplet's /etc/sysctl.d would set it. */
  setSysctl: (namespace: string, key: string, value: string): Command => ({
    argv: sysctl(namespace, key, value),
  }),
  listNamespaces: (): Command => ({ argv: ["ip", "-j", "netns", "list"] }),
  listLinks: (): Command => ({ argv: ["ip", "-j", "link", "show"] }),
  namespacePids: (namespace: string): Command => ({ argv: ["ip", "netns", "pids", namespace], tolerate: MISSING }),
  showAddresses: (namespace: string, link: string): Command => ({ argv: ["ip", "-n", namespace, "-j", "addr", "show", "dev", link] }),
} as const;
