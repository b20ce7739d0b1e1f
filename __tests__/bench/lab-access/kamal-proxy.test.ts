import {
  kamalDeployOptions,
  kamalProxyDeployCommand,
  kamalProxyPaths,
  kamalProxyRunArgv,
  KAMAL_SERVICE,
  listOnOneLine,
} from "../../../bench/lab-access/kamal-proxy";
import { planLab } from "../../../lab/plan";

const plan = planLab(3);
const prod = plan.workers[0];
const paths = kamalProxyPaths(plan);
const BIN = "/var/cache/do-bluegreen/tools/kamal-proxy-v0.9.2/kamal-proxy";
const ENV_AND_NAMESPACE = ["env", "-i", `HOME=${paths.home}`, `XDG_RUNTIME_DIR=${paths.runtimeDir}`, "nsenter", "--net=/var/run/netns/dbg3-wa"];

describe("kamal-proxy commands", () => {
  it("GIVEN the PROD droplet WHEN kamal-proxy run is built THEN it runs in that droplet's namespace on the app port the balancer forwards to", () => {
    expect(kamalProxyRunArgv(BIN, prod, paths, plan.app.port)).toEqual([...ENV_AND_NAMESPACE, BIN, "run", "--http-port=8080", "--https-port=443"]);
  });

  it("GIVEN a lab WHEN kamal-proxy's socket and state are placed THEN they live under the lab's state directory, never in root's home", () => {
    for (const dir of [paths.home, paths.runtimeDir, paths.socket, paths.logFile]) expect(dir.startsWith("/run/do-bluegreen-lab/3/")).toBe(true);
    expect(paths.socket).toBe(`${paths.runtimeDir}/kamal-proxy.sock`);
  });

  it("GIVEN a deploy WHEN built THEN kamal-proxy gets only its socket and state locations from the environment, no secret and no flag default", () => {
    const argv = kamalProxyDeployCommand(BIN, prod, paths, { service: KAMAL_SERVICE, target: "127.0.0.1:3002", healthCheckPath: "/health" }).argv;
    expect(argv.slice(0, 6)).toEqual(ENV_AND_NAMESPACE);
    expect(argv.filter((a) => /^[A-Z_]+=/.test(a))).toEqual([`HOME=${paths.home}`, `XDG_RUNTIME_DIR=${paths.runtimeDir}`]);
  });

  it.each([
    ["the new container as target", "--target=127.0.0.1:3002"],
    ["Kamal's deploy timeout", "--deploy-timeout=30s"],
    ["Kamal's drain timeout", "--drain-timeout=30s"],
    ["the app's health path (kamal-proxy's default /up is not the demo's)", "--health-check-path=/health"],
    ["Kamal's default request buffering", "--buffer-requests"],
    ["Kamal's default response buffering", "--buffer-responses"],
    ["Kamal's default logged headers", "--log-request-header=User-Agent"],
  ])("GIVEN Kamal's defaults WHEN the deploy options are built THEN they carry %s", (_what, option) => {
    expect(kamalDeployOptions({ service: KAMAL_SERVICE, target: "127.0.0.1:3002", healthCheckPath: "/health" })).toContain(option);
  });

  it("GIVEN a deploy WHEN built THEN it names the service as Kamal does (service-role) right after the verb", () => {
    const argv = kamalProxyDeployCommand(BIN, prod, paths, { service: KAMAL_SERVICE, target: "127.0.0.1:3001", healthCheckPath: "/health" }).argv;
    expect(argv.slice(6, 9)).toEqual([BIN, "deploy", "demo-web"]);
  });

  it("GIVEN kamal-proxy list's coloured table (as this run printed it) WHEN noted THEN it reads as plain text on one line", () => {
    const stdout = "\x1b[3;94mService\x1b[0m  \x1b[3;94mTarget\x1b[0m  \x1b[3;94mState\x1b[0m\n\x1b[1;34mdemo-web\x1b[0m  \x1b[m127.0.0.1:3002\x1b[0m  \x1b[mrunning\x1b[0m\n";
    expect(listOnOneLine(stdout)).toBe("Service Target State demo-web 127.0.0.1:3002 running");
  });
});
