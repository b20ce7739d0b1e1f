import { isRevoked, knownHostsName, parseKnownHosts, pinnedKeysFor } from "../../switch/adapters/known-hosts";

/** One droplet's host keys as a scan right after the apply saw them. */
export interface ScannedDroplet {
  readonly host: string;
  /** Whether this deploy's apply created the droplet: only then is a scanned key trusted without a pin. */
  readonly createdByThisDeploy: boolean;
  readonly keys: readonly { readonly type: string; readonly base64: string }[];
}

export interface HostKeyRefusal {
  readonly host: string;
  readonly reason: string;
  readonly fix: string;
}

/** What to pin: the lines to add to the known_hosts the switch jobs receive, and the droplets refused. */
export interface HostKeyPins {
  readonly add: readonly string[];
  readonly refused: readonly HostKeyRefusal[];
}

/**
 * Decides, without side effects, which scanned host keys become pins. Keys already pinned stay authoritative: a
 * droplet whose pinned key is among the scanned ones adds nothing, and one whose scan shows only other keys is
 * refused. A droplet without a pin is trusted on its scan only when this deploy just created it.
 */
export function planHostKeyPins(pinnedText: string, port: number, scans: readonly ScannedDroplet[]): HostKeyPins {
  const pins = parseKnownHosts(pinnedText);
  const add: string[] = [];
  const refused: HostKeyRefusal[] = [];
  for (const droplet of scans) {
    const keys = droplet.keys.map((k) => ({ ...k, buffer: Buffer.from(k.base64, "base64") }));
    const pinned = pinnedKeysFor(pins, droplet.host, port);
    const refuse = (reason: string, fix: string) => refused.push({ host: droplet.host, reason, fix });
    if (keys.length === 0) refuse(`the scan of ${droplet.host} returned no host key`, `check that sshd on ${droplet.host} answers on port ${port} from this runner (DO_SSH_ALLOWED_CIDRS), then run the deploy again`);
    else if (keys.some((k) => isRevoked(pins, k.buffer))) refuse(`${droplet.host} presents a revoked host key (an @revoked line in SSH_KNOWN_HOSTS)`, `rebuild the droplet, or remove the @revoked line if it is wrong`);
    else if (pinned.length > 0) {
      if (!keys.some((k) => pinned.some((p) => p.equals(k.buffer))))
        refuse(
          `the host key of ${droplet.host} does not match the pinned key (the droplet was rebuilt, or someone is in the middle)`,
          `if the droplet was rebuilt, replace its line in SSH_KNOWN_HOSTS with: ssh-keyscan -p ${port} -t ed25519 ${droplet.host}`,
        );
    } else if (!droplet.createdByThisDeploy)
      refuse(
        `no host key is pinned for ${droplet.host}, and this deploy did not create it, so its scan is not trusted`,
        `pin it once by hand: ssh-keyscan -p ${port} -t ed25519 ${droplet.host} >> known_hosts (SSH_KNOWN_HOSTS / SSH_KNOWN_HOSTS_FILE)`,
      );
    else add.push(...keys.map((k) => `${knownHostsName(droplet.host, port)} ${k.type} ${k.base64}`));
  }
  return { add, refused };
}
