/**
 * The docker CLI commands the bench runs on a lab droplet's own dockerd, as data (Kamal style), so
 * what each method does can be read and tested without a daemon. The CLI rather than dockerode on
 * purpose: (c) and (d) are "what a person's script does", and the CLI is what such scripts call.
 * `--config` points at a throwaway directory, so the registry login never touches ~/.docker.
 */
import type { Command } from "../../lab/runner";

/** Swarm's overlay networks and docker_gwbridge take addresses from here, never from private ranges. */
export const SWARM_ADDRESS_POOL = "198.19.0.0/16";
export const SWARM_GWBRIDGE_SUBNET = "198.19.255.0/24";
export const SWARM_SERVICE = "bench-swarm";
/** Label on every container the bench starts, so the reset can tell its own from the switch's. */
export const BENCH_LABEL = "do-bluegreen.bench=1";

export interface DockerTarget {
  /** The droplet's dockerd socket (the lab's worker socket). */
  readonly socket: string;
  /** The bench's private docker CLI config directory. */
  readonly configDir: string;
}

export interface AppContainer {
  readonly name: string;
  readonly image: string;
  readonly port: number;
}

export interface SwarmServiceSpec {
  readonly image: string;
  readonly port: number;
  readonly healthPath: string;
  readonly publishMode: "ingress" | "host";
  readonly updateOrder: "start-first" | "stop-first";
}

export function docker(target: DockerTarget, args: readonly string[], extra: Omit<Command, "argv"> = {}): Command {
  return { argv: ["docker", "--config", target.configDir, "-H", `unix://${target.socket}`, ...args], ...extra };
}

export const dockerCommands = {
  login: (t: DockerTarget, registry: string, user: string, password: string): Command =>
    docker(t, ["login", "--username", user, "--password-stdin", registry], { input: `${password}\n` }),
  pull: (t: DockerTarget, image: string): Command => docker(t, ["pull", "--quiet", image]),
  /** The seed's way to run the app: host network, the app port from the environment. */
  run: (t: DockerTarget, c: AppContainer): Command =>
    docker(t, ["run", "--detach", "--name", c.name, "--network", "host", "--env", `PORT=${c.port}`, "--label", BENCH_LABEL, c.image]),
  /** SIGTERM, then SIGKILL after Docker's 10 s: how Kamal stops the old version once the proxy moved off it. */
  stop: (t: DockerTarget, name: string): Command => docker(t, ["stop", name]),
  removeForce: (t: DockerTarget, names: readonly string[]): Command => docker(t, ["rm", "--force", ...names], { tolerate: /No such container/ }),
  /** Ids of every container on the droplet, running or not. */
  listAll: (t: DockerTarget): Command => docker(t, ["ps", "--all", "--quiet", "--no-trunc"]),

  createGwBridge: (t: DockerTarget): Command =>
    docker(
      t,
      [
        "network", "create", "--driver", "bridge", "--subnet", SWARM_GWBRIDGE_SUBNET,
        "--opt", "com.docker.network.bridge.name=docker_gwbridge",
        "--opt", "com.docker.network.bridge.enable_icc=false",
        "--opt", "com.docker.network.bridge.enable_ip_masquerade=false",
        "docker_gwbridge",
      ],
      { tolerate: /already exists/ },
    ),
  removeGwBridge: (t: DockerTarget): Command => docker(t, ["network", "rm", "docker_gwbridge"], { tolerate: /./ }),
  swarmInit: (t: DockerTarget, advertiseAddress: string): Command =>
    docker(t, [
      "swarm", "init", "--advertise-addr", advertiseAddress, "--listen-addr", `${advertiseAddress}:2377`,
      "--default-addr-pool", SWARM_ADDRESS_POOL, "--default-addr-pool-mask-length", "24",
    ]),
  swarmLeave: (t: DockerTarget): Command => docker(t, ["swarm", "leave", "--force"], { tolerate: /not part of a swarm/ }),
  swarmState: (t: DockerTarget): Command => docker(t, ["info", "--format", "{{.Swarm.LocalNodeState}}"]),
  serviceCreate: (t: DockerTarget, s: SwarmServiceSpec): Command =>
    docker(t, [
      "service", "create", "--detach", "--with-registry-auth", "--name", SWARM_SERVICE,
      "--publish", s.publishMode === "host" ? `mode=host,published=${s.port},target=${s.port}` : `published=${s.port},target=${s.port}`,
      "--env", `PORT=${s.port}`,
      "--health-cmd", `wget -q -O /dev/null http://127.0.0.1:${s.port}${s.healthPath} || exit 1`,
      "--health-interval", "1s", "--health-timeout", "2s", "--health-retries", "3", "--health-start-period", "1s",
      "--update-order", s.updateOrder, "--update-failure-action", "rollback", "--update-monitor", "5s",
      "--rollback-order", s.updateOrder,
      s.image,
    ]),
  serviceUpdateImage: (t: DockerTarget, image: string): Command =>
    docker(t, ["service", "update", "--detach", "--with-registry-auth", "--image", image, SWARM_SERVICE]),
  serviceRollback: (t: DockerTarget): Command => docker(t, ["service", "rollback", "--detach", SWARM_SERVICE]),
  serviceRemove: (t: DockerTarget): Command => docker(t, ["service", "rm", SWARM_SERVICE], { tolerate: /not found|No such service|not a swarm manager/ }),
  /** One JSON object per task (Name, Image, DesiredState, CurrentState, Error). */
  serviceTasks: (t: DockerTarget): Command => docker(t, ["service", "ps", "--no-trunc", "--format", "{{json .}}", SWARM_SERVICE]),
  serviceUpdateStatus: (t: DockerTarget): Command => docker(t, ["service", "inspect", "--format", "{{json .UpdateStatus}}", SWARM_SERVICE]),
};

export interface SwarmTask {
  readonly Name: string;
  readonly Image: string;
  readonly DesiredState: string;
  readonly CurrentState: string;
  readonly Error: string;
}

/** Parses `docker service ps --format '{{json .}}'` output; the CLI wraps a task's error text in quotes, which go. */
export function parseTasks(stdout: string): SwarmTask[] {
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as SwarmTask)
    .map((task) => ({ ...task, Error: (task.Error ?? "").replace(/^"(.*)"$/, "$1") }));
}

/** Parses `docker service inspect --format '{{json .UpdateStatus}}'`; "null" (no update yet) gives nulls. */
export function parseUpdateStatus(stdout: string): { state: string | null; message: string | null } {
  const text = stdout.trim();
  if (!text || text === "null" || text === "<no value>") return { state: null, message: null };
  const parsed = JSON.parse(text) as { State?: string; Message?: string };
  return { state: parsed.State ?? null, message: parsed.Message ?? null };
}
