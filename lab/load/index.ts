/**
 * The lab's load generator and its statistics.
 *
 *   const run = startLoad({ url: "http://198.18.3.2/", ratePerSecond: 1000, postRatio: 0.3, maxDurationMs: 30_000 });
 *   await run.ready;                       // requests are flowing
 *   ... run the switch; run.mark("switch-done") when it reports success ...
 *   const result = await run.stop();       // one sample per issued request
 *   summarize(result.samples).failed       // non-2xx + socket errors + timeouts
 *   versionsAfter(result.samples, markAt(result.marks, "switch-done"))   // e.g. { v2: 14873 }
 *
 * With long-lived requests beside it (their own connections; one sample each, with its `kind`):
 *   startLoad({ ..., longLived: { slowEveryMs: 1000, uploadEveryMs: 1000, streams: 4 } })
 *   longLivedCounts(result.samples).stream      // { sent, ok, failed, opened, closedByServer }
 *   mixedVersionAnswers(result.samples, "v1", "v2")   // old answers to requests sent after the first new one: 0
 */
export { startLoad, type StartedLoadRun } from "./start-load";
export { assertLabTarget, isLabHost, LoadTargetRefusedError } from "./target";
export {
  InvalidLoadOptionsError,
  DEFAULT_CONNECTIONS,
  DEFAULT_POST_PATH,
  DEFAULT_SLOW_ANSWER_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_UPLOAD_BYTES,
} from "./options";
export * from "./stats";
export * from "./flip-figures";
export type * from "./types";
export * from "./maintenance";
