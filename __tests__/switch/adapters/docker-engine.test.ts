import type Docker from "dockerode";
import Modem from "docker-modem";
import { PassThrough } from "node:stream";
import { DockerEngine } from "../../../switch/adapters/docker";
import { DockerError } from "../../../switch/errors";
import { LABEL } from "../../../switch/model";
import type { OneOffSpec } from "../../../switch/ports";

/** DockerEngine's flow (create, attach, start, wait, kill, remove) over a scripted engine: no SSH, no Docker. */

const frame = (stream: 1 | 2, payload: string | Buffer) => {
  const bytes = Buffer.from(payload);
  const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32BE(bytes.length, 4);
  return Buffer.concat([header, bytes]);
};

interface Script {
  /** What the attached stream carries once started (frames, or raw text for a TTY). */
  output?: Buffer[];
  exitCode?: number;
  /** Never exits on its own: only a kill ends it (exit 137). */
  hangs?: boolean;
  startError?: string;
  createError?: string;
}

function scriptedEngine(script: Script) {
  const calls: string[] = [];
  const created: Docker.ContainerCreateOptions[] = [];
  let exit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const attached = new PassThrough();
  const container = {
    id: "one-off-id",
    attach: async (options: Docker.ContainerAttachOptions) => (calls.push(`attach stdin=${!!options.stdin}`), attached),
    start: async () => {
      calls.push("start");
      if (script.startError) throw Object.assign(new Error(`(HTTP code 400) unexpected - ${script.startError}`), { statusCode: 400, json: { message: script.startError } });
      for (const chunk of script.output ?? []) attached.write(chunk);
      if (!script.hangs) setTimeout(() => exit(script.exitCode ?? 0), 5);
    },
    wait: async () => {
      calls.push("wait");
      const StatusCode = await exited;
      attached.end();
      return { StatusCode };
    },
    kill: async () => {
      calls.push("kill");
      exit(137);
    },
    remove: async (options: { force?: boolean }) => void calls.push(`remove force=${!!options.force}`),
  };
  const docker = {
    modem: new Modem({ socketPath: "/nonexistent/docker.sock" }),
    createContainer: async (options: Docker.ContainerCreateOptions) => {
      calls.push("create");
      created.push(options);
      if (script.createError) throw Object.assign(new Error(script.createError), { statusCode: 400, json: { message: script.createError } });
      return container;
    },
    getContainer: () => ({
      inspect: async () => ({
        Id: "app-id-0123456789",
        Image: "sha256:" + "cd".repeat(32),
        Config: { Image: "registry.test/web:v2", Env: ["PORT=8080", "API_KEY=k3y-abcdef"], Labels: { [LABEL.app]: "web", [LABEL.image]: "registry.test/web:v2" } },
        HostConfig: { Binds: ["uploads:/u"], Memory: 0, NanoCpus: 0, LogConfig: { Type: "json-file", Config: {} } },
      }),
    }),
  };
  // The engine's private fields, set by hand: its constructor would build an SSH transport.
  const engine: DockerEngine = Object.assign(Object.create(DockerEngine.prototype), {
    docker,
    label: "web-blue (198.18.1.11)",
    droplet: { id: 1, name: "web-blue", tags: ["PROD"], region: "nyc3", publicIp: "198.18.1.11" },
    pool: { get: async () => undefined },
  });
  return { engine, calls, created };
}

const spec = (command: string[], env = ["PORT=8080"]): OneOffSpec => ({
  name: "web-hook-1",
  image: "registry.test/web:v2",
  env,
  mounts: [],
  log: { driver: "json-file", options: {} },
  labels: {},
  command,
});

