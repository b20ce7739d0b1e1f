import { asBlueGreenError, ConfigError, ExitCode, ExternalError, InternalError, UsageError } from "../../../core/errors";

class LockHeldError extends UsageError {
  constructor() {
    super("a deploy is already running", "wait for it, or run `lock release --force`", { exitCode: ExitCode.lockHeld });
  }
}

describe("error taxonomy", () => {
  const cases: [string, Error & { kind: string; exitCode: number }, string, number][] = [
    ["usage", new UsageError("bad flag", "use --image"), "usage", ExitCode.usage],
    ["external", new ExternalError("API said 503", "retry later"), "external", ExitCode.external],
    ["internal", new InternalError("impossible state"), "internal", ExitCode.internal],
    ["a named subclass with its own exit code", new LockHeldError(), "usage", ExitCode.lockHeld],
  ];

  it.each(cases)("GIVEN a %s error THEN it has its kind and exit code", (_name, error, kind, exitCode) => {
    expect(error.kind).toBe(kind);
    expect(error.exitCode).toBe(exitCode);
  });

  it("GIVEN an error with a fix THEN oneLine gives the message and the fix on one line", () => {
    expect(new ExternalError("registry refused the pull", "check CI_REGISTRY_PASSWORD").oneLine()).toBe(
      "registry refused the pull — fix: check CI_REGISTRY_PASSWORD",
    );
  });

  it("GIVEN a subclass THEN its name is the subclass name (for --verbose traces)", () => {
    expect(new LockHeldError().name).toBe("LockHeldError");
  });

  it("GIVEN config issues THEN ConfigError lists each with variable, quoted value or (unset), problem and fix", () => {
    const error = new ConfigError([
      { variable: "DO_REGION", value: "mars1", problem: "unknown region", fix: "use nyc3" },
      { variable: "DIGITALOCEAN_TOKEN", value: undefined, problem: "required", fix: "set it" },
    ]);
    expect(error.oneLine()).toBe(
      'invalid configuration (2 problems): DO_REGION="mars1": unknown region — fix: use nyc3; DIGITALOCEAN_TOKEN=(unset): required — fix: set it',
    );
    expect(error.exitCode).toBe(ExitCode.usage);
  });

  it("GIVEN something thrown that is not ours THEN asBlueGreenError calls it internal and keeps the cause", () => {
    const cause = new TypeError("x is undefined");
    const wrapped = asBlueGreenError(cause);
    expect(wrapped).toBeInstanceOf(InternalError);
    expect(wrapped.message).toBe("unexpected error: x is undefined");
    expect(wrapped.cause).toBe(cause);
    expect(asBlueGreenError("a string")).toBeInstanceOf(InternalError);
  });

  it("GIVEN one of ours THEN asBlueGreenError returns it unchanged", () => {
    const error = new LockHeldError();
    expect(asBlueGreenError(error)).toBe(error);
  });
});
