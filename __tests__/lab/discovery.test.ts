import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { discoverLabIndices } from "../../lab/discovery";
import { Command, CommandResult, CommandRunner } from "../../lab/runner";

/** Answers `ip -j netns list` and `ip -j link show` from fixed lists, as a machine with leftovers would. */
class FakeIp implements CommandRunner {
  constructor(
    private readonly namespaces: string[],
    private readonly links: string[],
  ) {}
  async run(command: Command): Promise<CommandResult> {
    const argv = command.argv.join(" ");
    if (argv === "ip -j netns list") return { code: 0, stdout: JSON.stringify(this.namespaces.map((name) => ({ name }))), stderr: "" };
    if (argv === "ip -j link show") return { code: 0, stdout: JSON.stringify(this.links.map((ifname) => ({ ifname }))), stderr: "" };
    throw new Error(`unexpected command ${argv}`);
  }
}

describe("discoverLabIndices", () => {
  it("GIVEN traces of labs in state dirs, data dirs, namespaces and links THEN every index is found once, and foreign names are ignored", async () => {
    const state = mkdtempSync(join(tmpdir(), "lab-state-"));
    const data = mkdtempSync(join(tmpdir(), "lab-data-"));
    mkdirSync(join(state, "3"));
    mkdirSync(join(data, "7"));
    mkdirSync(join(data, "0")); // out of range: not a lab of ours
    mkdirSync(join(state, "notes"));
    const runner = new FakeIp(["dbg3-wa", "dbg12-lb", "swarmtest"], ["lo", "eth0", "dbg5", "dbg12-lb@if2", "docker0"]);
    expect(await discoverLabIndices(runner, [state, data])).toEqual([3, 5, 7, 12]);
  });

  it("GIVEN a clean machine THEN no lab is found", async () => {
    expect(await discoverLabIndices(new FakeIp([], ["lo"]), [join(tmpdir(), "does-not-exist-lab")])).toEqual([]);
  });
});
