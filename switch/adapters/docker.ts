import Docker from "dockerode";
import { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { Redactor } from "../../core/redact";
import { DockerError, MissingCommandError, RegistryError } from "../errors";
import { digestName, parseImageRef } from "../image-ref";
import { AppContainer, Droplet, LABEL } from "../model";
import type { ContainerSpec, DockerPort, LogQuery, Mount, OneOffIo, OneOffResult, OneOffSpec, PulledImage, RegistryAuth, RuntimeSpec } from "../ports";
import { DialStdioAgent } from "./dial-stdio-agent";
import { SshPool, dropletLabel } from "./ssh";

/** Marks a one-off (a hook, `exec`) with the id of the app container it ran beside; never `do-bluegreen.app`, so no listing takes it for the app. */
/** Lines of a one-off's output kept in its result (for an error message). */
export const ONE_OFF_TAIL_LINES = 30;
/** After the container exits, how long its last output may take to arrive before the result is returned without it. */
const OUTPUT_GRACE_MS = 2000;

interface EngineError extends Error {
  statusCode?: number;
  json?: { message?: string };
}

const messageOf = (e: unknown) => {
  const err = e as EngineError;
  return (err.json?.message ?? err.message ?? String(e)).trim();
};

/** Masks the values of a container's NAME=value lines: the engine's own messages may quote a spec back. */
function envRedactor(env: readonly string[]): Redactor {
  return new Redactor(env.map((line) => line.slice(line.indexOf("=") + 1)));
}

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

/**
 * A command the image cannot run, from what the engine said on start (runc: `exec: "x": executable file not found
 * in $PATH`, `exec: "/x": stat /x: no such file or directory`, `exec: "/x": permission denied`) or what docker-init
 * (tini, PID 1 with Init) printed before exiting 127/126 (`[FATAL tini (7)] exec x failed: No such file or directory`).
 * Undefined when the message is about something else.
 */
export function missingCommandError(image: string, command: readonly string[], message: string): MissingCommandError | undefined {
  const runc = /exec: \\?"([^"\\]*)\\?": (executable file not found|stat [^:]*: no such file or directory|no such file or directory|permission denied)/i.exec(message);
  const tini = /\[FATAL tini \(\d+\)\] exec (\S+) failed: (No such file or directory|Permission denied)/.exec(message);
  const found = runc ?? tini;
  if (!found) return undefined;
  const [, program, reason] = found;
  const wanted = JSON.stringify(command.join(" "));
  if (/permission denied/i.test(reason))
    return new MissingCommandError(
      `cannot run ${wanted}: ${program} is not executable in image ${image} (${reason.toLowerCase()})`,
      `make it executable in the Dockerfile (RUN chmod +x ${program}) and deploy that image, or run another command`,
    );
  return new MissingCommandError(
    `cannot run ${wanted}: image ${image} has no ${program} (${/not found/i.test(reason) ? "not found in $PATH" : "no such file"})`,
    `run a command the image contains (its own binaries, e.g. sh if it has a shell), or add ${program} to the image and deploy it`,
  );
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

/** `source:target`, plus `:ro` when read-only: a named volume or a host path (Binds takes both). */
export function bindsOf(mounts: readonly Mount[]): string[] {
  return mounts.map((m) => `${m.source}:${m.target}${m.readOnly ? ":ro" : ""}`);
}

/** What every container of a release shares: host network, docker-init as PID 1, mounts, limits and the log driver. */
function runtimeHostConfig(spec: RuntimeSpec): Docker.HostConfig {
  return {
    NetworkMode: "host",
    Init: true,
    Binds: bindsOf(spec.mounts),
    ...(spec.memoryBytes !== undefined ? { Memory: Math.round(spec.memoryBytes) } : {}),
    ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
    LogConfig: { Type: spec.log.driver, Config: { ...spec.log.options } },
  };
}

/** The app container's create options: the whole spec, restarted by Docker unless we stop it. */
export function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  return {
    name: spec.name,
    Image: spec.image,
    Env: [...spec.env],
    Labels: { ...spec.labels },
    ...(spec.command ? { Cmd: [...spec.command] } : {}),
    StopTimeout: spec.stopTimeoutSeconds,
    HostConfig: { ...runtimeHostConfig(spec), RestartPolicy: { Name: "unless-stopped" } },
  };
}

type Attach = Pick<OneOffIo, "stdin" | "tty">;

