import { CloudConfig, renderCloudConfig } from "./cloud-config";
import { sshAccess } from "./ssh-port";

export interface WorkerUserDataOptions {
  /** Port sshd listens on. @default 22 */
  readonly sshPort?: number;
  /** The deploy user (SSH_USER): created with the account's SSH keys, in the docker group. @default "deploy" */
  readonly deployUser?: string;
}

/**
 * Worker droplets only need a Docker engine: the switch starts, checks and stops the app's
 * containers through the Docker API over SSH, so no app container is started here.
 * The switch logs in as the deploy user, whose docker group membership reaches the engine's socket.
 * First boot only: the stack ignores later changes to user_data (they would replace the droplet).
 */
export function workerCloudConfig(options: WorkerUserDataOptions = {}): CloudConfig {
  const ssh = sshAccess({ user: options.deployUser, groups: ["docker"], port: options.sshPort });
  return {
    ...ssh.settings,
    users: [ssh.user],
    package_update: true,
    packages: ["docker.io"],
    write_files: [
      {
        path: "/etc/docker/daemon.json",
        // live-restore keeps the app serving while dockerd restarts (e.g. on a docker.io upgrade);
        // the "local" log driver rotates logs so a chatty app cannot fill the disk.
        content: JSON.stringify({ "live-restore": true, "log-driver": "local" }, null, 2) + "\n",
        permissions: "0644",
      },
      ...ssh.files,
    ],
    runcmd: [["systemctl", "enable", "--now", "docker"], ...ssh.commands],
  };
}

export function renderWorkerUserData(options: WorkerUserDataOptions = {}): string {
  return renderCloudConfig(workerCloudConfig(options));
}
