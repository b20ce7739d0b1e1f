import { posix } from "node:path";
import { httpsRedirectPath, maintenanceMapPath, serverStatePath } from "../haproxy";
import { BALANCER_SYSCTL_FILE, balancerSysctlText } from "./balancer-sysctl";
import { CertificateScriptConfig, deployHookScript, DROPLET_CERTIFICATE_SCRIPTS, obtainScript, placeholderCertificateScript } from "../tls";
import { CloudConfig, renderCloudConfig, WriteFile } from "./cloud-config";
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
   * HTTPS (TLS, HAPROXY_TLS_CERT_PATH and the ACME settings). manual: a self-signed placeholder when the PEM is missing at
   * boot, so HAProxy starts. auto: the same placeholder, certbot, the obtain loop as a service and the deploy hook.
   * @default no TLS
   */
  readonly tls?: CertificateScriptConfig;
  /** Common name of the placeholder certificate. @default "localhost" */
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


const CERTIFICATE_UNIT = "do-bluegreen-certificate.service";

/** Runs the obtain loop once per boot until it succeeds; after that `certbot.timer` renews. */
function certificateUnit(obtain: string): string {
  return [
    "[Unit]",
    "Description=do-bluegreen: obtain the balancer's HTTPS certificate (TLS=auto)",
    "Wants=network-online.target",
    "After=network-online.target haproxy.service",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${obtain}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function tlsFiles(tls: CertificateScriptConfig | undefined): WriteFile[] {
  if (tls?.tls.mode !== "auto") return [];
  const paths = DROPLET_CERTIFICATE_SCRIPTS;
  return [
    { path: paths.obtain, content: obtainScript(tls, paths), owner: "root:root", permissions: "0755" },
    { path: paths.deployHook, content: deployHookScript(tls), owner: "root:root", permissions: "0755" },
    { path: `/etc/systemd/system/${CERTIFICATE_UNIT}`, content: certificateUnit(paths.obtain), owner: "root:root", permissions: "0644" },
  ];
}

/**
 * The HAProxy droplet: HAProxy with exactly the rendered haproxy.cfg, socat for the switch's
 * runtime-API calls over SSH, and the directories the switch relies on.
 */
export function balancerCloudConfig(options: BalancerUserDataOptions): CloudConfig {
  const tls = options.tls?.tls.mode === "off" ? undefined : options.tls;
  const tlsPath = tls?.haproxy.tlsCertificatePath ?? "";
  const auto = tls?.tls.mode === "auto";
  const sshPort = options.sshPort ?? 22;
  const socketDir = posix.dirname(options.adminSocket);
  const maintenanceMap = options.maintenanceMap ?? maintenanceMapPath(options.stateDir);
  const user = options.deployUser ?? DEFAULT_DEPLOY_USER;
  const ssh = sshAccess({ user, groups: ["haproxy"], port: sshPort });
  return {
    ...ssh.settings,
    users: [ssh.user],
    package_update: true,
    packages: ["haproxy", "socat", ...(tlsPath ? ["openssl"] : []), ...(auto ? ["certbot"] : [])],
    write_files: [
      {
        // tmpfiles.d, not mkdir: the socket directory usually lives on /run, which is empty after every reboot.
        path: TMPFILES_PATH,
        // `f` creates the maintenance map empty when it is missing and leaves an existing one as it is.
        // The state directory belongs to the deploy user, who takes the lock (mkdir, chmod 755) and renames the map in it.
        // The server-state file (empty until the first `balancer apply`) keeps the first boot's `haproxy -c` quiet.
        content: `d ${socketDir} 2775 haproxy haproxy -\nd ${options.stateDir} 0755 ${user} ${user} -\nf ${maintenanceMap} 0644 root root -\nf ${serverStatePath(options.stateDir)} 0600 root root -\n${auto ? `f ${httpsRedirectPath(options.stateDir)} 0644 root root -\n` : ""}`,
        permissions: "0644",
      },
      ...ssh.files,
      { path: BALANCER_SYSCTL_FILE, content: balancerSysctlText(), owner: "root:root", permissions: "0644" },
      ...tlsFiles(tls),
      // Deferred: written after the haproxy package installed its default file, so ours wins.
      { path: HAPROXY_CONFIG_PATH, content: options.haproxyConfig, owner: "root:root", permissions: "0644", defer: true },
    ],
    runcmd: [
      // Before `haproxy -c`: the directories and the maintenance map must exist for the check and the start.
      ["systemd-tmpfiles", "--create", TMPFILES_PATH],
      ["sysctl", "-q", "-p", BALANCER_SYSCTL_FILE],
      ...(tlsPath ? [["sh", "-c", placeholderCertificateScript(tlsPath, options.tlsCommonName ?? "localhost")]] : []),
      ["haproxy", "-c", "-f", HAPROXY_CONFIG_PATH],
      ["systemctl", "enable", "haproxy"],
      ["systemctl", "restart", "haproxy"],
      // --no-block: cloud-init goes on while the loop waits for DNS and the CA.
      ...(auto ? [["systemctl", "daemon-reload"], ["systemctl", "enable", CERTIFICATE_UNIT], ["systemctl", "start", "--no-block", CERTIFICATE_UNIT]] : []),
      ...ssh.commands,
    ],
  };
}

export function renderBalancerUserData(options: BalancerUserDataOptions): string {
  return renderCloudConfig(balancerCloudConfig(options));
}
