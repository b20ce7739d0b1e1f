import type { ComparableFigures } from "../measure/ratios";
import type { MethodResult } from "../model";

/**
 * The figures compared across methods all come from the cutover's switch window, so (a), whose load run
 * also holds a rollback, is compared on its cutover alone, like the methods that have no rollback.
 */
export function comparable(result: MethodResult): ComparableFigures {
  const c = result.cutover;
  return {
    failed: c ? c.window.failed : null,
    windowP99Ms: c ? c.window.p99Ms : null,
    windowMaxMs: c ? c.window.maxMs : null,
    timeToNewVersionSeconds: c ? c.timeToTargetSeconds : null,
  };
}
