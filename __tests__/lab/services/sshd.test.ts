import { planLab, workerPaths } from "../../../lab/plan";
import { knownHostsLine, sshdArgv, sshdConfig } from "../../../lab/services/sshd";

describe("the droplets' sshd", () => {
  const plan = planLab(6);
  const [workerA, workerB] = plan.workers;

  it.each([
    ["worker A", workerA],
    ["worker B", workerB],
  ])("GIVEN %s THEN its sshd points DOCKER_HOST at that worker's own dockerd socket", (_name, worker) => {
    expect(sshdConfig(plan, worker)).toMatch(new RegExp(`^SetEnv .*DOCKER_HOST=unix://${workerPaths(plan, worker).socket}$`, "m"));
  });

  it("GIVEN two droplets THEN each session gets that droplet's own home, not this machine's /root (whose ~/.bashrc bash would source on every exec)", () => {
    const homes = [plan.balancer, workerA, workerB].map((h) => /^SetEnv HOME=(\S+)/m.exec(sshdConfig(plan, h))?.[1]);
    expect(new Set(homes).size).toBe(3);
    expect(homes.every((h) => h?.startsWith(plan.paths.sshDir))).toBe(true);
  });

  it("GIVEN the balancer THEN its sshd sets no DOCKER_HOST (it runs no Docker)", () => {
    expect(sshdConfig(plan, plan.balancer)).not.toContain("DOCKER_HOST");
  });

  it.each(["AllowTcpForwarding yes", "PasswordAuthentication no", "PermitRootLogin prohibit-password", "UsePAM no"])("GIVEN any droplet THEN its sshd config has %p", (line) => {
    for (const host of [plan.balancer, workerA, workerB]) expect(sshdConfig(plan, host).split("\n")).toContain(line);
  });

  it("GIVEN a droplet THEN sshd runs in the foreground inside its namespace via nsenter --net (not ip netns exec)", () => {
    expect(sshdArgv(plan, workerA).slice(0, 4)).toEqual(["nsenter", "--net=/var/run/netns/dbg6-wa", "/usr/sbin/sshd", "-D"]);
  });

  it("GIVEN a host public key THEN the known_hosts line pins it for both of the droplet's addresses", () => {
    expect(knownHostsLine(workerA, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample lab6-worker-a\n")).toBe("198.18.6.11,198.18.6.111 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample");
  });
});
