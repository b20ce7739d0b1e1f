import { randomBytes } from "node:crypto";
import type { Config } from "../core/config";
import { UsageError } from "../core/errors";
import { InconsistentStateError } from "./errors";
import type { AppContainer, Droplet } from "./model";
import { findReservedIp } from "./observe";
import type { OneOffIo, Ports } from "./ports";

/**
 * `exec` and `logs`: the app's own commands and output, on PROD or FALLBACK. Read-only towards the switch: no lock,
 * no HAProxy, no audit line; a one-off container beside the app, or its logs.
 */

export const ROLES = ["prod", "fallback"] as const;
export type Role = (typeof ROLES)[number];

/** What `exec` reports for a command killed at its timeout or by Ctrl-C: 128 + SIGKILL, as a shell would. */
export const KILLED_EXIT_CODE = 137;
/** `logs` prints this many lines of the past unless --lines says otherwise. */
export const DEFAULT_LOG_LINES = 100;

export type AppCommandConfig = Pick<Config, "app" | "tags" | "floatingIp">;

export interface AppCommandDeps {
  readonly ports: Ports;
  readonly config: AppCommandConfig;
}

export interface AppTarget {
  readonly role: Role;
  readonly droplet: Droplet;
  readonly container: AppContainer;
}

const SINCE_FIX = "use a duration such as 30s, 10m, 2h or 1h30m, or an ISO date such as 2026-11-22T10:00:00Z";
const DURATION = /^(?:\d+(?:\.\d+)?[hms])+$/;
const UNIT_SECONDS: Record<string, number> = { h: 3600, m: 60, s: 1 };

/**
 * `--since`: a Docker-style duration back from `nowMs` (`10m`, `2h`, `1h30m`, `1.5h`) or an ISO date
 * (`2026-11-22`, `2026-11-22T10:00:00Z`; without an offset it is local time). Returns Unix seconds.
 */
export function parseSince(text: string, nowMs: number): number {
  const value = text.trim();
  if (DURATION.test(value)) {
    let seconds = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) seconds += Number(amount) * UNIT_SECONDS[unit];
    return Math.floor(nowMs / 1000 - seconds);
  }
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(value)) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return Math.floor(at / 1000);
  }
  const hint = /^\d+(?:\.\d+)?$/.test(value) ? " (a number needs a unit)" : "";
  throw new UsageError(`--since ${JSON.stringify(text)} is neither a duration nor a date${hint}`, SINCE_FIX);
}

/** `--lines`: how many past lines to print, a whole number (0: only what follows). */
export function parseLines(text: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--lines ${JSON.stringify(text)} is not a whole number`, `give a count such as --lines ${DEFAULT_LOG_LINES}`);
  return Number(text.trim());
}

export function parseRole(text: string): Role {
  const role = text.toLowerCase();
  if ((ROLES as readonly string[]).includes(role)) return role as Role;
  throw new UsageError(`--on ${JSON.stringify(text)} is not a droplet role`, "use --on prod (the default) or --on fallback");
}

const tagged = (droplets: readonly Droplet[], tag: string) => droplets.filter((d) => d.tags.includes(tag));
const names = (ds: readonly Droplet[]) => ds.map((d) => d.name).join(", ");

/** PROD is the worker holding the reserved IP (as in diagnose); FALLBACK is the other one. */
export async function dropletFor(deps: AppCommandDeps, role: Role): Promise<Droplet> {
  const { prod: P, fallback: F } = deps.config.tags;
  const all = await deps.ports.digitalocean.listDroplets();
  const workers = [...new Map([...tagged(all, P), ...tagged(all, F)].map((d) => [d.id, d])).values()];
  if (workers.length === 0) throw new InconsistentStateError(`no droplet is tagged ${P} or ${F}`, "run `cdktf deploy` (it creates and tags both workers)");
  const ip = await findReservedIp(deps.ports, deps.config, workers);
  const holder = workers.find((d) => d.id === ip.dropletId);
  if (!holder)
    throw new InconsistentStateError(
      `reserved IP ${ip.ip} is not on a ${P} or ${F} droplet, so which one is ${P} is undecided`,
      "run `npm run switch -- status` and follow its fix",
    );
  if (role === "prod") return holder;
  const others = workers.filter((d) => d.id !== holder.id);
  if (others.length === 1) return others[0];
  if (others.length === 0) throw new InconsistentStateError(`there is no ${F} droplet (only ${holder.name} is a worker)`, `tag the second worker ${F}, or run \`cdktf deploy\` to create it`);
  throw new InconsistentStateError(`more than one droplet could be ${F}: ${names(others)}`, `keep exactly two workers, one tagged ${P} and one ${F}`);
}

