import type { RequestSample } from "./types";
import { isFailure, type Window } from "./stats";

/** Answers during a maintenance window, by kind: the 503 page is expected there and is counted apart from failures. */
export interface MaintenanceCounts {
  /** 2xx from the app. */
  readonly served: number;
  /** HAProxy's maintenance page: 503 with no app version, for a request sent inside the window. */
  readonly maintenancePage: number;
  /**
   * Large uploads sent inside the window whose connection HAProxy closed while the body was still coming: it answers
   * the page from the headers and does not read a body bigger than its buffer, so the client's write fails (EPIPE)
   * before it reads the 503. A known limit of the page, reported on its own, not hidden among successes.
   */
  readonly uploadsCutByThePage: number;
  /** Everything else that did not succeed, in or out of the window. */
  readonly failed: number;
}

export function maintenanceCounts(samples: readonly RequestSample[], window: Required<Window>): MaintenanceCounts {
  let served = 0;
  let maintenancePage = 0;
  let uploadsCutByThePage = 0;
  let failed = 0;
  for (const s of samples) {
    const inside = s.startMs >= window.fromMs && s.startMs <= window.toMs;
    if (!isFailure(s)) served++;
    else if (inside && s.status === 503 && !s.version && !s.error) maintenancePage++;
    else if (inside && s.kind === "upload" && s.status === null && /EPIPE|ECONNRESET|UND_ERR_SOCKET/.test(s.error ?? "")) uploadsCutByThePage++;
    else failed++;
  }
  return { served, maintenancePage, uploadsCutByThePage, failed };
}
