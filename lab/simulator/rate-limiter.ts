/**
 * DigitalOcean's per-token limits: sliding windows of one minute and one hour.
 * Headers describe the hourly window as DigitalOcean's do: ratelimit-limit, ratelimit-remaining
 * and ratelimit-reset (Unix seconds when the oldest counted request leaves the window).
 * On a 429 ratelimit-reset is instead when a request will be allowed again (now + retry-after):
 * a client that waits for the reset must not wait longer than retry-after says.
 */
export interface RateLimits {
  perMinute: number;
  perHour: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
  /** Seconds until a request would be allowed again; only when refused. */
  retryAfterSeconds?: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export class RateLimiter {
  /** Arrival times of counted requests per token, oldest first, trimmed to the last hour. */
  private readonly history = new Map<string, number[]>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the request when it is allowed; a refused request does not use up quota. */
  take(token: string): RateDecision {
    const now = this.now();
    const times = this.trimmed(token, now);
    const inLastMinute = times.filter((t) => t > now - MINUTE_MS);
    if (times.length >= this.limits.perHour || inLastMinute.length >= this.limits.perMinute) {
      const freeAt = Math.max(
        times.length >= this.limits.perHour ? times[times.length - this.limits.perHour]! + HOUR_MS : 0,
        inLastMinute.length >= this.limits.perMinute ? inLastMinute[inLastMinute.length - this.limits.perMinute]! + MINUTE_MS : 0,
      );
      return { allowed: false, ...refusal(this.headersFor(times, now), now, Math.max(1, Math.ceil((freeAt - now) / 1000))) };
    }
    times.push(now);
    return { allowed: true, headers: this.headersFor(times, now) };
  }

  /** Headers without counting a request (for answers that do not consume quota, such as 401). */
  peek(token: string): Record<string, string> {
    const now = this.now();
    return this.headersFor(this.trimmed(token, now), now);
  }

  /**
   * Headers for a 429 the simulator was told to inject: the quota looks spent, and it frees up
   * after `retryAfterSeconds`, as a real refusal would.
   */
  throttled(token: string, retryAfterSeconds: number): Record<string, string> {
    const now = this.now();
    return refusal({ ...this.headersFor(this.trimmed(token, now), now), "ratelimit-remaining": "0" }, now, retryAfterSeconds).headers;
  }

  private trimmed(token: string, now: number): number[] {
    const times = (this.history.get(token) ?? []).filter((t) => t > now - HOUR_MS);
    this.history.set(token, times);
    return times;
  }

  private headersFor(times: number[], now: number): Record<string, string> {
    const reset = times.length > 0 ? times[0]! + HOUR_MS : now;
    return {
      "ratelimit-limit": String(this.limits.perHour),
      "ratelimit-remaining": String(Math.max(0, this.limits.perHour - times.length)),
      "ratelimit-reset": String(Math.ceil(reset / 1000)),
    };
  }
}

/** A refusal's headers: retry-after and a ratelimit-reset that agree, so either one tells the client the same wait. */
function refusal(
  headers: Record<string, string>,
  now: number,
  retryAfterSeconds: number,
): { headers: Record<string, string>; retryAfterSeconds: number } {
  return {
    headers: {
      ...headers,
      "ratelimit-reset": String(Math.ceil(now / 1000) + retryAfterSeconds),
      "retry-after": String(retryAfterSeconds),
    },
    retryAfterSeconds,
  };
}
