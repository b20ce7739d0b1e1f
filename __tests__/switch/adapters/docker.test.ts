import type Docker from "dockerode";
import { Readable } from "node:stream";
import { besideOptions, createOptions, demuxLogs, lastLinesOf, logsOptions, missingCommandError, oneOffOptions, pullError } from "../../../switch/adapters/docker";
import { DockerError } from "../../../switch/errors";
import { LABEL } from "../../../switch/model";
import type { ContainerSpec, LogQuery, OneOffSpec } from "../../../switch/ports";
import { versionOf } from "../../../switch/adapters/probes";

describe("Docker pull errors", () => {
  it.each([
    ["unauthorized: authentication required", /denied access .* fix: check CI_REGISTRY, CI_REGISTRY_USER and CI_REGISTRY_PASSWORD/],
    ["pull access denied for x, repository does not exist or may require 'docker login'", /denied access/],
    ["manifest for 198.18.2.1:5000/demo:nope not found: manifest unknown: manifest unknown", /not found in the registry .* fix: push it first/],
    ['Get "https://198.18.2.1:5000/v2/": dial tcp 198.18.2.1:5000: connect: connection refused', /pulling .* failed .* fix: check that the droplet can reach the registry/],
  ])("GIVEN the engine says %j WHEN classified THEN the one-line error names the cause and the fix", (message, expected) => {
    expect(pullError("198.18.2.1:5000/demo:v9", message).oneLine()).toMatch(expected);
  });
});

describe("Docker log stream", () => {
  it("GIVEN multiplexed stdout and stderr frames WHEN demuxed THEN the text is joined without headers", () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, "listening on :8080\n"), frame(2, "boom\n")]))).toBe("listening on :8080\nboom\n");
  });

  it("GIVEN a TTY container's raw log WHEN demuxed THEN it is returned as is", () => {
    expect(demuxLogs(Buffer.from("plain text\n"))).toBe("plain text\n");
  });
});

describe("what the app says its version is", () => {
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });
  it.each([
    ["an X-App-Version header", { "x-app-version": "v2" }, "{}", "v2"],
    ["a JSON body version", {}, '{"version":"v3","status":"ok"}', "v3"],
    ["a numeric JSON version", {}, '{"version":4}', "4"],
    ["neither", {}, "<html>hello</html>", undefined],
  ])("GIVEN %s WHEN read THEN the version is %s", (_n, h, body, expected) => {
    expect(versionOf(headers(h), body)).toBe(expected);
  });
});

const LOG = { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } };
const APP_SPEC: ContainerSpec = {
  name: "web-1a2b3c4d",
  image: "registry.test/web:v2",
  env: ["PORT=8080", "DATABASE_URL=postgres://app:s3cret-pw@db/app"],
  mounts: [],
  log: LOG,
  labels: { [LABEL.app]: "web" },
  stopTimeoutSeconds: 30,
};

