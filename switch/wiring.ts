import type { Config } from "../core/config";
import { AuditLog } from "./adapters/audit-log";
import { AuthorizedKeysFile } from "./adapters/authorized-keys";
import { BalancerConfigFile } from "./adapters/balancer-config";
import { BalancerKernel } from "./adapters/balancer-kernel";
import { DigitalOceanClient } from "./adapters/do-api";
import { DockerEngine } from "./adapters/docker";
import { GithubDeployments, noDeploymentRecorder } from "./adapters/github-deployments";
import { HaproxyRuntime } from "./adapters/haproxy-runtime";
import { LockDir } from "./adapters/lock-dir";
import { HttpPublicProbe, SshHealthProbe } from "./adapters/probes";
import type { RemoteShell } from "./adapters/shell";
import { SshPool, dropletLabel } from "./adapters/ssh";
import type { Droplet } from "./model";
import { DockerPort, Ports, systemClock } from "./ports";

export interface RunMetadata {
  /** Who runs this, for the lock, labels and audit: user@host, plus the CI job when there is one. */
  readonly who: string;
  /** Commit the deployment is about, for GitHub Deployments. */
  readonly ref: string;
  readonly jobUrl?: string;
  /** The run's redactor: what leaves for another service (GitHub Deployments) is masked like the output. */
  readonly redact?: (text: string) => string;
  /** The same for a structured value, field by field, before it is serialised (every audit entry, whoever writes it). */
  readonly redactData?: <T>(value: T) => T;
}

/** A shell on a droplet that connects on first use, through the run's shared SSH pool. */
function shellOn(pool: SshPool, droplet: Droplet): RemoteShell {
  return { label: dropletLabel(droplet), exec: async (command, stdin) => (await pool.get(droplet)).exec(command, stdin) };
}

/** The real adapters: DigitalOcean over HTTPS, everything on droplets over pinned SSH. */
export function realPorts(config: Config, context: RunMetadata, warn: (line: string) => void): Ports {
  const pool = new SshPool(config.ssh);
  const engines = new Map<number, DockerPort>();
  const github =
    config.github.token && config.github.repository
      ? new GithubDeployments({
          token: config.github.token,
          repository: config.github.repository,
          ref: context.ref,
          environmentUrl: `https://${config.app.domain}`,
          logUrl: context.jobUrl,
          warn,
          redact: context.redact,
        })
      : noDeploymentRecorder;
  return {
    digitalocean: new DigitalOceanClient({ baseUrl: config.digitalocean.apiUrl, token: config.digitalocean.token ?? "" }),
    docker: (droplet) => {
      let engine = engines.get(droplet.id);
      if (!engine) engines.set(droplet.id, (engine = new DockerEngine(droplet, pool)));
      return engine;
    },
    health: new SshHealthProbe(pool, config),
    publicProbe: new HttpPublicProbe(),
    haproxy: (balancer) => new HaproxyRuntime(shellOn(pool, balancer), config),
    lock: (balancer) => new LockDir(shellOn(pool, balancer), config.stateDir),
    balancerConfig: (balancer) => new BalancerConfigFile(shellOn(pool, balancer), config),
    balancerKernel: (balancer) => new BalancerKernel(shellOn(pool, balancer), { file: config.haproxy.sysctlFile, user: config.ssh.user }),
    authorizedKeys: (droplet) => new AuthorizedKeysFile(shellOn(pool, droplet), config.ssh.authorizedKeysFile),
    audit: (balancer) => new AuditLog(shellOn(pool, balancer), config.stateDir, context.redactData),
    deployments: github,
    clock: systemClock,
    close: () => pool.closeAll(),
  };
}
