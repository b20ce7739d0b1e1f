import Docker from "dockerode";
import { DockerError, RegistryError } from "../errors";
import { AppContainer, Droplet, LABEL } from "../model";
import type { ContainerSpec, DockerPort, PulledImage, RegistryAuth } from "../ports";
import { SshPool, SshSettings, connectConfig, dropletLabel, hostCheck } from "./ssh";

interface EngineError extends Error {
  statusCode?: number;
  json?: { message?: string };
}

const messageOf = (e: unknown) => {
  const err = e as EngineError;
  return (err.json?.message ?? err.message ?? String(e)).trim();
};

/** Registry trouble gets its own message: it is the most common reason a deploy cannot start. */
export function pullError(image: string, message: string): RegistryError {
  if (/unauthorized|authentication required|denied|no basic auth|forbidden|401|403/i.test(message))
    return new RegistryError(
      `the registry denied access to ${image} (${message})`,
      "check CI_REGISTRY, CI_REGISTRY_USER and CI_REGISTRY_PASSWORD (a deploy token with read_registry)",
    );
  if (/manifest unknown|not found|does not exist|no such image/i.test(message))
    return new RegistryError(`image ${image} not found in the registry (${message})`, "push it first (the pipeline's build job) or fix the tag");
  return new RegistryError(`pulling ${image} failed (${message})`, "check that the droplet can reach the registry, then re-run");
}

/** Docker's multiplexed log stream: 8-byte frame headers (stream, 0, 0, 0, size32) before each chunk. */
export function demuxLogs(buffer: Buffer): string {
  let out = "";
  let offset = 0;
  while (offset + 8 <= buffer.length && buffer[offset] <= 2 && buffer[offset + 1] === 0) {
    const size = buffer.readUInt32BE(offset + 4);
    out += buffer.subarray(offset + 8, offset + 8 + size).toString("utf8");
    offset += 8 + size;
  }
  return offset === 0 ? buffer.toString("utf8") : out;
}

function toContainer(info: Docker.ContainerInspectInfo): AppContainer {
  const labels = info.Config.Labels ?? {};
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ""),
    image: labels[LABEL.image] ?? info.Config.Image,
    imageId: info.Image,
    digest: labels[LABEL.digest] ?? "",
    version: labels[LABEL.version] ?? "",
    running: info.State.Running && !info.State.Restarting,
    state: info.State.Restarting ? "restarting" : info.State.Status,
    exitCode: info.State.Running && !info.State.Restarting ? undefined : info.State.ExitCode,
    restartCount: info.RestartCount,
    dockerHealth: info.State.Health?.Status,
    createdAt: info.Created,
    labels,
  };
}

/**
 * The Docker Engine API of one worker through dockerode's SSH transport (`docker system dial-stdio` on the droplet).
 * Host keys are pinned as for every other SSH connection; the pool's connection is opened first so an unreachable
 * droplet or a wrong host key fails with a clear message rather than a socket error.
 */
export class DockerEngine implements DockerPort {
  private readonly docker: Docker;
  private readonly label: string;

  constructor(private readonly droplet: Droplet, settings: SshSettings, private readonly pool: SshPool) {
    const { host, port, username, ...sshOptions } = connectConfig(settings, droplet.publicIp, hostCheck(settings, droplet.publicIp));
    this.docker = new Docker({ protocol: "ssh", host, port, username, sshOptions } as Docker.DockerOptions);
    this.label = dropletLabel(droplet);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    await this.pool.get(this.droplet);
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DockerError || error instanceof RegistryError) throw error;
      throw new DockerError(`Docker on ${this.label} failed to ${what} (${messageOf(error)})`, "check that Docker runs on the droplet (systemctl status docker) and re-run");
    }
  }

  listAppContainers(appName: string): Promise<AppContainer[]> {
    return this.call("list containers", async () => {
      const list = await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.app}=${appName}`] }) });
      const infos = await Promise.all(list.map((c) => this.docker.getContainer(c.Id).inspect()));
      return infos.map(toContainer).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    });
  }

  pull(image: string, auth?: RegistryAuth): Promise<PulledImage> {
    return this.call(`pull ${image}`, async () => {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await this.docker.pull(image, auth ? { authconfig: auth } : {});
      } catch (error) {
        throw pullError(image, messageOf(error));
      }
      // The engine reports most failures inside the progress stream, not as an HTTP error.
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
          if (err) return reject(pullError(image, err.message));
          const failed = output.find((e) => e.error || e.errorDetail);
          if (failed) return reject(pullError(image, failed.errorDetail?.message ?? failed.error ?? "unknown error"));
          resolve();
        });
      });
      const info = await this.docker.getImage(image).inspect();
      const repo = image.replace(/[@:][^/]*$/, "");
      const digest = info.RepoDigests?.find((d) => d.startsWith(`${repo}@`)) ?? info.RepoDigests?.[0] ?? info.Id;
      return { id: info.Id, digest, versionLabel: info.Config?.Labels?.["org.opencontainers.image.version"] };
    });
  }

  run(spec: ContainerSpec): Promise<string> {
    return this.call(`start ${spec.name}`, async () => {
      const container = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Env: [...spec.env],
        Labels: { ...spec.labels },
        StopTimeout: spec.stopTimeoutSeconds,
        HostConfig: { NetworkMode: "host", RestartPolicy: { Name: "unless-stopped" }, Init: true },
      });
      await container.start();
      return container.id;
    });
  }

  start(id: string): Promise<void> {
    return this.call(`start ${id.slice(0, 12)}`, async () => {
      await this.docker.getContainer(id).start().catch(notModified);
    });
  }

  stop(id: string): Promise<void> {
    return this.call(`stop ${id.slice(0, 12)}`, async () => {
      await this.docker.getContainer(id).stop().catch(notModified);
    });
  }

  remove(id: string): Promise<void> {
    return this.call(`remove ${id.slice(0, 12)}`, async () => {
      await this.docker.getContainer(id).remove({ force: true });
    });
  }

  inspect(id: string): Promise<AppContainer> {
    return this.call(`inspect ${id.slice(0, 12)}`, async () => toContainer(await this.docker.getContainer(id).inspect()));
  }

  logs(id: string, tail: number): Promise<string> {
    return this.call(`read logs of ${id.slice(0, 12)}`, async () => {
      const buffer = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
      return demuxLogs(Buffer.isBuffer(buffer) ? buffer : Buffer.from(String(buffer)));
    });
  }
}

/** 304: already started / already stopped. */
function notModified(error: EngineError): void {
  if (error.statusCode !== 304) throw error;
}
