import type { Clock } from "./ports";

/** How a wait polls. Every deadline-and-backoff loop of the switch is this one. */
export interface WaitOptions {
  readonly timeoutMs: number;
  /** @default 50 */
  readonly firstDelayMs?: number;
  /** @default 500 */
  readonly maxDelayMs?: number;
  /** Each delay is the previous one times this. @default 2 */
  readonly factor?: number;
  /** An aborted signal ends the wait at its next poll by throwing the signal's reason. */
  readonly signal?: AbortSignal;
  /** The first poll comes this long after the start: what is waited for cannot be done sooner. Delays count from there. @default 0 */
  readonly firstPollAfterMs?: number;
}

/** Polls `done` until it returns true (→ true) or the deadline passes (→ false). */
export async function waitFor(clock: Clock, options: WaitOptions, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = clock.now() + options.timeoutMs;
  let delay = options.firstDelayMs ?? 50;
  if (options.firstPollAfterMs) await clock.sleep(Math.min(options.firstPollAfterMs, options.timeoutMs));
  for (;;) {
    options.signal?.throwIfAborted();
    if (await done()) return true;
    const left = deadline - clock.now();
    if (left <= 0) return false;
    await clock.sleep(Math.min(delay, left));
    delay = Math.min(delay * (options.factor ?? 2), options.maxDelayMs ?? 500);
  }
}