describe("Docker create options of the app container", () => {
  it.each<[string, Partial<ContainerSpec>, object]>([
    ["a named volume", { mounts: [{ source: "uploads", target: "/app/uploads", readOnly: false }] }, { HostConfig: expect.objectContaining({ Binds: ["uploads:/app/uploads"] }) }],
    [
      "a read-only host path beside a volume",
      { mounts: [{ source: "/etc/web", target: "/config", readOnly: true }, { source: "cache", target: "/cache", readOnly: false }] },
      { HostConfig: expect.objectContaining({ Binds: ["/etc/web:/config:ro", "cache:/cache"] }) },
    ],
    ["512 MiB of memory", { memoryBytes: 512 * 1024 * 1024 }, { HostConfig: expect.objectContaining({ Memory: 536870912 }) }],
    ["half a CPU", { cpus: 0.5 }, { HostConfig: expect.objectContaining({ NanoCpus: 500_000_000 }) }],
    ["1.5 CPUs", { cpus: 1.5 }, { HostConfig: expect.objectContaining({ NanoCpus: 1_500_000_000 }) }],
    ["the local log driver", { log: { driver: "local", options: { "max-size": "20m" } } }, { HostConfig: expect.objectContaining({ LogConfig: { Type: "local", Config: { "max-size": "20m" } } }) }],
    ["a command", { command: ["bin/web", "--workers", "4"] }, { Cmd: ["bin/web", "--workers", "4"] }],
  ])("GIVEN %s WHEN translated THEN the engine receives it", (_n, change, expected) => {
    expect(createOptions({ ...APP_SPEC, ...change })).toMatchObject(expected);
  });

  it("GIVEN a spec WHEN translated THEN name, image, env, labels, stop timeout and the fixed host settings are all there", () => {
    expect(createOptions(APP_SPEC)).toEqual({
      name: "web-1a2b3c4d",
      Image: "registry.test/web:v2",
      Env: APP_SPEC.env,
      Labels: { [LABEL.app]: "web" },
      StopTimeout: 30,
      HostConfig: {
        NetworkMode: "host",
        RestartPolicy: { Name: "unless-stopped" },
        Init: true,
        Binds: [],
        LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "5" } },
      },
    });
  });

  it("GIVEN no command, memory or cpus WHEN translated THEN the image's CMD and Docker's unlimited defaults stay", () => {
    const options = createOptions(APP_SPEC);
    expect(options).not.toHaveProperty("Cmd");
    expect(options.HostConfig).not.toHaveProperty("Memory");
    expect(options.HostConfig).not.toHaveProperty("NanoCpus");
  });
});

describe("Docker create options of a one-off", () => {
  const hook: OneOffSpec = {
    name: "web-hook-pre-deploy",
    image: "registry.test/web:v2",
    env: ["PORT=8080"],
    mounts: [{ source: "/srv/data", target: "/data", readOnly: true }],
    memoryBytes: 256 * 1024 * 1024,
    cpus: 1,
    log: LOG,
    labels: { [LABEL.app]: "web", [LABEL.oneOff]: "hook" },
    command: ["bin/migrate"],
  };

  it("GIVEN a hook WHEN translated THEN it shares the runtime settings, runs its command, is never restarted and is not labelled as the app", () => {
    const options = oneOffOptions(hook);
    expect(options).toMatchObject({
      Image: "registry.test/web:v2",
      Cmd: ["bin/migrate"],
      Env: ["PORT=8080"],
      Tty: false,
      OpenStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: { NetworkMode: "host", Init: true, RestartPolicy: { Name: "no" }, Binds: ["/srv/data:/data:ro"], Memory: 268435456, NanoCpus: 1e9 },
    });
    expect(options.Labels).toEqual({ [LABEL.oneOff]: "hook" });
  });

  it.each([
    ["no stdin", {}, { Tty: false, OpenStdin: false, StdinOnce: false, AttachStdin: false }],
    ["stdin and a TTY", { stdin: Readable.from([]), tty: true }, { Tty: true, OpenStdin: true, StdinOnce: true, AttachStdin: true }],
  ])("GIVEN %s WHEN translated THEN the attach settings follow", (_n, io, expected) => {
    expect(oneOffOptions(hook, io)).toMatchObject(expected);
  });
});

describe("Docker create options of a one-off beside the app (exec)", () => {
  const app = {
    Id: "f00dfeed".repeat(8),
    Image: "sha256:" + "ab".repeat(32),
    Config: { Image: "registry.test/web:v2", Env: ["PORT=8080", "SECRET_KEY=abcdef123456"], Labels: { [LABEL.app]: "web", [LABEL.image]: "registry.test/web:v2", [LABEL.version]: "v2" } },
    HostConfig: { Binds: ["uploads:/app/uploads", "/etc/web:/config:ro"], Memory: 1 << 30, NanoCpus: 2e9, LogConfig: { Type: "json-file", Config: { "max-size": "10m" } } },
  } as unknown as Docker.ContainerInspectInfo;

  it("GIVEN a running app container WHEN exec is built THEN it runs exactly that image id with its env, binds, limits and log driver", () => {
    expect(besideOptions(app, "web-exec-1", ["sh", "-c", "exit 3"])).toEqual({
      name: "web-exec-1",
      Image: app.Image,
      Env: ["PORT=8080", "SECRET_KEY=abcdef123456"],
      Labels: { [LABEL.oneOff]: app.Id },
      Cmd: ["sh", "-c", "exit 3"],
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      HostConfig: {
        NetworkMode: "host",
        Init: true,
        RestartPolicy: { Name: "no" },
        Binds: ["uploads:/app/uploads", "/etc/web:/config:ro"],
        Memory: 1 << 30,
        NanoCpus: 2e9,
        LogConfig: { Type: "json-file", Config: { "max-size": "10m" } },
      },
    });
  });

  it("GIVEN the app's labels WHEN exec is built THEN none of the do-bluegreen labels is copied, so listings never take it for the app", () => {
    const labels = besideOptions(app, "web-exec-1", ["true"]).Labels ?? {};
    expect(Object.keys(labels)).toEqual([LABEL.oneOff]);
    expect(labels).not.toHaveProperty(LABEL.app);
  });
});

