import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { LockHeldError, LockLostError } from "./errors";
import type { LockClaim, LockHolder, LockReading } from "./model";
import type { Clock, LockPort } from "./ports";

export interface LockRequest {
  readonly who: string;
  readonly command: string;
  readonly image?: string;
  readonly message?: string;
  readonly ttlMs: number;
}

/** Which machine and process ask for the lock: written into the holder record for people, never used to judge it. */
export interface HostIdentity {
  readonly host: string;
  readonly pid: number;
}

export const thisHost: HostIdentity = { host: hostname(), pid: process.pid };

/** A runner clock this far from the balancer's is worth a warning (it no longer matters to the lock). */
const CLOCK_SKEW_WARNING_MS = 60_000;

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * Why a lock may be taken over, or undefined while its holder may still be working. Only the balancer's clock
 * decides: a lock with a valid lease is stale once that lease has expired; one whose record cannot be trusted
 * (no holder file, invalid JSON, no lease) once it has not changed for a TTL. A holder's host or pid never counts:
 * two containers or laptops may share a hostname, and a pid means nothing on another machine.
 */
export function staleReason(lock: LockReading | null, ttlMs: number): string | undefined {
  if (!lock) return undefined;
  if (lock.expiresInMs !== undefined)
    return lock.expiresInMs <= 0 ? `it expired at ${lock.holder?.expiresAt} (${seconds(-lock.expiresInMs)} ago by the balancer's clock)` : undefined;
  return lock.ageMs >= ttlMs ? `${lock.problem ?? "its record is unreadable"}, and it has not changed for ${seconds(lock.ageMs)} (SWITCH_LOCK_TTL_SECONDS is ${seconds(ttlMs)})` : undefined;
}

export function describeHolder(h: LockHolder): string {
  return `${h.who} (${h.command}${h.image ? ` ${h.image}` : ""}${h.message ? `: "${h.message}"` : ""}) since ${h.acquiredAt}, expires ${h.expiresAt}`;
}

/** The lock as a person needs it: its holder, or what is wrong with its record and when it can be taken over. */
export function describeLock(lock: LockReading, ttlMs: number): string {
  if (lock.holder && !lock.problem) return describeHolder(lock.holder);
  const who = lock.holder ? `${describeHolder(lock.holder)}, ` : "";
  const wait = Math.max(0, ttlMs - lock.ageMs);
  return `${who}a lock whose record cannot be trusted: ${lock.problem}${wait > 0 ? `; it can be taken over in ${seconds(wait)}` : ""}`;
}

/**
 * Takes the deploy lock or explains who holds it. A live holder is never overridden here: only `lock release --force`
 * does that, on purpose. The balancer writes every time in the record; `clock` only serves a warning when this
 * runner's clock is far from the balancer's.
 */
export async function acquireLock(port: LockPort, request: LockRequest, clock: Clock, self: HostIdentity, warn: (line: string) => void): Promise<LockHolder> {
  const claim: LockClaim = {
    id: randomUUID(),
    who: request.who,
    host: self.host,
    pid: self.pid,
    command: request.command,
    ...(request.image ? { image: request.image } : {}),
    ...(request.message ? { message: request.message } : {}),
  };
  const asked = clock.now();
  let attempt = await port.tryAcquire(claim, request.ttlMs);
  if (!attempt.acquired) {
    const current = attempt.current;
    // No lock at all but no grant either can only be a lock released between the two halves of one script: ask again.
    if (!current) attempt = await port.tryAcquire(claim, request.ttlMs);
    else {
      const stale = staleReason(current, request.ttlMs);
      if (!stale)
        throw new LockHeldError(
          `deploy lock held by ${describeLock(current, request.ttlMs)}`,
          "wait for that run to finish; if it died, run `npm run switch -- lock release` once it is stale, or `lock release --force` when you are sure",
        );
      warn(`taking over a stale deploy lock: ${stale}`);
      attempt = await port.takeOver(current, claim, request.ttlMs);
    }
    if (!attempt.acquired)
      throw new LockHeldError(
        `deploy lock was taken by ${attempt.current ? describeLock(attempt.current, request.ttlMs) : "another run"} meanwhile`,
        "wait for that run to finish",
      );
  }
  const skew = Date.parse(attempt.holder.acquiredAt) - asked;
  if (Math.abs(skew) > CLOCK_SKEW_WARNING_MS)
    warn(`this machine's clock is ${seconds(Math.abs(skew))} ${skew > 0 ? "behind" : "ahead of"} the balancer's: lock times are the balancer's, but fix NTP here`);
  return attempt.holder;
}

