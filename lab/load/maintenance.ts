import type { RequestSample } from "./types";
import { isFailure, type Window } from "./stats";

/** Answers during a maintenance window, by kind: the 503 page is expected there and is counted apart from failures. */
export interface MaintenanceCounts {
  /** 2xx from the app. */
  readonly served: number;
  /** HAProxy's maintenance page: 503 with no app version, for a request sent inside the window. */
  readonly maintenancePage: number;
  /** Everything else that did not succeed, in or out of the window. */
  readonly failed: number;
}

export function maintenanceCounts(samples: readonly RequestSample[], window: Required<Window>): MaintenanceCounts {
  let served = 0;
  let maintenancePage = 0;
  let failed = 0;
  for (const s of samples) {
    const inside = s.startMs >= window.fromMs && s.startMs <= window.toMs;
    if (!isFailure(s)) served++;
    else if (inside && s.status === 503 && !s.version && !s.error) maintenancePage++;
    else failed++;
  }
  return { served, maintenancePage, failed };
}
