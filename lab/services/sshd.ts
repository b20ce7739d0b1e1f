import { LabHost, LabPlan, workerPaths } from "../plan";
import { Command } from "../runner";

/**
 * Each droplet runs a real OpenSSH server in its namespace, configured as a DigitalOcean
 * droplet would be for the switch: root login by key only, TCP forwarding for the health
 * tunnel, and on workers `SetEnv DOCKER_HOST` so `docker system dial-stdio` reaches that
 * droplet's own dockerd (all namespaces share one filesystem, so the socket path tells them apart).
 * Each droplet also gets its own empty home: sshd runs every command through the login shell, and bash sources
 * `~/.bashrc` for it, so sharing this machine's /root would run its owner's shell setup (a pyenv init, say: about
 * 140 ms) on every exec, which no droplet does.
 */
export interface SshPaths {
  readonly clientKey: string;
  readonly authorizedKeys: string;
  readonly knownHosts: string;
  hostKey(host: LabHost): string;
  config(host: LabHost): string;
  home(host: LabHost): string;
  pidFile(host: LabHost): string;
}

export function sshPaths(plan: LabPlan): SshPaths {
  const dir = plan.paths.sshDir;
  return {
    clientKey: `${dir}/id_ed25519`,
    authorizedKeys: `${dir}/authorized_keys`,
    knownHosts: `${dir}/known_hosts`,
    hostKey: (h) => `${dir}/${h.role}_host_ed25519_key`,
    config: (h) => `${dir}/${h.role}_sshd_config`,
    home: (h) => `${dir}/${h.role}-home`,
    pidFile: (h) => `${dir}/${h.role}_sshd.pid`,
  };
}

export function keygenCommand(path: string, comment: string): Command {
  return { argv: ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path] };
}

export function sshdConfig(plan: LabPlan, host: LabHost): string {
  const paths = sshPaths(plan);
  const worker = plan.workers.find((w) => w === host);
  return [
    `# do-bluegreen lab ${plan.index}: ${host.dropletName}`,
    "ListenAddress 0.0.0.0:22",
    `HostKey ${paths.hostKey(host)}`,
    `PidFile ${paths.pidFile(host)}`,
    `AuthorizedKeysFile ${paths.authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The lab's files live under /run with root ownership; StrictModes would also demand it of /run's parents.
    "StrictModes no",
    "AllowTcpForwarding yes",
    "PrintMotd no",
    "MaxSessions 64",
    "MaxStartups 64:30:128",
    "LogLevel ERROR",
    "Subsystem sftp internal-sftp",
    ["SetEnv", `HOME=${paths.home(host)}`, ...(worker ? [`DOCKER_HOST=unix://${workerPaths(plan, worker).socket}`] : [])].join(" "),
    "",
  ].join("\n");
}

/** The namespace runs sshd in the foreground (-D) so the lab owns its pid; -e logs to the lab's log file. */
export function sshdArgv(plan: LabPlan, host: LabHost): string[] {
  return ["nsenter", `--net=/var/run/netns/${host.namespace}`, "/usr/sbin/sshd", "-D", "-e", "-f", sshPaths(plan).config(host)];
}

/** One known_hosts line per droplet, naming both of its addresses (plain, not hashed). */
export function knownHostsLine(host: LabHost, publicKeyLine: string): string {
  const [type, key] = publicKeyLine.trim().split(/\s+/);
  return `${host.publicIp},${host.privateIp} ${type} ${key}`;
}
