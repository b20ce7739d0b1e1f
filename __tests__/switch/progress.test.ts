import { Redactor } from "../../core/redact";
import { PlainReporter } from "../../switch/progress";

describe("plain step lines", () => {
  const make = (gitlabSections: boolean) => {
    const out: string[] = [];
    let t = 1_700_000_000_000;
    const reporter = new PlainReporter((s) => out.push(s), new Redactor(["s3cret-value"]), { gitlabSections, now: () => (t += 250) });
    return { out, reporter };
  };

  it("GIVEN a step that succeeds and one that fails WHEN reported THEN the contract lines appear with timings and failures are masked", async () => {
    const { out, reporter } = make(false);
    expect(await reporter.step("pull", "pull it", async () => 42)).toBe(42);
    await expect(reporter.step("gate", "gate it", async () => Promise.reject(new Error("token s3cret-value leaked")))).rejects.toThrow();
    expect(out.join("")).toBe("step pull started\nstep pull done (250 ms)\nstep gate started\nstep gate failed: token [redacted] leaked\n");
    expect(reporter.records).toEqual([
      { name: "pull", status: "done", ms: 250 },
      { name: "gate", status: "failed", ms: 250 },
    ]);
  });

  it("GIVEN CI WHEN reported THEN each step is wrapped in a GitLab section", async () => {
    const { out, reporter } = make(true);
    await reporter.step("move-ip", "move the IP", async () => undefined);
    expect(out[0]).toMatch(/^\x1b\[0Ksection_start:1700000000:switch_move_ip_1\[collapsed=false\]\r\x1b\[0Kmove the IP\n$/);
    expect(out[out.length - 1]).toMatch(/^\x1b\[0Ksection_end:1700000000:switch_move_ip_1\r\x1b\[0K\n$/);
    expect(out.slice(1, -1).join("")).toBe("step move-ip started\nstep move-ip done (250 ms)\n");
  });
});

describe("terminal step list (listr2)", () => {
  it("GIVEN a step that fails with a secret in its message WHEN run THEN the result is recorded and the error reaching listr2 is already masked", async () => {
    const { TtyReporter } = await import("../../switch/progress");
    const reporter = new TtyReporter(() => undefined, new Redactor(["s3cret-value"]));
    const spy = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    const spyErr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await reporter.step("pull", "pull it", async () => 7)).toBe(7);
      const error = await reporter.step("gate", "gate it", async () => Promise.reject(new Error("token s3cret-value"))).catch((e: Error) => e);
      expect((error as Error).message).toBe("token [redacted]");
      const printed = [...spy.mock.calls, ...spyErr.mock.calls].map((c) => String(c[0])).join("");
      expect(printed).not.toContain("s3cret-value");
    } finally {
      spy.mockRestore();
      spyErr.mockRestore();
    }
    expect(reporter.records.map((r) => [r.name, r.status])).toEqual([
      ["pull", "done"],
      ["gate", "failed"],
    ]);
  });
});