/** Stdout and stderr always; stdin (and a TTY) only when asked for. */
function attachConfig(io: Attach): Pick<Docker.ContainerCreateOptions, "Tty" | "OpenStdin" | "StdinOnce" | "AttachStdin" | "AttachStdout" | "AttachStderr"> {
  const stdin = !!io.stdin;
  return { Tty: !!io.tty, OpenStdin: stdin, StdinOnce: stdin, AttachStdin: stdin, AttachStdout: true, AttachStderr: true };
}

/** A one-off's create options: the release's runtime settings, its command, never restarted, never labelled as the app. */
export function oneOffOptions(spec: OneOffSpec, io: Attach = {}): Docker.ContainerCreateOptions {
  const { [LABEL.app]: _app, ...labels } = spec.labels;
  return {
    name: spec.name,
    Image: spec.image,
    Env: [...spec.env],
    Labels: labels,
    Cmd: [...spec.command],
    ...attachConfig(io),
    HostConfig: { ...runtimeHostConfig(spec), RestartPolicy: { Name: "no" } },
  };
}

/**
 * A one-off beside a running app container: exactly its release (the image id it runs, not a tag that may have
 * moved), its environment, binds, limits and log driver. Labels: only LABEL.oneOff, so it is never taken for the app.
 */
export function besideOptions(app: Docker.ContainerInspectInfo, name: string, command: readonly string[], io: Attach = {}): Docker.ContainerCreateOptions {
  const host = app.HostConfig;
  return {
    name,
    Image: app.Image,
    Env: [...(app.Config.Env ?? [])],
    Labels: { [LABEL.oneOff]: app.Id },
    Cmd: [...command],
    ...attachConfig(io),
    HostConfig: {
      NetworkMode: "host",
      Init: true,
      RestartPolicy: { Name: "no" },
      Binds: [...(host.Binds ?? [])],
      ...(host.Memory ? { Memory: host.Memory } : {}),
      ...(host.NanoCpus ? { NanoCpus: host.NanoCpus } : {}),
      ...(host.LogConfig ? { LogConfig: host.LogConfig } : {}),
    },
  };
}

/** The engine's log options; `since` (Unix seconds) and `tail` only when given (Docker's defaults: everything). */
export function logsOptions(query: LogQuery): Docker.ContainerLogsOptions {
  return {
    follow: query.follow,
    stdout: true,
    stderr: true,
    timestamps: false,
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.tail !== undefined ? { tail: query.tail } : {}),
  };
}

/** The last `lines` lines of `text` (without a trailing newline). */
export function lastLinesOf(text: string, lines = ONE_OFF_TAIL_LINES): string {
  return text.replace(/\r?\n$/, "").split("\n").slice(-lines).join("\n");
}

/** What demuxStream writes to: bytes decoded as UTF-8 (a character split across frames stays whole); `end` emits what is left. */
function textWriter(emit: (text: string) => void): { writable: Writable; write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder("utf8");
  const write = (chunk: Buffer) => {
    const text = decoder.write(chunk);
    if (text) emit(text);
  };
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      write(chunk);
      callback();
    },
  });
  return {
    writable,
    write,
    end: () => {
      const rest = decoder.end();
      if (rest) emit(rest);
    },
  };
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise.then(() => undefined, () => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(() => clearTimeout(timer));
}

function ended(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("close", resolve);
    stream.once("error", () => resolve());
  });
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
 * The Docker Engine API of one worker: `docker system dial-stdio` sessions on the run's SSH connection to it, kept
 * alive between calls (DialStdioAgent). Host keys are pinned as for every other SSH connection; the pool's connection
 * is opened first so an unreachable droplet or a wrong host key fails with a clear message rather than a socket error.
 */
export class DockerEngine implements DockerPort {
  private readonly docker: Docker;
  private readonly label: string;

  constructor(private readonly droplet: Droplet, private readonly pool: SshPool) {
    const agent = new DialStdioAgent(async () => (await pool.get(droplet)).execStream("docker system dial-stdio"));
    // Plain HTTP over the agent's sockets: the host name is only the request's Host header.
    this.docker = new Docker({ protocol: "http", host: "docker", port: 80, agent } as Docker.DockerOptions);
    this.label = dropletLabel(droplet);
  }

