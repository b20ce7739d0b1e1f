import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { LockHeldError } from "./errors";
import type { LockHolder } from "./model";
import type { Clock, LockPort } from "./ports";

export interface LockRequest {
  readonly who: string;
  readonly command: string;
  readonly image?: string;
  readonly message?: string;
  readonly ttlMs: number;
}

export interface HostIdentity {
  readonly host: string;
  readonly pid: number;
  /** Whether a process of this host is still running; lets a re-run on the same machine take over after a crash. */
  isAlive(pid: number): boolean;
}

export const thisHost: HostIdentity = {
  host: hostname(),
  pid: process.pid,
  isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
};

/** Why a lock may be taken over, or undefined when its holder may still be working. */
export function staleReason(holder: LockHolder | null, now: number, self: HostIdentity): string | undefined {
  if (!holder) return "the lock has no holder record (a run died while taking it)";
  if (Date.parse(holder.expiresAt) <= now) return `it expired at ${holder.expiresAt}`;
  if (holder.host === self.host && holder.pid !== self.pid && !self.isAlive(holder.pid)) return `its process ${holder.pid} on ${holder.host} is gone`;
  return undefined;
}

export function describeHolder(h: LockHolder): string {
  return `${h.who} (${h.command}${h.image ? ` ${h.image}` : ""}${h.message ? `: "${h.message}"` : ""}) since ${h.acquiredAt}, expires ${h.expiresAt}`;
}

/**
 * Takes the deploy lock or explains who holds it. A live holder is never overridden here:
 * only `lock release --force` does that, on purpose.
 */
export async function acquireLock(port: LockPort, request: LockRequest, clock: Clock, self: HostIdentity, warn: (line: string) => void): Promise<LockHolder> {
  const now = clock.now();
  const holder: LockHolder = {
    id: randomUUID(),
    who: request.who,
    host: self.host,
    pid: self.pid,
    command: request.command,
    image: request.image,
    message: request.message,
    acquiredAt: new Date(now).toISOString(),
    expiresAt: new Date(now + request.ttlMs).toISOString(),
  };
  let attempt = await port.tryAcquire(holder);
  if (!attempt.acquired) {
    const stale = staleReason(attempt.holder, now, self);
    if (!stale) {
      const h = attempt.holder!;
      throw new LockHeldError(`deploy lock held by ${describeHolder(h)}`, "wait for that run to finish; if it died, run `npm run switch -- lock release --force`");
    }
    warn(`taking over a stale deploy lock: ${stale}`);
    attempt = await port.takeOver(attempt.holder, holder);
    if (!attempt.acquired)
      throw new LockHeldError(`deploy lock was taken by ${attempt.holder ? describeHolder(attempt.holder) : "another run"} meanwhile`, "wait for that run to finish");
  }
  return holder;
}
