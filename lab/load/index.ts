/**
 * The lab's load generator and its statistics.
 *
 *   const run = startLoad({ url: "http://198.18.3.2/", ratePerSecond: 1000, postRatio: 0.3, maxDurationMs: 30_000 });
 *   await run.ready;                       // requests are flowing
 *   ... run the switch; run.mark("switch-done") when it reports success ...
 *   const result = await run.stop();       // one sample per issued request
 *   summarize(result.samples).failed       // non-2xx + socket errors + timeouts
 *   versionsAfter(result.samples, markAt(result.marks, "switch-done"))   // e.g. { v2: 14873 }
 */
export { startLoad, type StartedLoadRun } from "./start-load";
export { assertLabTarget, isLabHost, LoadTargetRefusedError } from "./target";
export { InvalidLoadOptionsError, DEFAULT_CONNECTIONS, DEFAULT_POST_PATH, DEFAULT_TIMEOUT_MS } from "./options";
export * from "./stats";
export * from "./flip-figures";
export type * from "./types";
