import { posix } from "node:path";
import { maintenanceMapPath, serverStatePath } from "../haproxy";
import { CloudConfig, renderCloudConfig } from "./cloud-config";
import { DEFAULT_DEPLOY_USER, sshAccess } from "./ssh-port";

export const HAPROXY_CONFIG_PATH = "/etc/haproxy/haproxy.cfg";
const TMPFILES_PATH = "/etc/tmpfiles.d/do-bluegreen.conf";

export interface BalancerUserDataOptions {
  /** The complete haproxy.cfg, as rendered by core/haproxy renderHaproxyConfig. */
  readonly haproxyConfig: string;
  /** HAProxy's runtime API socket; its directory is created for the haproxy user. */
  readonly adminSocket: string;
  /** Where the switch keeps its deploy lock and audit log (SWITCH_STATE_DIR). */
  readonly stateDir: string;
  /**
   * The maintenance map haproxy.cfg reads (render option `maintenanceMap`): created empty if missing, because HAProxy
   * refuses to start without it; never truncated, so maintenance mode survives a reboot.
   * @default `${stateDir}/maintenance.map` (maintenanceMapPath)
   */
  readonly maintenanceMap?: string;
  /**
   * PEM (certificate + key) HAProxy serves on 443. When set and the file is missing at boot,
   * a self-signed certificate is generated so HAProxy starts; replace it with a real one.
   * @default "" (no TLS)
   */
  readonly tlsCertificatePath?: string;
  /** Common name of that self-signed certificate. @default "localhost" */
  readonly tlsCommonName?: string;
  /** Port sshd listens on. @default 22 */
  readonly sshPort?: number;
  /**
   * The deploy user (SSH_USER): created with the account's SSH keys, in the haproxy group (the admin socket is
   * root:haproxy 0660) and owner of the state directory (the switch's lock, audit log and maintenance map).
   * @default "deploy"
   */
  readonly deployUser?: string;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function selfSignedCertificateCommand(pem: string, commonName: string): string[] {
  const [p, key, crt] = [pem, `${pem}.key`, `${pem}.crt`].map(shellQuote);
  const create = [
    "umask 077",
    `mkdir -p ${shellQuote(posix.dirname(pem))}`,
    `openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj ${shellQuote(`/CN=${commonName}`)} -keyout ${key} -out ${crt}`,
    `cat ${crt} ${key} > ${p}`,
    `rm -f ${crt} ${key}`,
  ].join(" && ");
  const script = `test -s ${p} || { ${create}; }`;
  return ["sh", "-c", script];
}

/**
 * The HAProxy droplet: HAProxy with exactly the rendered haproxy.cfg, socat for the switch's
 * runtime-API calls over SSH, and the directories the switch relies on.
 */
export function balancerCloudConfig(options: BalancerUserDataOptions): CloudConfig {
  const tlsPath = options.tlsCertificatePath ?? "";
  const sshPort = options.sshPort ?? 22;
  const socketDir = posix.dirname(options.adminSocket);
  const maintenanceMap = options.maintenanceMap ?? maintenanceMapPath(options.stateDir);
  const user = options.deployUser ?? DEFAULT_DEPLOY_USER;
  const ssh = sshAccess({ user, groups: ["haproxy"], port: sshPort });
  return {
    ...ssh.settings,
    users: [ssh.user],
    package_update: true,
    packages: ["haproxy", "socat", ...(tlsPath ? ["openssl"] : [])],
    write_files: [
      {
        // tmpfiles.d, not mkdir: the socket directory usually lives on /run, which is empty after every reboot.
        path: TMPFILES_PATH,
        // `f` creates the maintenance map empty when it is missing and leaves an existing one as it is.
        // The state directory belongs to the deploy user, who takes the lock (mkdir, chmod 755) and renames the map in it.
        // The server-state file (empty until the first `balancer apply`) keeps the first boot's `haproxy -c` quiet.
        content: `d ${socketDir} 2775 haproxy haproxy -\nd ${options.stateDir} 0755 ${user} ${user} -\nf ${maintenanceMap} 0644 root root -\nf ${serverStatePath(options.stateDir)} 0600 root root -\n`,
        permissions: "0644",
      },
      ...ssh.files,
      // Deferred: written after the haproxy package installed its default file, so ours wins.
      { path: HAPROXY_CONFIG_PATH, content: options.haproxyConfig, owner: "root:root", permissions: "0644", defer: true },
    ],
    runcmd: [
      // Before `haproxy -c`: the directories and the maintenance map must exist for the check and the start.
      ["systemd-tmpfiles", "--create", TMPFILES_PATH],
      ...(tlsPath ? [selfSignedCertificateCommand(tlsPath, options.tlsCommonName ?? "localhost")] : []),
      ["haproxy", "-c", "-f", HAPROXY_CONFIG_PATH],
      ["systemctl", "enable", "haproxy"],
      ["systemctl", "restart", "haproxy"],
      ...ssh.commands,
    ],
  };
}

export function renderBalancerUserData(options: BalancerUserDataOptions): string {
  return renderCloudConfig(balancerCloudConfig(options));
}
