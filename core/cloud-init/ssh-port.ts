import { shellQuote } from "../shell-quote";
import { CloudConfig, CloudUser, WriteFile } from "./cloud-config";

/**
 * SSH access to a droplet: sshd's settings and the deploy user, shared by the workers and the balancer.
 * (The file keeps its first name, from when it held only the port drop-in.)
 *
 * - Root login and passwords are off. The one drop-in is named `00-…` because sshd keeps the first value it reads
 *   for a keyword and Debian's sshd_config includes sshd_config.d/*.conf at its top, so no later file
 *   (an image's `50-cloud-init.conf`, say) can turn passwords back on.
 * - The deploy user gets the account's SSH keys (DO_SSH_KEYS) by copying root's authorized_keys, which DigitalOcean's
 *   datasource fills before runcmd runs. So the keys never enter user_data and adding one later replaces nothing.
 */
export const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/00-do-bluegreen.conf";

/** The deploy user's default name (SSH_USER's default). */
export const DEFAULT_DEPLOY_USER = "deploy";

/**
 * Sudo without a password: the deploy user already controls Docker (root-equivalent) on the workers and HAProxy's admin
 * socket on the balancer, and it is the one account a person can log in with now that root cannot.
 */
const DEPLOY_SUDO = "ALL=(ALL) NOPASSWD:ALL";

export interface SshAccessOptions {
  /** The login the switch and people use (SSH_USER). @default "deploy" */
  readonly user?: string;
  /** Groups the user joins once the packages that create them are installed, e.g. docker or haproxy. @default [] */
  readonly groups?: readonly string[];
  /** Port sshd listens on. @default 22 */
  readonly port?: number;
}

export function sshdDropIn(port: number): WriteFile {
  const lines = ["PermitRootLogin no", "PasswordAuthentication no", "KbdInteractiveAuthentication no", ...(port === 22 ? [] : [`Port ${port}`])];
  return { path: SSHD_DROP_IN, content: lines.join("\n") + "\n", permissions: "0644" };
}


/** The cloud-config parts that give SSH access: merge them into a droplet's document. */
export function sshAccess(options: SshAccessOptions = {}): {
  readonly settings: Pick<CloudConfig, "disable_root" | "ssh_pwauth">;
  readonly user: CloudUser;
  readonly files: WriteFile[];
  /** For runcmd, after the packages are installed (so their groups exist). */
  readonly commands: string[][];
} {
  const user = options.user ?? DEFAULT_DEPLOY_USER;
  const groups = options.groups ?? [];
  const home = `/home/${user}`;
  const [u, ssh] = [shellQuote(user), shellQuote(`${home}/.ssh`)];
  const copyKeys = [
    "test -s /root/.ssh/authorized_keys",
    `install -d -m 0700 -o ${u} -g ${u} ${ssh}`,
    `install -m 0600 -o ${u} -g ${u} /root/.ssh/authorized_keys ${shellQuote(`${home}/.ssh/authorized_keys`)}`,
  ].join(" && ");
  return {
    settings: { disable_root: false, ssh_pwauth: false },
    user: { name: user, shell: "/bin/bash", lock_passwd: true, sudo: DEPLOY_SUDO },
    files: [sshdDropIn(options.port ?? 22)],
    commands: [...(groups.length > 0 ? [["usermod", "-aG", groups.join(","), user]] : []), ["sh", "-c", copyKeys], ["systemctl", "restart", "ssh"]],
  };
}
