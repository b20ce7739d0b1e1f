import { dockerCommands, parseTasks, parseUpdateStatus, SWARM_SERVICE } from "../../../bench/lab-access/docker-commands";

const t = { socket: "/run/lab/worker-a/docker.sock", configDir: "/tmp/cfg" };
const PRIVATE_RANGE = /\b(10\.\d+\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|192\.168\.\d+\.\d+)/;

describe("dockerCommands", () => {
  it("GIVEN a droplet WHEN any command is built THEN it talks to that droplet's engine with the bench's own CLI config", () => {
    expect(dockerCommands.pull(t, "img:v2").argv).toEqual(["docker", "--config", "/tmp/cfg", "-H", "unix:///run/lab/worker-a/docker.sock", "pull", "--quiet", "img:v2"]);
  });

  it("GIVEN the seed's way to run the app WHEN built THEN it uses host networking and the app port from the environment", () => {
    const argv = dockerCommands.run(t, { name: "app", image: "img:v2", port: 8080 }).argv;
    expect(argv.slice(5)).toEqual(["run", "--detach", "--name", "app", "--network", "host", "--env", "PORT=8080", "--label", "do-bluegreen.bench=1", "img:v2"]);
  });

  it("GIVEN a login WHEN built THEN the password goes to stdin, never into argv", () => {
    const c = dockerCommands.login(t, "198.18.3.1:5000", "lab", "s3cret-pass");
    expect(c.argv.join(" ")).not.toContain("s3cret-pass");
    expect(c.input).toBe("s3cret-pass\n");
  });

  it("GIVEN the swarm commands WHEN built THEN no address comes from a private range", () => {
    const all = [dockerCommands.createGwBridge(t), dockerCommands.swarmInit(t, "198.18.3.12")].flatMap((c) => c.argv).join(" ");
    expect(all).not.toMatch(PRIVATE_RANGE);
    expect(all).toContain("--default-addr-pool 198.19.0.0/16");
    expect(all).toContain("--subnet 198.19.255.0/24");
  });

  it("GIVEN the issue's Swarm method WHEN the service is built THEN it is start-first, rolls back on failure and has a healthcheck", () => {
    const argv = dockerCommands.serviceCreate(t, { image: "img:v1", port: 8080, healthPath: "/health", publishMode: "host", updateOrder: "start-first" }).argv.join(" ");
    expect(argv).toContain("--update-order start-first");
    expect(argv).toContain("--update-failure-action rollback");
    expect(argv).toContain("--health-cmd wget -q -O /dev/null http://127.0.0.1:8080/health || exit 1");
    expect(argv).toContain("--publish mode=host,published=8080,target=8080");
    expect(argv).toContain(`--name ${SWARM_SERVICE}`);
  });

  it("GIVEN the routing mesh WHEN the service is built THEN the publish has no mode (Swarm's default, ingress)", () => {
    const argv = dockerCommands.serviceCreate(t, { image: "img:v1", port: 8080, healthPath: "/health", publishMode: "ingress", updateOrder: "start-first" }).argv;
    expect(argv[argv.indexOf("--publish") + 1]).toBe("published=8080,target=8080");
  });
});

describe("parseTasks", () => {
  it("GIVEN docker service ps JSON lines WHEN parsed THEN each task keeps its state and its error without the CLI's quotes", () => {
    const out = [
      '{"Name":"bench-swarm.1","Image":"r/demo:v2@sha256:ab","DesiredState":"Running","CurrentState":"Pending 4 seconds ago","Error":"\\"no suitable node (host-mode port already in use on 1 node)\\""}',
      '{"Name":"bench-swarm.1","Image":"r/demo:v1@sha256:cd","DesiredState":"Running","CurrentState":"Running 9 seconds ago","Error":""}',
      "",
    ].join("\n");
    expect(parseTasks(out).map((x) => x.Error)).toEqual(["no suitable node (host-mode port already in use on 1 node)", ""]);
  });
});

describe("parseUpdateStatus", () => {
  it.each([
    ["null", { state: null, message: null }],
    ["", { state: null, message: null }],
    ['{"State":"updating","Message":"update in progress"}', { state: "updating", message: "update in progress" }],
  ])("GIVEN %p WHEN parsed THEN it is %p", (text, expected) => {
    expect(parseUpdateStatus(text)).toEqual(expected);
  });
});
