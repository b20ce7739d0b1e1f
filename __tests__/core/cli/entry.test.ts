import { Command } from "commander";
import { parseCommandLine, reportFailure } from "../../../core/cli/entry";
import { ConfigError, ExitCode, ExternalError, UsageError } from "../../../core/errors";
import { Redactor } from "../../../core/redact";

/** A program shaped like the entry points': exitOverride first, then options and a subcommand; output captured. */
function program(onRun: (name: string) => void = () => undefined) {
  const printed: string[] = [];
  const p = new Command()
    .name("tool")
    .exitOverride()
    .configureOutput({ writeOut: (t) => printed.push(t), writeErr: (t) => printed.push(t) })
    .version("1.2.3")
    .option("--rate <n>", "requests per second", "10");
  p.command("up")
    .option("--index <n>", "which one")
    .action(() => onRun("up"));
  p.command("fail").action(() => {
    throw new UsageError("no such lab", "run `tool up` first");
  });
  return { program: p, printed };
}

describe("parseCommandLine", () => {
  it.each([
    ["--help", ExitCode.ok, ["--help"]],
    ["--version", ExitCode.ok, ["--version"]],
    ["a subcommand's --help", ExitCode.ok, ["up", "--help"]],
    ["an unknown option", ExitCode.usage, ["--bogus"]],
    ["an option without its value", ExitCode.usage, ["--rate"]],
    ["an unknown option of a subcommand", ExitCode.usage, ["up", "--bogus"]],
    ["an unknown command", ExitCode.usage, ["bogus"]],
  ])("GIVEN %s WHEN parsed THEN commander ends the run with exit code %i instead of exiting the process", async (_, code, args) => {
    const { program: p, printed } = program();
    await expect(parseCommandLine(p, args, { from: "user" })).resolves.toBe(code);
    expect(printed.join("")).not.toBe("");
  });

  it("GIVEN valid arguments WHEN parsed THEN it returns null, the options are set and the subcommand's action ran", async () => {
    const ran: string[] = [];
    const { program: p, printed } = program((name) => ran.push(name));
    await expect(parseCommandLine(p, ["--rate", "5", "up", "--index", "2"], { from: "user" })).resolves.toBeNull();
    expect(p.opts()).toEqual({ rate: "5" });
    expect(ran).toEqual(["up"]);
    expect(printed).toEqual([]);
  });

  it("GIVEN process.argv-shaped input (node, script, args) WHEN parsed without options THEN the first two are skipped", async () => {
    const { program: p } = program();
    await expect(parseCommandLine(p, ["node", "tool.ts", "--rate", "7", "up"])).resolves.toBeNull();
    expect(p.opts().rate).toBe("7");
  });

  it("GIVEN an action that throws WHEN parsed THEN its error reaches the caller rather than becoming a usage exit code", async () => {
    const { program: p } = program();
    await expect(parseCommandLine(p, ["fail"], { from: "user" })).rejects.toThrow(new UsageError("no such lab", "run `tool up` first"));
  });
});

describe("reportFailure", () => {
  const silent = new Redactor([]);

  it.each([
    ["a usage error", new UsageError("bad --rate", "use a number"), "tool: bad --rate — fix: use a number\n", ExitCode.usage],
    ["a named error with its own exit code", new UsageError("lock held", "wait", { exitCode: ExitCode.lockHeld }), "tool: lock held — fix: wait\n", ExitCode.lockHeld],
    ["an external error", new ExternalError("registry said 503", "retry later"), "tool: registry said 503 — fix: retry later\n", ExitCode.external],
    [
      "a config error (its fixes are in the message)",
      new ConfigError([{ variable: "DO_REGION", value: "mars1", problem: "unknown region", fix: "use nyc3" }]),
      'tool: invalid configuration (1 problem): DO_REGION="mars1": unknown region — fix: use nyc3\n',
      ExitCode.usage,
    ],
    [
      "a plain Error (a bug)",
      new TypeError("x is undefined"),
      "tool: unexpected error: x is undefined — fix: this is a bug in do-bluegreen: re-run with --verbose and report the output\n",
      ExitCode.internal,
    ],
    ["a thrown string", "boom", "tool: unexpected error: boom — fix: this is a bug in do-bluegreen: re-run with --verbose and report the output\n", ExitCode.internal],
  ])("GIVEN %s WHEN reported without --verbose THEN exactly one line is written and its exit code returned", (_, error, line, code) => {
    const written: string[] = [];
    expect(reportFailure(error, { prefix: "tool", verbose: false, redactor: silent, write: (t) => written.push(t) })).toBe(code);
    expect(written).toEqual([line]);
  });

  it("GIVEN --verbose WHEN reported THEN the line is followed by the stack trace", () => {
    const written: string[] = [];
    reportFailure(new ExternalError("ssh refused", "check SSH_KNOWN_HOSTS"), { prefix: "lab", verbose: true, redactor: silent, write: (t) => written.push(t) });
    expect(written).toHaveLength(2);
    expect(written[0]).toBe("lab: ssh refused — fix: check SSH_KNOWN_HOSTS\n");
    expect(written[1]).toMatch(/^ExternalError: ssh refused\n {4}at /);
    expect(written[1].endsWith("\n")).toBe(true);
  });

  it("GIVEN a secret in the message WHEN reported with --verbose THEN neither the line nor the stack shows it", () => {
    const secret = "dop_v1_0123456789abcdef";
    const written: string[] = [];
    reportFailure(new ExternalError(`token ${secret} was refused`, "rotate it"), {
      prefix: "bench",
      verbose: true,
      redactor: new Redactor([secret]),
      write: (t) => written.push(t),
    });
    expect(written[0]).toBe("bench: token [redacted] was refused — fix: rotate it\n");
    expect(written.join("")).not.toContain(secret);
  });

  it("GIVEN no redactor or writer WHEN reported THEN secrets from the environment are masked on stderr", () => {
    const secret = "env-token-0123456789";
    const saved = process.env.DIGITALOCEAN_TOKEN;
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    process.env.DIGITALOCEAN_TOKEN = secret;
    try {
      expect(reportFailure(new UsageError(`bad token ${secret}`, "set DIGITALOCEAN_TOKEN"), { prefix: "demo", verbose: false })).toBe(ExitCode.usage);
      expect(stderr.mock.calls).toEqual([["demo: bad token [redacted] — fix: set DIGITALOCEAN_TOKEN\n"]]);
    } finally {
      stderr.mockRestore();
      if (saved === undefined) delete process.env.DIGITALOCEAN_TOKEN;
      else process.env.DIGITALOCEAN_TOKEN = saved;
    }
  });
});