/** Runs `tick` every `ms` until the returned function is called. */
export interface Timer {
  every(ms: number, tick: () => Promise<void>): () => void;
}

/** Real time, unref'd: a pending renewal never keeps the process alive. */
export const realTimer: Timer = {
  every(ms, tick) {
    let stopped = false;
    let handle: NodeJS.Timeout | undefined;
    const schedule = () => {
      handle = setTimeout(() => void tick().finally(() => !stopped && schedule()), ms);
      handle.unref();
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(handle);
    };
  },
};

/** Of the TTL, how long without a confirmed renewal this run still trusts its lease (the balancer counts from when it renewed, later than we asked). */
const TRUSTED_SHARE = 0.8;

/**
 * A held deploy lock, kept alive: renewed (compare-and-swap on its id) before every step and every TTL/3 in between,
 * so a long wait (a pull, a hook, the gate) never outlives it. Once the lock is found taken over or released, or no
 * renewal was confirmed for most of a TTL, the lease is lost: `renew` throws LockLostError and `signal` aborts, which
 * ends the waits of the step in progress, so the run stops before its next change.
 */
export class Lease {
  private current: LockHolder;
  private lost: LockLostError | undefined;
  private readonly controller = new AbortController();
  /** When the last confirmed renewal was asked for, by this runner's clock (only durations are measured with it). */
  private renewedAt: number;
  private inFlight: Promise<void> | undefined;
  private stopTimer: (() => void) | undefined;

  constructor(
    private readonly port: LockPort,
    holder: LockHolder,
    private readonly clock: Clock,
    private readonly options: { readonly ttlMs: number; readonly warn: (line: string) => void; readonly timer?: Timer },
  ) {
    this.current = holder;
    this.renewedAt = clock.now();
  }

  get holder(): LockHolder {
    return this.current;
  }

  /** Aborted with a LockLostError once the lock is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Before a step: throws LockLostError when the lock is no longer this run's; an unconfirmed renewal throws its error. */
  renew(): Promise<void> {
    if (this.lost) return Promise.reject(this.lost);
    this.inFlight ??= this.renewOnce().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async renewOnce(): Promise<void> {
    const asked = this.clock.now();
    let result;
    try {
      result = await this.port.renew(this.current.id, this.options.ttlMs);
    } catch (error) {
      if (asked - this.renewedAt >= this.options.ttlMs * TRUSTED_SHARE)
        throw this.lose(`the deploy lock could not be renewed for ${seconds(asked - this.renewedAt)} (${(error as Error).message}), so it may have expired`, error);
      throw error;
    }
    if (!result.renewed) {
      const now = result.current?.holder ? `taken over by ${describeHolder(result.current.holder)}` : result.current ? "replaced by an unreadable record" : "released";
      throw this.lose(`the deploy lock was ${now} while this run held it (lock release --force, or an expiry)`);
    }
    this.current = result.holder;
    this.renewedAt = asked;
  }

  private lose(message: string, cause?: unknown): LockLostError {
    this.lost = new LockLostError(`${message}: stopped before the next change`, { cause });
    this.controller.abort(this.lost);
    this.stop();
    return this.lost;
  }

  /** Renews every TTL/3 until stop(); a failed renewal is retried at the next tick, and warned about. */
  start(): void {
    this.stopTimer ??= (this.options.timer ?? realTimer).every(Math.max(1000, this.options.ttlMs / 3), () =>
      this.renew().catch((error: Error) => {
        if (error instanceof LockLostError) this.options.warn(error.message);
        else this.options.warn(`could not renew the deploy lock (${error.message}); retrying`);
      }),
    );
  }

  stop(): void {
    this.stopTimer?.();
    this.stopTimer = undefined;
  }
}
