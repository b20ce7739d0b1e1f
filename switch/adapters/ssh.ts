import { Client, ClientChannel, ConnectConfig } from "ssh2";
import type { Duplex } from "node:stream";
import type { Config } from "../../core/config";
import { UsageError } from "../../core/errors";
import { HostKeyMismatchError, SshError } from "../errors";
import type { Droplet } from "../model";
import { isRevoked, parseKnownHosts, pinnedKeysFor } from "./known-hosts";
import type { ExecResult, RemoteShell } from "./shell";

/** What a connection needs (the keys `balancer apply` installs are not its concern). */
export type SshSettings = Pick<Config["ssh"], "user" | "port" | "privateKey" | "knownHosts" | "insecureAcceptAnyHostKey">;

const EXEC_TIMEOUT_MS = 120_000;

/** A host-key check that remembers why it said no, so the error can say "mismatch" rather than "handshake failed". */
export interface HostCheck {
  readonly verify: (key: Buffer) => boolean;
  readonly rejection: () => string | undefined;
}

export function hostCheck(settings: SshSettings, host: string): HostCheck {
  if (settings.insecureAcceptAnyHostKey) return { verify: () => true, rejection: () => undefined };
  const pins = parseKnownHosts(settings.knownHosts);
  const pinned = pinnedKeysFor(pins, host, settings.port);
  let rejection: string | undefined;
  return {
    verify: (key: Buffer) => {
      if (isRevoked(pins, key)) rejection = `the host key of ${host} is revoked (an @revoked line in SSH_KNOWN_HOSTS)`;
      else if (pinned.length === 0) rejection = `no host key is pinned for ${host}`;
      else if (!pinned.some((p) => p.equals(key))) rejection = `the host key of ${host} does not match the pinned key (the droplet was rebuilt, or someone is in the middle)`;
      else return true;
      return false;
    },
    rejection: () => rejection,
  };
}

export function connectConfig(settings: SshSettings, host: string, check: HostCheck): ConnectConfig {
  return {
    host,
    port: settings.port,
    username: settings.user,
    privateKey: settings.privateKey,
    hostVerifier: check.verify,
    readyTimeout: 20_000,
    keepaliveInterval: 10_000,
  };
}

/** Turns ssh2's errors into one line that says what to fix. */
export function sshError(error: Error & { level?: string; code?: string }, label: string, check: HostCheck, settings: SshSettings): Error {
  const rejection = check.rejection();
  if (rejection)
    return new HostKeyMismatchError(
      `refusing ${label}: ${rejection}`,
      `if the droplet was rebuilt, pin its new key: ssh-keyscan -p ${settings.port} -t ed25519 <ip> >> known_hosts (SSH_KNOWN_HOSTS / SSH_KNOWN_HOSTS_FILE)`,
    );
  if (/privateKey|private key/i.test(error.message))
    return new UsageError(`cannot use SSH_PRIVATE_KEY: ${error.message}`, "provide an unencrypted OpenSSH or PEM private key (SSH_PRIVATE_KEY or SSH_PRIVATE_KEY_FILE)");
  if (error.level === "client-authentication")
    return new SshError(`${label} rejected the SSH key (user ${settings.user})`, "install the public half of SSH_PRIVATE_KEY on the droplet (DO_SSH_KEYS) or fix SSH_USER");
  return new SshError(
    `cannot reach ${label} over SSH (${error.code ?? error.message})`,
    `check that the droplet runs, SSH_PORT=${settings.port}, and that DO_SSH_ALLOWED_CIDRS admits this machine`,
  );
}

/** One authenticated SSH connection to a droplet: exec with stdin, and TCP forwarding from the droplet. */
export class SshConnection implements RemoteShell {
  constructor(private readonly client: Client, readonly label: string) {}

  async exec(command: string, stdin?: string): Promise<ExecResult> {
    const stream = await this.execStream(command);
    return new Promise((resolve, reject) => {
      let stdout = "";
      let stderr = "";
      const timer = setTimeout(() => {
        stream.close();
        reject(new SshError(`a command on ${this.label} did not finish within ${EXEC_TIMEOUT_MS / 1000} s`, "check the droplet's load and re-run"));
      }, EXEC_TIMEOUT_MS);
      stream.on("data", (c: Buffer) => (stdout += c.toString()));
      stream.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      stream.on("close", (code: number | null) => {
        clearTimeout(timer);
        resolve({ code: code ?? 255, stdout, stderr });
      });
      stream.end(stdin ?? "");
    });
  }

  /** A command's stdin and stdout as one stream, for as long as the command runs (`docker system dial-stdio`). */
  execStream(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(new SshError(`cannot run a command on ${this.label} (${err.message})`, "re-run; if it persists check sshd's MaxSessions on the droplet"));
        resolve(stream);
      });
    });
  }

  /** A TCP stream to host:port opened by the droplet itself (ssh -L without a local port). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut("127.0.0.1", 0, host, port, (err, stream) => {
        if (err)
          return reject(
            new SshError(`${this.label} cannot open ${host}:${port} (${err.message})`, "check that the app listens there and sshd allows TCP forwarding (AllowTcpForwarding)"),
          );
        resolve(stream);
      });
    });
  }

  end(): void {
    this.client.end();
  }
}

export function dropletLabel(droplet: Droplet): string {
  return `${droplet.name} (${droplet.publicIp})`;
}

/** One connection per droplet for the whole run, opened on first use. */
export class SshPool {
  private readonly connections = new Map<string, Promise<SshConnection>>();

  constructor(private readonly settings: SshSettings) {}

  get(droplet: Droplet): Promise<SshConnection> {
    const host = droplet.publicIp;
    let pending = this.connections.get(host);
    if (!pending) {
      pending = this.connect(host, dropletLabel(droplet));
      // A failed connection is not cached: the next call tries again.
      pending.catch(() => this.connections.delete(host));
      this.connections.set(host, pending);
    }
    return pending;
  }

  private connect(host: string, label: string): Promise<SshConnection> {
    const check = hostCheck(this.settings, host);
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once("ready", () => resolve(new SshConnection(client, label))).once("error", (error) => reject(sshError(error, label, check, this.settings)));
      try {
        client.connect(connectConfig(this.settings, host, check));
      } catch (error) {
        reject(sshError(error as Error, label, check, this.settings));
      }
    });
  }

  async closeAll(): Promise<void> {
    const all = await Promise.allSettled(this.connections.values());
    for (const c of all) if (c.status === "fulfilled") c.value.end();
    this.connections.clear();
  }
}
