import { ExternalError } from "../../core/errors";
import type { Clock } from "../ports";

export interface RateWindow {
  readonly limit: number;
  readonly windowMs: number;
}

/** DigitalOcean allows 250 requests per minute and 5,000 per hour per token. */
export const DIGITALOCEAN_LIMITS: readonly RateWindow[] = [
  { limit: 250, windowMs: 60_000 },
  { limit: 5000, windowMs: 3_600_000 },
];

/**
 * Client-side sliding windows, plus what the server says (ratelimit-remaining / ratelimit-reset):
 * we wait before sending rather than collect 429s. Several runs can share one token, so the server's view wins.
 */
export class RateLimiter {
  private readonly sent: number[] = [];
  private serverBlockedUntil = 0;

  constructor(private readonly clock: Clock, private readonly windows: readonly RateWindow[] = DIGITALOCEAN_LIMITS) {}

  /** Milliseconds to wait before the next request may go. */
  delayMs(): number {
    const now = this.clock.now();
    let wait = Math.max(0, this.serverBlockedUntil - now);
    for (const w of this.windows) {
      const inWindow = this.sent.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.limit) wait = Math.max(wait, inWindow[inWindow.length - w.limit] + w.windowMs - now);
    }
    return wait;
  }

  /**
   * Waits for a free slot. A wait longer than `maxWaitMs` (the hourly budget is spent) fails at once:
   * a CI job should say so, not sleep for most of an hour.
   */
  async acquire(maxWaitMs = 65_000): Promise<void> {
    for (let wait = this.delayMs(); wait > 0; wait = this.delayMs()) {
      if (wait > maxWaitMs)
        throw new ExternalError(
          `DigitalOcean's API rate limit for this token is used up until ${new Date(this.clock.now() + wait).toISOString()}`,
          "wait until then, or stop other jobs that share DIGITALOCEAN_TOKEN (limits: 250 requests/minute, 5,000/hour)",
        );
      await this.clock.sleep(wait);
    }
    const now = this.clock.now();
    this.sent.push(now);
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    while (this.sent.length > 0 && this.sent[0] <= now - longest) this.sent.shift();
  }

  /** ratelimit-remaining: 0 means wait until ratelimit-reset (epoch seconds). Not applied to a 429, whose retry-after is the specific instruction. */
  observe(headers: Headers): void {
    const remaining = Number(headers.get("ratelimit-remaining"));
    const reset = Number(headers.get("ratelimit-reset"));
    if (headers.has("ratelimit-remaining") && remaining <= 0 && Number.isFinite(reset)) this.serverBlockedUntil = Math.max(this.serverBlockedUntil, reset * 1000);
  }
}
