import { CloudConfig, renderCloudConfig } from "./cloud-config";
import { sshPortFiles, sshPortCommands } from "./ssh-port";

export interface WorkerUserDataOptions {
  /** Port sshd listens on; anything but 22 adds an sshd drop-in. @default 22 */
  readonly sshPort?: number;
}

/**
 * Worker droplets only need a Docker engine: the switch starts, checks and stops the app's
 * containers through the Docker API over SSH, so no app container is started here.
 */
export function workerCloudConfig(options: WorkerUserDataOptions = {}): CloudConfig {
  const sshPort = options.sshPort ?? 22;
  return {
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
      ...sshPortFiles(sshPort),
    ],
    runcmd: [["systemctl", "enable", "--now", "docker"], ...sshPortCommands(sshPort)],
  };
}

export function renderWorkerUserData(options: WorkerUserDataOptions = {}): string {
  return renderCloudConfig(workerCloudConfig(options));
}