describe("DockerEngine one-offs", () => {
  it("GIVEN a command that prints and exits 3 WHEN run THEN output streams as it arrives, split by stream, exit 3, and the container is removed", async () => {
    const { engine, calls } = scriptedEngine({ output: [frame(1, "migrating\n"), frame(2, "warning: slow\n"), frame(1, "done\n")], exitCode: 3 });
    const chunks: string[] = [];
    const result = await engine.runOnce(spec(["bin/migrate"]), { onOutput: (text, stream) => chunks.push(`${stream}:${text}`) });
    expect(result).toEqual({ exitCode: 3, timedOut: false, lastLines: "migrating\nwarning: slow\ndone" });
    expect(chunks).toEqual(["stdout:migrating\n", "stderr:warning: slow\n", "stdout:done\n"]);
    expect(calls).toEqual(["create", "attach stdin=false", "start", "wait", "remove force=true"]);
  });

  it("GIVEN a character split across two frames WHEN streamed THEN it arrives whole", async () => {
    const euro = Buffer.from("€\n");
    const { engine } = scriptedEngine({ output: [frame(1, euro.subarray(0, 1)), frame(1, euro.subarray(1))] });
    const chunks: string[] = [];
    await engine.runOnce(spec(["x"]), { onOutput: (text) => chunks.push(text) });
    expect(chunks.join("")).toBe("€\n");
  });

  it("GIVEN a command that never ends WHEN its timeout passes THEN it is killed, reported timed out with no exit code, and removed", async () => {
    const { engine, calls } = scriptedEngine({ output: [frame(1, "waiting for the database\n")], hangs: true });
    const result = await engine.runOnce(spec(["bin/wait-for-db"]), { timeoutMs: 20 });
    expect(result).toEqual({ exitCode: null, timedOut: true, lastLines: "waiting for the database" });
    expect(calls).toEqual(["create", "attach stdin=false", "start", "wait", "kill", "remove force=true"]);
  });

  it("GIVEN a running command WHEN its signal aborts (Ctrl-C) THEN it is killed and its exit code is the engine's", async () => {
    const { engine, calls } = scriptedEngine({ hangs: true });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 10);
    expect(await engine.runOnce(spec(["sleep", "1000"]), { signal: stop.signal })).toMatchObject({ exitCode: 137, timedOut: false });
    expect(calls).toContain("kill");
    expect(calls[calls.length - 1]).toBe("remove force=true");
  });

  it.each([
    ["the engine refuses to start it", { startError: 'OCI runtime create failed: unable to start container process: exec: "rake": executable file not found in $PATH: unknown' }],
    ["docker-init exits 127", { output: [frame(2, "[FATAL tini (7)] exec rake failed: No such file or directory\n")], exitCode: 127 }],
  ])("GIVEN a command the image lacks and %s WHEN run THEN a DockerError names it, and the container is still removed", async (_n, script) => {
    const { engine, calls } = scriptedEngine(script);
    const error = await engine.runOnce(spec(["rake", "db:migrate"])).catch((e) => e);
    expect(error).toBeInstanceOf(DockerError);
    expect(error.oneLine()).toMatch(/cannot run "rake db:migrate": image registry.test\/web:v2 has no rake .* fix: /);
    expect(calls[calls.length - 1]).toBe("remove force=true");
  });

  it("GIVEN the engine quotes the spec's env back in an error WHEN it fails THEN the env values are masked", async () => {
    const { engine } = scriptedEngine({ createError: "invalid environment: DATABASE_URL=postgres://app:hunter2-pw@db/app is malformed" });
    const error = await engine.runOnce(spec(["true"], ["DATABASE_URL=postgres://app:hunter2-pw@db/app"])).catch((e) => e);
    expect(error).toBeInstanceOf(DockerError);
    expect(error.oneLine()).not.toContain("hunter2");
    expect(error.oneLine()).toMatch(/Docker on web-blue .* failed to run web-hook-1 \(true\) \(invalid environment: DATABASE_URL=\[redacted\] is malformed\)/);
  });

  it("GIVEN an app container WHEN a command runs beside it THEN the engine gets its image id, env and binds, and only the one-off label", async () => {
    const { engine, created } = scriptedEngine({ exitCode: 0 });
    await engine.runBeside("app-id-0123456789", "web-exec-1", ["sh", "-c", "env"]);
    expect(created[0]).toMatchObject({ name: "web-exec-1", Image: "sha256:" + "cd".repeat(32), Env: ["PORT=8080", "API_KEY=k3y-abcdef"], Cmd: ["sh", "-c", "env"] });
    expect(created[0].HostConfig).toMatchObject({ Binds: ["uploads:/u"], NetworkMode: "host", RestartPolicy: { Name: "no" } });
    expect(created[0].Labels).toEqual({ [LABEL.oneOff]: "app-id-0123456789" });
  });

  it("GIVEN a command beside the app that the image lacks WHEN run THEN the error names the release, and never its env", async () => {
    const { engine } = scriptedEngine({ startError: 'exec: "psql": executable file not found in $PATH: API_KEY=k3y-abcdef' });
    const error = await engine.runBeside("app-id-0123456789", "web-exec-1", ["psql"]).catch((e) => e);
    expect(error.oneLine()).toMatch(/cannot run "psql": image registry.test\/web:v2 \(sha256:cdcdcdcdcdcd\) has no psql/);
    expect(error.oneLine()).not.toContain("k3y-abcdef");
  });
});