  /**
   * Every engine call goes through here: its failures become one DockerError naming the droplet. `env()`: the
   * NAME=value lines in play, whose values are masked in every message (the engine may quote a spec back).
   */
  private async call<T>(what: string, fn: () => Promise<T>, env: () => readonly string[] = () => []): Promise<T> {
    await this.pool.get(this.droplet);
    try {
      return await fn();
    } catch (error) {
      const lines = env();
      const secrets = lines.length > 0 ? envRedactor(lines) : undefined;
      if (error instanceof RegistryError) throw error;
      if (error instanceof DockerError) throw secrets ? new DockerError(secrets.redact(error.message), secrets.redact(error.fix)) : error;
      const message = `Docker on ${this.label} failed to ${what} (${messageOf(error)})`;
      throw new DockerError(secrets ? secrets.redact(message) : message, "check that Docker runs on the droplet (systemctl status docker) and re-run");
    }
  }

  listAppContainers(appName: string): Promise<AppContainer[]> {
    return this.call("list containers", async () => {
      const list = await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${LABEL.app}=${appName}`] }) });
      const infos = await Promise.all(list.map((c) => this.docker.getContainer(c.Id).inspect()));
      return infos.map(toContainer).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    });
  }

  pull(image: string, auth?: RegistryAuth, options: { readonly timeoutMs?: number } = {}): Promise<PulledImage> {
    const ref = parseImageRef(image);
    return this.call(`pull ${ref.raw}`, async () => {
      let stream: NodeJS.ReadableStream | undefined;
      let timer: NodeJS.Timeout | undefined;
      // At the timeout the progress stream is destroyed: closing the connection makes the engine cancel the pull.
      const timedOut = new Promise<never>((_, reject) => {
        if (!options.timeoutMs) return;
        timer = setTimeout(() => {
          (stream as Partial<Readable> | undefined)?.destroy?.();
          reject(
            new RegistryError(
              `pulling ${ref.raw} took longer than ${Math.round(options.timeoutMs! / 1000)} s (SWITCH_PULL_TIMEOUT_SECONDS) and was stopped`,
              "check that the droplet reaches the registry quickly (a slow link, a huge image), or raise SWITCH_PULL_TIMEOUT_SECONDS",
            ),
          );
        }, options.timeoutMs);
      });
      const pulled = (async () => {
        try {
          stream = await this.docker.pull(ref.raw, auth ? { authconfig: auth } : {});
        } catch (error) {
          throw pullError(ref.raw, messageOf(error));
        }
        // The engine reports most failures inside the progress stream, not as an HTTP error.
        await new Promise<void>((resolve, reject) => {
          this.docker.modem.followProgress(stream!, (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
            if (err) return reject(pullError(ref.raw, err.message));
            const failed = output.find((e) => e.error || e.errorDetail);
            if (failed) return reject(pullError(ref.raw, failed.errorDetail?.message ?? failed.error ?? "unknown error"));
            resolve();
          });
        });
      })();
      pulled.catch(() => undefined);
      try {
        await Promise.race([pulled, timedOut]);
      } finally {
        clearTimeout(timer);
      }
      const info = await this.docker.getImage(ref.raw).inspect();
      const name = digestName(ref);
      const digest = info.RepoDigests?.find((d) => d.startsWith(`${name}@`)) ?? info.RepoDigests?.[0] ?? info.Id;
      return { id: info.Id, digest, versionLabel: info.Config?.Labels?.["org.opencontainers.image.version"] };
    });
  }

  rename(id: string, name: string): Promise<void> {
    return this.call(`rename ${id.slice(0, 12)} to ${name}`, async () => void (await this.docker.getContainer(id).rename({ name })));
  }

  run(spec: ContainerSpec): Promise<string> {
    return this.call(
      `start ${spec.name}`,
      async () => {
        const container = await this.docker.createContainer(createOptions(spec));
        try {
          await container.start();
        } catch (error) {
          throw (spec.command && missingCommandError(spec.image, spec.command, messageOf(error))) || error;
        }
        return container.id;
      },
      () => spec.env,
    );
  }

  runOnce(spec: OneOffSpec, io: OneOffIo = {}): Promise<OneOffResult> {
    return this.call(`run ${spec.name} (${spec.command.join(" ")})`, () => this.runToEnd(oneOffOptions(spec, io), spec.image, spec.command, io), () => spec.env);
  }

  runBeside(id: string, name: string, command: readonly string[], io: OneOffIo = {}): Promise<OneOffResult> {
    let env: readonly string[] = [];
    return this.call(
      `run ${name} (${command.join(" ")}) beside ${id.slice(0, 12)}`,
      async () => {
        const app = await this.docker.getContainer(id).inspect();
        env = app.Config.Env ?? [];
        const shown = `${app.Config.Labels?.[LABEL.image] ?? app.Config.Image} (${app.Image.slice(0, 19)})`;
        return this.runToEnd(besideOptions(app, name, command, io), shown, command, io);
      },
      () => env,
    );
  }

  /** Create, attach, start, wait, and always remove: the one-off leaves nothing behind, whatever happened. */
  private async runToEnd(options: Docker.ContainerCreateOptions, image: string, command: readonly string[], io: OneOffIo): Promise<OneOffResult> {
    const container = await this.docker.createContainer(options);
    try {
      return await this.attachStartWait(container, image, command, io);
    } finally {
      // A failed removal must not hide the command's own result or error; the container is labelled, never taken for the app.
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  private async attachStartWait(container: Docker.Container, image: string, command: readonly string[], io: OneOffIo): Promise<OneOffResult> {
    const stdin = io.stdin;
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, stdin: !!stdin, hijack: !!stdin });
    const done = ended(stream);
    let output = "";
    const emit = (kind: "stdout" | "stderr") => (text: string) => {
      output = (output + text).slice(-64 * 1024);
      io.onOutput?.(text, kind);
    };
    const out = textWriter(emit("stdout"));
    const err = textWriter(emit("stderr"));
    // A TTY has one raw stream; otherwise Docker frames stdout and stderr apart.
    if (io.tty) stream.on("data", (chunk: Buffer) => out.write(chunk));
    else this.docker.modem.demuxStream(stream, out.writable, err.writable);
    if (stdin) stdin.pipe(stream as NodeJS.WritableStream);

    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => void container.kill().catch(() => undefined);
    let status: number;
    try {
      try {
        await container.start();
      } catch (error) {
        throw missingCommandError(image, command, messageOf(error)) ?? error;
      }
      if (io.timeoutMs !== undefined)
        timer = setTimeout(() => {
          timedOut = true;
          kill();
        }, io.timeoutMs);
      if (io.signal?.aborted) kill();
      io.signal?.addEventListener("abort", kill, { once: true });
      const result = (await container.wait()) as { StatusCode: number };
      status = result.StatusCode;
      await settledWithin(done, OUTPUT_GRACE_MS);
    } finally {
      clearTimeout(timer);
      io.signal?.removeEventListener("abort", kill);
      if (stdin) stdin.unpipe(stream as NodeJS.WritableStream);
      (stream as unknown as Partial<Readable>).destroy?.();
      out.end();
      err.end();
    }
    if (!timedOut && (status === 126 || status === 127)) {
      const missing = missingCommandError(image, command, output);
      if (missing) throw missing;
    }
    return { exitCode: timedOut ? null : status, timedOut, lastLines: lastLinesOf(output) };
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

  streamLogs(id: string, query: LogQuery, sink: (chunk: string, stream: "stdout" | "stderr") => void, signal?: AbortSignal): Promise<void> {
    return this.call(`read logs of ${id.slice(0, 12)}`, async () => {
      if (signal?.aborted) return;
      const container = this.docker.getContainer(id);
      let stream: NodeJS.ReadableStream;
      try {
        stream = query.follow
          ? await container.logs({ ...logsOptions(query), follow: true, abortSignal: signal })
          : Readable.from([await container.logs({ ...logsOptions(query), follow: false, abortSignal: signal })]);
      } catch (error) {
        if (signal?.aborted) return;
        throw error;
      }
      const out = textWriter((text) => sink(text, "stdout"));
      const err = textWriter((text) => sink(text, "stderr"));
      const stop = () => (stream as unknown as Partial<Readable>).destroy?.();
      signal?.addEventListener("abort", stop, { once: true });
      if (signal?.aborted) stop();
      try {
        await new Promise<void>((resolve, reject) => {
          stream.once("end", resolve);
          stream.once("close", resolve);
          stream.once("error", (e) => (signal?.aborted ? resolve() : reject(e)));
          this.docker.modem.demuxStream(stream, out.writable, err.writable);
        });
      } finally {
        signal?.removeEventListener("abort", stop);
        out.end();
        err.end();
      }
    });
  }
}

/** 304: already started / already stopped. */
function notModified(error: EngineError): void {
  if (error.statusCode !== 304) throw error;
}
