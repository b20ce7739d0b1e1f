/**
 * One monotonic clock for every thread of the process (CLOCK_MONOTONIC via hrtime), in fractional ms.
 * Marks are taken on the caller's thread and samples on the worker's; performance.now() has a different
 * origin in each thread and Date.now() can jump, so both sides use this.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
