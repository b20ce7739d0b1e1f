import { execFile } from "node:child_process";
import { ExternalError } from "../core/errors";
import { Redactor } from "../core/redact";

/**
 * A command as data: the argv to run, and which failures mean "already in the wanted state".
 * Building commands as data (Kamal style) keeps the lab's plans unit-testable without root.
 */
export interface Command {
  readonly argv: readonly string[];
  /** A failure whose stderr matches is treated as success (e.g. "File exists" when adding twice). */
  readonly tolerate?: RegExp;
  /** Text written to the command's stdin. */
  readonly input?: string;
  /** Values on argv that must never reach an error message (e.g. a password given to htpasswd). */
  readonly secrets?: readonly string[];
  /**
   * Started and not waited for: its effect is immediate but its exit is not (arping sends its one packet, then waits out
   * a 1 s interval). runAll ignores its failure, so only a command nothing depends on may be detached.
   */
  readonly detach?: boolean;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandRunner {
  run(command: Command): Promise<CommandResult>;
}

export class CommandFailedError extends ExternalError {
  constructor(
    readonly command: Command,
    readonly result: CommandResult,
  ) {
    super(
      new Redactor(command.secrets ?? []).redact(`\`${command.argv.join(" ")}\` exited ${result.code}: ${(result.stderr || result.stdout).trim().split("\n").slice(-3).join(" | ")}`),
      "check that you run as root and the Debian packages are installed (bash scripts/install-debian-packages.sh), then `npm run lab -- down` and retry",
    );
  }
}

/** Runs commands with execFile (no shell: arguments are never re-parsed). */
export class ExecRunner implements CommandRunner {
  run(command: Command): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const [file, ...args] = command.argv;
      const child = execFile(file, args, { maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 127) : 0;
        const result = { code, stdout, stderr: stderr || (error && code === 127 ? error.message : "") };
        if (code === 0 || command.tolerate?.test(result.stderr)) resolve(result);
        else reject(new CommandFailedError(command, result));
      });
      if (command.input !== undefined) child.stdin?.end(command.input);
    });
  }
}

/** Starts a detached command without waiting (its failure is ignored); runs any other to its end. */
function runOne(runner: CommandRunner, command: Command): Promise<unknown> {
  if (!command.detach) return runner.run(command);
  void runner.run(command).catch(() => undefined);
  return Promise.resolve();
}

/** Runs commands one after another; order matters for network setup. A detached command is only started. */
export async function runAll(runner: CommandRunner, commands: readonly Command[]): Promise<void> {
  for (const command of commands) await runOne(runner, command);
}

/** Runs commands that do not depend on one another all at once; the first failure rejects. A detached one is only started. */
export async function runConcurrently(runner: CommandRunner, commands: readonly Command[]): Promise<void> {
  await Promise.all(commands.map((command) => runOne(runner, command)));
}