/** The app container running on the droplet of `role`. */
export async function appTarget(deps: AppCommandDeps, role: Role): Promise<AppTarget> {
  const droplet = await dropletFor(deps, role);
  const containers = await deps.ports.docker(droplet).listAppContainers(deps.config.app.name);
  const container = containers.find((c) => c.running);
  if (!container) {
    const stopped = containers.length > 0 ? ` (${containers.length} stopped)` : "";
    throw new InconsistentStateError(
      `${role === "prod" ? deps.config.tags.prod : deps.config.tags.fallback} ${droplet.name} runs no ${deps.config.app.name} container${stopped}`,
      role === "prod"
        ? "deploy one with `npm run switch -- --image <ref>`, or see `npm run switch -- status`"
        : "the FALLBACK droplet has no release to run it in until a second deploy; use --on prod, or see `npm run switch -- status`",
    );
  }
  return { role, droplet, container };
}

export interface ExecRequest {
  readonly on: Role;
  /** The command words, as given after `--`. */
  readonly command: readonly string[];
  readonly io?: OneOffIo;
}

export interface ExecResult {
  /** The command's exit code; KILLED_EXIT_CODE when it was killed. */
  readonly exitCode: number;
  readonly timedOut: boolean;
  readonly droplet: string;
  readonly container: string;
}

/** Runs `command` in a one-off beside the app container of `on`: the same release, environment, mounts and limits. */
export async function runExec(deps: AppCommandDeps, request: ExecRequest): Promise<ExecResult> {
  if (request.command.length === 0) throw new UsageError("exec needs a command", "put it after `--`, e.g. `npm run switch -- exec -- sh -c 'echo hi'`");
  const target = await appTarget(deps, request.on);
  const name = `${deps.config.app.name}-exec-${randomBytes(4).toString("hex")}`;
  const result = await deps.ports.docker(target.droplet).runBeside(target.container.id, name, request.command, request.io);
  return {
    exitCode: result.exitCode ?? KILLED_EXIT_CODE,
    timedOut: result.timedOut,
    droplet: target.droplet.name,
    container: target.container.name,
  };
}

export interface LogsRequest {
  readonly on: Role;
  readonly follow: boolean;
  /** As given to --since: a duration or an ISO date. */
  readonly since?: string;
  /** Past lines to print. @default DEFAULT_LOG_LINES */
  readonly lines?: number;
  readonly sink: (chunk: string, stream: "stdout" | "stderr") => void;
  /** Ends a follow. */
  readonly signal?: AbortSignal;
}

/** Streams the logs of the app container of `on` to `sink`; with `follow`, until `signal` aborts or the container ends. */
export async function runLogs(deps: AppCommandDeps, request: LogsRequest): Promise<{ readonly droplet: string; readonly container: string }> {
  const since = request.since === undefined ? undefined : parseSince(request.since, deps.ports.clock.now());
  const tail = request.lines ?? DEFAULT_LOG_LINES;
  if (!Number.isInteger(tail) || tail < 0) throw new UsageError(`--lines ${tail} is not a whole number`, `give a count such as --lines ${DEFAULT_LOG_LINES}`);
  const target = await appTarget(deps, request.on);
  await deps.ports.docker(target.droplet).streamLogs(target.container.id, { follow: request.follow, since, tail }, request.sink, request.signal);
  return { droplet: target.droplet.name, container: target.container.name };
}

/** A partial line longer than this is shown without waiting for its newline. */
const MAX_HELD_CHARS = 64 * 1024;

/**
 * Redacts a stream chunk by chunk without missing a secret split across two chunks: complete lines are redacted
 * and shown at once, the partial last line is held until its newline (or `flush`). Secrets are single lines (the
 * SSH key's lines are masked one by one), so a line holds a secret whole.
 */
export class StreamRedactor {
  private held = "";
  constructor(private readonly redactor: { redact(text: string): string }) {}

  /** Whether a partial line waits for more. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** What can be shown now: every complete line so far, redacted. */
  write(chunk: string): string {
    const text = this.held + chunk;
    const cut = text.length > MAX_HELD_CHARS ? text.length : text.lastIndexOf("\n") + 1;
    this.held = text.slice(cut);
    return this.redactor.redact(text.slice(0, cut));
  }

  /** The partial line held back, redacted: at the end of the stream, or after a pause. */
  flush(): string {
    const text = this.held;
    this.held = "";
    return this.redactor.redact(text);
  }
}

/**
 * `write`, through a StreamRedactor; a partial line is shown after `idleMs` without more output (a prompt, a
 * keystroke's echo on a TTY), so only a secret whose halves arrive that far apart could slip through unmasked.
 */
export function redactedWriter(redactor: { redact(text: string): string }, write: (text: string) => void, idleMs: number): { write(chunk: string): void; end(): void } {
  const stream = new StreamRedactor(redactor);
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const rest = stream.flush();
    if (rest) write(rest);
  };
  return {
    write: (chunk) => {
      clearTimeout(timer);
      const now = stream.write(chunk);
      if (now) write(now);
      if (stream.holding) timer = setTimeout(flush, idleMs);
    },
    end: flush,
  };
}
