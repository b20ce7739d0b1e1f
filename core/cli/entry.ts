/**
 * What every entry point (bench, demo, lab, the cdktf app) does the same way: let commander parse
 * the command line without exiting, and turn whatever was thrown into one redacted line for a person
 * plus an exit code. Nothing here exits: the entry point passes the code to process.exit itself.
 */
import { CommanderError, type Command, type ParseOptions } from "commander";
import { asBlueGreenError, ExitCode } from "../errors";
import { Redactor } from "../redact";

/**
 * Parses `argv` (and runs the matching action, if any). `program` must have `.exitOverride()` set
 * before its subcommands are added, so that commander throws instead of exiting.
 *
 * @returns null when the program should carry on, or the exit code when commander ended the run:
 *   0 after --help or --version, ExitCode.usage for a bad command line (commander has printed why).
 *   Anything else thrown (an action's own error) propagates to the caller.
 */
export async function parseCommandLine(program: Command, argv: readonly string[], options?: ParseOptions): Promise<number | null> {
  try {
    await program.parseAsync(argv, options);
    return null;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? ExitCode.ok : ExitCode.usage;
  }
}

export interface FailureReport {
  /** Names the program at the start of the line, e.g. "bench" gives "bench: <message> — fix: <fix>". */
  readonly prefix: string;
  /** Also print the stack trace (the operator asked with --verbose). */
  readonly verbose: boolean;
  /** @default Redactor.fromEnv() */
  readonly redactor?: Redactor;
  /** @default process.stderr */
  readonly write?: (text: string) => void;
}

/**
 * Prints any thrown value as one redacted line (and its stack only when verbose) and returns the exit
 * code of its kind: a value that is not a BlueGreenError is reported as an internal error.
 */
export function reportFailure(error: unknown, report: FailureReport): number {
  const failure = asBlueGreenError(error);
  const redactor = report.redactor ?? Redactor.fromEnv();
  const write = report.write ?? ((text: string) => process.stderr.write(text));
  write(redactor.redact(`${report.prefix}: ${failure.oneLine()}\n`));
  if (report.verbose && failure.stack) write(redactor.redact(failure.stack + "\n"));
  return failure.exitCode;
}
