import type { RequestSample } from "./types";

/** Messages from the load worker to startLoad(). */
export type WorkerMessage =
  | { readonly type: "started"; readonly startedAt: number; readonly startedAtMonotonicMs: number }
  | { readonly type: "done"; readonly samples: RequestSample[] }
  | { readonly type: "failed"; readonly message: string };
