import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../core/config";
import { renderHaproxyConfig } from "../../../core/haproxy";
import { planLab } from "../../../lab/plan";
import { renderBalancerHaproxyConfig } from "../../../core/haproxy";
import {
  ensureMaintenanceMap,
  ensureServerStateFile,
  haproxyArgv,
  labHaproxyConfig,
  labMaintenanceMap,
  labReloadCommand,
  labServerStateFile,
  maxconnOverride,
  openFilesHardLimit,
} from "../../../lab/services/haproxy";
import { labSwitchEnv } from "../../../lab/switch-env";

describe("the balancer's HAProxy", () => {
  const plan = planLab(8);
  const config = loadConfig(labSwitchEnv(plan, { token: "dop_v1_" + "a".repeat(40), registryPassword: "pw-123456", demoApiKey: "demo_test_api_key_value" }), "stack");

  it("GIVEN the lab config THEN the lab runs exactly what the renderer produces for the balancer's address, root, no log", () => {
    expect(labHaproxyConfig(plan, config)).toBe(renderHaproxyConfig(config, { floatingIp: "198.18.8.100", bindAddress: "198.18.8.2", runAsUser: null, logTarget: null }));
  });

  it("GIVEN the lab's switch environment WHEN `balancer apply` renders haproxy.cfg THEN it is byte for byte the file the lab starts HAProxy with", () => {
    expect(renderBalancerHaproxyConfig(config, config.floatingIp || plan.floatingIp)).toBe(labHaproxyConfig(plan, config));
    expect(config.haproxy.configFile).toBe(plan.paths.haproxyConfig);
  });

  it("GIVEN the lab WHEN it reloads like a droplet THEN SIGUSR2 goes to the master pid HAProxy wrote (-W -p), as `systemctl reload` does", () => {
    expect(labReloadCommand(plan)).toBe(`kill -USR2 "$(cat '${plan.paths.haproxyPidFile}')"`);
    expect(config.haproxy.reloadCommand).toBe(labReloadCommand(plan));
    expect(haproxyArgv(plan, 1_048_576)).toEqual(expect.arrayContaining(["-W", "-p", plan.paths.haproxyPidFile]));
  });

  it.each([
    ["missing", undefined, "1\n"],
    ["holding saved state", "1\n# be_id ...\n3 app 2 spare 198.18.8.112 2 12 1 1 0 1 0 0 14 0 0 0 spare.invalid 8080 - 0 0 - - 0\n", undefined],
  ])("GIVEN the server-state file %s WHEN the lab ensures it THEN it exists, and saved state is kept", (_, before, created) => {
    const dir = mkdtempSync(join(tmpdir(), "lab-state-"));
    try {
      const file = join(dir, "server-state");
      if (before !== undefined) writeFileSync(file, before);
      ensureServerStateFile(file);
      expect(readFileSync(file, "utf8")).toBe(created ?? before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GIVEN the lab config THEN the server-state file is in the switch's state dir, and the config names it", () => {
    expect(labServerStateFile(config)).toBe(`${plan.paths.switchStateDir}/server-state`);
    expect(labHaproxyConfig(plan, config)).toContain(`server-state-file ${plan.paths.switchStateDir}/server-state`);
  });

  it("GIVEN the lab config THEN the maintenance map is in the switch's state dir, where the switch writes it, and the config reads it", () => {
    expect(labMaintenanceMap(config)).toBe(`${plan.paths.switchStateDir}/maintenance.map`);
    expect(labHaproxyConfig(plan, config)).toContain(`map(${plan.paths.switchStateDir}/maintenance.map)`);
  });

  it.each([
    ["missing", undefined, ""],
    ["holding maintenance mode", "maintenance Back soon\n", "maintenance Back soon\n"],
  ])("GIVEN the map file %s WHEN the lab ensures it THEN it exists and keeps its content", (_, before, after) => {
    const dir = mkdtempSync(join(tmpdir(), "lab-map-"));
    try {
      const map = join(dir, "maintenance.map");
      if (before !== undefined) writeFileSync(map, before);
      ensureMaintenanceMap(map);
      expect(readFileSync(map, "utf8")).toBe(after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GIVEN the lab config THEN the admin socket is the lab-private path the switch is told about", () => {
    expect(labHaproxyConfig(plan, config)).toContain(`stats socket ${plan.paths.haproxyAdminSocket} `);
  });

  it.each([
    [1_048_576, undefined],
    [40_100, undefined],
    [20_000, 9_950],
    [4_096, 1_998],
  ])("GIVEN a hard open-files limit of %i THEN the maxconn override is %p", (limit, expected) => {
    expect(maxconnOverride(limit)).toBe(expected);
  });

  it("GIVEN a low limit THEN haproxy gets -n before -f, and the config file is untouched", () => {
    expect(haproxyArgv(plan, 20_000)).toEqual(["nsenter", "--net=/var/run/netns/dbg8-lb", "haproxy", "-W", "-db", "-n", "9950", "-p", plan.paths.haproxyPidFile, "-f", plan.paths.haproxyConfig]);
    expect(haproxyArgv(plan, 1_048_576)).not.toContain("-n");
  });

  it.each([
    ["Max open files            1024                 20000                files     ", 20_000],
    ["Max open files            1024                 unlimited            files     ", Number.MAX_SAFE_INTEGER],
  ])("GIVEN /proc/self/limits with %p THEN the hard limit is %p", (line, expected) => {
    expect(openFilesHardLimit(`Limit                     Soft Limit           Hard Limit           Units     \n${line}\n`)).toBe(expected);
  });
});
