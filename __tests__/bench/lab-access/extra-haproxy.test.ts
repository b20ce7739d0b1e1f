import { loadConfig } from "../../../core/config";
import { naiveHaproxyConfig, projectHaproxyConfigFor } from "../../../bench/lab-access/extra-haproxy";
import { swarmDockerdArgv } from "../../../bench/lab-access/swarm-dockerd";
import { planLab } from "../../../lab/plan";
import { labSwitchEnv } from "../../../lab/switch-env";
import { checkHaproxyConfig } from "../../core/debian-validators";

const plan = planLab(7);
const env = labSwitchEnv(plan, { token: "dop_v1_test_token_value", registryPassword: "registry-pass", demoApiKey: "demo_test_api_key_value" });

describe("naiveHaproxyConfig", () => {
  const text = naiveHaproxyConfig({ bindAddress: plan.balancer.publicIp, port: 8081, floatingIp: plan.floatingIp, appPort: 8080 });

  it("GIVEN the seed's design WHEN rendered THEN the backend is exactly one checked server on the floating IP", () => {
    expect(text).toContain(`  server floatingIP ${plan.floatingIp}:8080 check\n`);
  });

  it("GIVEN the seed's design WHEN rendered THEN none of the project's safety settings sneak in", () => {
    expect(text).not.toMatch(/retries|retry-on|redispatch|spare|httpchk|inter /);
  });

  it("GIVEN the rendered file WHEN haproxy -c reads it THEN it is valid", () => {
    const result = checkHaproxyConfig(text);
    expect(result.output).not.toMatch(/ALERT/);
    expect(result.ok).toBe(true);
  });
});

describe("projectHaproxyConfigFor", () => {
  it("GIVEN the swarm node WHEN the project's config is rendered for it THEN its first slot targets the node as a new balancer's does, with its own admin socket and server-state file", () => {
    const text = projectHaproxyConfigFor(loadConfig(env, "stack"), { bindAddress: plan.balancer.publicIp, port: 8082, target: plan.workers[1].publicIp, adminSocket: "/run/x/bench.sock" });
    expect(text).toContain(`server blue blue.invalid:8080 check init-addr last,${plan.workers[1].publicIp}`);
    expect(text).toContain("server-state-file /run/x/bench.sock.server-state");
    expect(text).toContain(`bind ${plan.balancer.publicIp}:8082`);
    expect(text).toContain("stats socket /run/x/bench.sock ");
    expect(text).not.toContain(plan.paths.haproxyAdminSocket);
  });
});

describe("swarmDockerdArgv", () => {
  it("GIVEN the dedicated Swarm engine WHEN its argv is built THEN it runs in the FALLBACK namespace with every network in 198.19.0.0/16", () => {
    const argv = swarmDockerdArgv(plan, plan.workers[1]);
    expect(argv.slice(0, 3)).toEqual(["nsenter", `--net=/var/run/netns/${plan.workers[1].namespace}`, "dockerd"]);
    expect(argv).toContain("--bip=198.19.254.1/24");
    expect(argv).toContain("--default-address-pool=base=198.19.128.0/17,size=24");
    expect(argv.every((a) => !a.startsWith(plan.paths.stateDir) || a.includes("bench-swarm"))).toBe(true);
  });
});