describe("Docker log options", () => {
  it.each<[string, LogQuery, object]>([
    ["the last 100 lines", { follow: false, tail: 100 }, { follow: false, stdout: true, stderr: true, timestamps: false, tail: 100 }],
    ["a follow since a time", { follow: true, since: 1_795_000_000 }, { follow: true, stdout: true, stderr: true, timestamps: false, since: 1_795_000_000 }],
    ["everything", { follow: false }, { follow: false, stdout: true, stderr: true, timestamps: false }],
  ])("GIVEN %s WHEN translated THEN only the given limits are sent", (_n, query, expected) => {
    expect(logsOptions(query)).toEqual(expected);
  });
});

describe("a command the image lacks", () => {
  const image = "registry.test/web:v2";
  it.each([
    [
      "runc: not in $PATH",
      'failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "rake": executable file not found in $PATH: unknown',
      /cannot run "rake db:migrate": image registry.test\/web:v2 has no rake \(not found in \$PATH\) — fix: run a command the image contains .* or add rake to the image/,
    ],
    [
      "runc: an absolute path",
      'OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/bin/migrate": stat /app/bin/migrate: no such file or directory: unknown',
      /image registry.test\/web:v2 has no \/app\/bin\/migrate \(no such file\)/,
    ],
    [
      "an older engine's escaped quotes",
      'OCI runtime create failed: container_linux.go:349: starting container process caused "exec: \\"rake\\": executable file not found in $PATH": unknown',
      /has no rake/,
    ],
    ["docker-init (tini) as PID 1", "[FATAL tini (7)] exec rake failed: No such file or directory", /has no rake \(no such file\)/],
    ["a file that is not executable", 'unable to start container process: exec: "/app/run.sh": permission denied: unknown', /\/app\/run.sh is not executable in image .* fix: make it executable/],
    ["tini: not executable", "[FATAL tini (7)] exec /app/run.sh failed: Permission denied", /not executable/],
  ])("GIVEN %s WHEN classified THEN a DockerError names the command and says the image lacks it", (_n, message, expected) => {
    const error = missingCommandError(image, ["rake", "db:migrate"], message);
    expect(error).toBeInstanceOf(DockerError);
    expect(error!.oneLine()).toMatch(expected);
  });

  it.each([
    ["a bind source that does not exist", 'invalid mount config for type "bind": bind source path does not exist: /srv/data'],
    ["a name conflict", 'Conflict. The container name "/web-exec-1" is already in use'],
    ["the app's own message", "sh: rake: not found"],
  ])("GIVEN %s WHEN classified THEN it is not a missing command", (_n, message) => {
    expect(missingCommandError(image, ["rake"], message)).toBeUndefined();
  });
});

describe("a one-off's last lines", () => {
  it.each([
    ["short output", "a\nb\n", 30, "a\nb"],
    ["more lines than kept", Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n") + "\n", 3, "line 37\nline 38\nline 39"],
    ["no trailing newline", "x\ny", 1, "y"],
    ["nothing", "", 30, ""],
  ])("GIVEN %s WHEN the tail is taken THEN it keeps the last lines", (_n, text, lines, expected) => {
    expect(lastLinesOf(text, lines)).toBe(expected);
  });
});
