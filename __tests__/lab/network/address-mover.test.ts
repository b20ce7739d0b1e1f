import { moveAddressCommands, NamespaceAddressMover } from "../../../lab/network/address-mover";
import { planLab } from "../../../lab/plan";
import { simulatedDroplets } from "../../../lab/simulated-cloud";
import { Command, CommandResult, CommandRunner } from "../../../lab/runner";

class RecordingRunner implements CommandRunner {
  readonly commands: string[] = [];
  async run(command: Command): Promise<CommandResult> {
    this.commands.push(command.argv.join(" "));
    return { code: 0, stdout: "", stderr: "" };
  }
}

describe("moving the reserved IP between droplet namespaces", () => {
  const plan = planLab(4);
  const [a, b] = plan.workers;

  it("GIVEN the IP on worker A WHEN moved to worker B THEN it leaves A before it appears on B, is announced, and neighbours point at B's MAC", () => {
    const cmds = moveAddressCommands(plan, plan.floatingIp, a, b).map((c) => c.argv.join(" "));
    expect(cmds.slice(0, 3)).toEqual([
      "ip -n dbg4-wa addr del 198.18.4.100/32 dev eth0",
      "ip -n dbg4-wb addr add 198.18.4.100/32 dev eth0",
      "nsenter --net=/var/run/netns/dbg4-wb arping -U -c 1 -I eth0 -s 198.18.4.100 198.18.4.100",
    ]);
    expect(moveAddressCommands(plan, plan.floatingIp, a, b).filter((c) => c.detach).map((c) => c.argv[2])).toEqual(["arping"]);
    expect(cmds).toContain(`ip neigh replace 198.18.4.100 lladdr ${b.mac} dev dbg4 nud reachable`);
    expect(cmds).toContain(`ip -n dbg4-lb neigh replace 198.18.4.100 lladdr ${b.mac} dev eth0 nud reachable`);
  });

  it("GIVEN an unassign (to = null) THEN the address is removed and stale neighbour entries are deleted", () => {
    const cmds = moveAddressCommands(plan, plan.floatingIp, a, null).map((c) => c.argv.join(" "));
    expect(cmds[0]).toBe("ip -n dbg4-wa addr del 198.18.4.100/32 dev eth0");
    expect(cmds.some((c) => c.includes("addr add"))).toBe(false);
    expect(cmds).toContain("ip -n dbg4-lb neigh del 198.18.4.100 dev eth0");
  });

  it("GIVEN the simulator's droplets WHEN the mover runs THEN it resolves them to namespaces by droplet id", async () => {
    const runner = new RecordingRunner();
    const [dropletA, dropletB] = simulatedDroplets(plan).filter((d) => d.tags.includes("PROD") || d.tags.includes("FALLBACK"));
    await new NamespaceAddressMover(plan, runner).move(plan.floatingIp, dropletA, dropletB);
    expect(runner.commands[1]).toBe("ip -n dbg4-wb addr add 198.18.4.100/32 dev eth0");
  });

  it("GIVEN a droplet that is not in this lab WHEN moving THEN it refuses before running anything", async () => {
    const runner = new RecordingRunner();
    const stranger = { ...simulatedDroplets(plan)[0], id: 999_999, name: "elsewhere" };
    await expect(new NamespaceAddressMover(plan, runner).move(plan.floatingIp, null, stranger)).rejects.toThrow(/not one of lab 4/);
    expect(runner.commands).toEqual([]);
  });
});
