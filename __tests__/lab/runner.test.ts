import { CommandFailedError, ExecRunner, runAll, type Command, type CommandResult, type CommandRunner } from "../../lab/runner";
import { htpasswdCommand } from "../../lab/services/registry";

describe("ExecRunner", () => {
  it("GIVEN a failing command WHEN it runs THEN the error names the command, its exit code and its stderr", async () => {
    await expect(new ExecRunner().run({ argv: ["sh", "-c", "echo boom >&2; exit 3"] })).rejects.toThrow(/`sh -c .*` exited 3: boom/);
  });

  it("GIVEN a failure matching `tolerate` THEN it counts as success (idempotent re-runs)", async () => {
    const result = await new ExecRunner().run({ argv: ["sh", "-c", "echo 'RTNETLINK answers: File exists' >&2; exit 2"], tolerate: /File exists/ });
    expect(result.code).toBe(2);
  });

  it("GIVEN a command carrying a secret on argv WHEN it fails THEN the error masks the secret", () => {
    const command = { ...htpasswdCommand("lab", "hunter2-secret"), argv: ["false", "hunter2-secret"] };
    const error = new CommandFailedError(command, { code: 1, stdout: "", stderr: "bad hunter2-secret" });
    expect(error.message).not.toContain("hunter2-secret");
    expect(error.message).toContain("[redacted]");
  });
});

describe("runAll", () => {
  /** Runs nothing; a command's run ends only when released (by argv), in the order released. */
  class GatedRunner implements CommandRunner {
    readonly started: string[] = [];
    private readonly gates = new Map<string, () => void>();
    run(command: Command): Promise<CommandResult> {
      const name = command.argv.join(" ");
      this.started.push(name);
      if (name === "fails") return Promise.reject(new Error("boom"));
      if (!command.detach) return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      return new Promise((resolve) => this.gates.set(name, () => resolve({ code: 0, stdout: "", stderr: "" })));
    }
    release(name: string): void {
      this.gates.get(name)?.();
    }
  }

  it("GIVEN a detached command that has not exited WHEN running a list THEN the rest run and the list completes without it", async () => {
    const runner = new GatedRunner();
    await runAll(runner, [{ argv: ["a"] }, { argv: ["slow"], detach: true }, { argv: ["b"] }]);
    expect(runner.started).toEqual(["a", "slow", "b"]);
    runner.release("slow");
  });

  it.each([
    ["detached", true, "resolves"],
    ["waited for", false, "rejects"],
  ])("GIVEN a %s command that fails WHEN running a list THEN runAll %s", async (_, detach, outcome) => {
    const run = runAll(new GatedRunner(), [{ argv: ["fails"], detach }]);
    if (outcome === "resolves") await expect(run).resolves.toBeUndefined();
    else await expect(run).rejects.toThrow("boom");
  });
});
