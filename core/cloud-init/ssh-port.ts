import { WriteFile } from "./cloud-config";

const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/do-bluegreen-port.conf";

/** Debian's sshd_config includes sshd_config.d/*.conf, so a drop-in moves sshd without editing the packaged file. */
export function sshPortFiles(port: number): WriteFile[] {
  return port === 22 ? [] : [{ path: SSHD_DROP_IN, content: `Port ${port}\n`, permissions: "0644" }];
}

export function sshPortCommands(port: number): string[][] {
  return port === 22 ? [] : [["systemctl", "restart", "ssh"]];
}