describe("DockerEngine log streaming", () => {
  function logsEngine(stream: NodeJS.ReadableStream | Buffer) {
    const seen: Docker.ContainerLogsOptions[] = [];
    const engine: DockerEngine = Object.assign(Object.create(DockerEngine.prototype), {
      docker: {
        modem: new Modem({ socketPath: "/nonexistent/docker.sock" }),
        getContainer: () => ({ logs: async (options: Docker.ContainerLogsOptions) => (seen.push(options), stream) }),
      },
      label: "web-blue",
      droplet: { id: 1 },
      pool: { get: async () => undefined },
    });
    return { engine, seen };
  }

  it("GIVEN past lines WHEN read without follow THEN they reach the sink by stream and it resolves", async () => {
    const { engine, seen } = logsEngine(Buffer.concat([frame(1, "GET / 200\n"), frame(2, "oops\n")]));
    const got: string[] = [];
    await engine.streamLogs("app", { follow: false, tail: 100 }, (text, stream) => got.push(`${stream}:${text}`));
    expect(got).toEqual(["stdout:GET / 200\n", "stderr:oops\n"]);
    expect(seen[0]).toMatchObject({ follow: false, tail: 100, stdout: true, stderr: true, timestamps: false });
  });

  it("GIVEN a follow WHEN the signal aborts THEN the stream is destroyed and it resolves", async () => {
    const live = new PassThrough();
    const { engine } = logsEngine(live);
    const stop = new AbortController();
    const got: string[] = [];
    const done = engine.streamLogs("app", { follow: true, since: 1_795_000_000 }, (text) => got.push(text), stop.signal);
    await new Promise((r) => setTimeout(r, 5));
    live.write(frame(1, "tick\n"));
    await new Promise((r) => setTimeout(r, 5));
    stop.abort();
    await done;
    expect(got).toEqual(["tick\n"]);
    expect(live.destroyed).toBe(true);
  });

  it("GIVEN a follow WHEN the container stops (the stream ends) THEN it resolves", async () => {
    const live = new PassThrough();
    const { engine } = logsEngine(live);
    const done = engine.streamLogs("app", { follow: true }, () => undefined);
    setTimeout(() => live.end(frame(1, "bye\n")), 5);
    await expect(done).resolves.toBeUndefined();
  });
});

describe("DockerEngine pull", () => {
  function pullingEngine(progress: PassThrough, repoDigests: string[] = []) {
    const seen: string[] = [];
    const docker = {
      modem: new Modem({ socketPath: "/nonexistent/docker.sock" }),
      pull: async (image: string) => (seen.push(image), progress),
      getImage: (image: string) => ({ inspect: async () => (seen.push(`inspect ${image}`), { Id: "sha256:" + "ab".repeat(32), RepoDigests: repoDigests, Config: { Labels: {} } }) }),
    };
    const engine: DockerEngine = Object.assign(Object.create(DockerEngine.prototype), {
      docker,
      label: "web-blue (198.18.1.11)",
      droplet: { id: 1, name: "web-blue", tags: ["PROD"], region: "nyc3", publicIp: "198.18.1.11" },
      pool: { get: async () => undefined },
    });
    return { engine, seen };
  }

  it("GIVEN a pull that never ends WHEN its timeout passes THEN its progress stream is closed (the engine cancels the pull) and it fails naming SWITCH_PULL_TIMEOUT_SECONDS", async () => {
    const progress = new PassThrough();
    progress.write(JSON.stringify({ status: "Downloading" }) + "\n");
    const { engine } = pullingEngine(progress);
    await expect(engine.pull("registry.test/web:v2", undefined, { timeoutMs: 30 })).rejects.toThrow(/took longer than 0 s \(SWITCH_PULL_TIMEOUT_SECONDS\) and was stopped/);
    expect(progress.destroyed).toBe(true);
  });

  it.each([
    ["a registry image", "registry.test:5000/acme/web:v2", ["other.example/acme/web@sha256:" + "1".repeat(64), "registry.test:5000/acme/web@sha256:" + "2".repeat(64)], "2"],
    ["a Docker Hub image (familiar name)", "docker.io/acme/web:v2", ["acme/web@sha256:" + "3".repeat(64)], "3"],
    ["an official image", "nginx:1.27", ["nginx@sha256:" + "4".repeat(64)], "4"],
  ])("GIVEN %s WHEN pulled THEN the digest is the one of its own repository", async (_name, image, digests, digit) => {
    const progress = new PassThrough();
    const { engine, seen } = pullingEngine(progress, digests);
    const pulled = engine.pull(image, undefined, { timeoutMs: 5_000 });
    progress.end(JSON.stringify({ status: "Downloaded newer image" }) + "\n");
    expect((await pulled).digest).toMatch(new RegExp(`@sha256:${digit}{64}$`));
    expect(seen[0]).toBe(image);
  });

  it("GIVEN a reference with surrounding spaces WHEN pulled THEN the engine gets the parsed reference, not the raw text", async () => {
    const progress = new PassThrough();
    const { engine, seen } = pullingEngine(progress);
    const pulled = engine.pull("  registry.test/web:v2\n", undefined, {});
    progress.end();
    await pulled;
    expect(seen).toEqual(["registry.test/web:v2", "inspect registry.test/web:v2"]);
  });
});
