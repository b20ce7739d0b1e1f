import { CommandFailedError, ExecRunner } from "../../lab/runner";
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
