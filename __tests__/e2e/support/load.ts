import { Lab } from "../../../lab/lab";
import { publicEntry } from "../../../lab/public-entry";
import { failureReasons, LoadResult, LongLivedOptions, markAt, startLoad, summarize, Summary, versionsAfter } from "../../../lab/load";

/** The long-lived requests a flip must carry: a 5 s GET and a 1 MiB upload every 500 ms, and 4 event streams. */
export const SPANNING_REQUESTS: LongLivedOptions = { slowEveryMs: 500, uploadEveryMs: 500, streams: 4 };

/** Mixed GET and POST through HAProxy's HTTPS entry (as users reach it) at a fixed arrival rate while `during` runs. */
export async function underLoad<T>(
  lab: Lab,
  ratePerSecond: number,
  during: (mark: (label: string) => void) => Promise<T>,
  longLived?: LongLivedOptions,
): Promise<{ value: T; result: LoadResult }> {
  const load = startLoad({ ...publicEntry(lab.plan), ratePerSecond, postRatio: 0.3, maxDurationMs: 240_000, timeoutMs: 10_000, longLived });
  await load.ready;
  await new Promise((r) => setTimeout(r, 1000));
  let value: T;
  try {
    value = await during((label) => load.mark(label));
  } finally {
    await new Promise((r) => setTimeout(r, 1000));
  }
  const result = await load.stop();
  return { value, result };
}

export interface LoadVerdict {
  readonly summary: Summary;
  readonly failures: Record<string, number>;
}

export function verdict(result: LoadResult): LoadVerdict {
  return { summary: summarize(result.samples), failures: failureReasons(result.samples) };
}

/** Who answered the requests that started after `mark`: e.g. { v2: 5230 } and nothing else. */
export function answeredAfter(result: LoadResult, mark: string): Record<string, number> {
  return versionsAfter(result.samples, markAt(result.marks, mark));
}
