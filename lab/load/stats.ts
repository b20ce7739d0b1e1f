/**
 * Pure statistics over load samples: what the demo prints, what the e2e tests assert and what the
 * benchmark compares. A request fails when it got a non-2xx status or no response at all (socket
 * error, timeout); both count, separately and in `failed`. Every kind of request counts, long-lived
 * ones included; only latency is the short requests' alone (a slow request or a stream is long by design).
 */
import { InternalError } from "../../core/errors";
import type { LoadMark, LongLivedKind, RequestKind, RequestSample, ShortKind } from "./types";

/** Every kind of request, short ones first: the order in which counts are reported. */
export const REQUEST_KINDS: readonly RequestKind[] = ["get", "post", "slow", "upload", "stream"];
export const SHORT_KINDS: readonly ShortKind[] = ["get", "post"];
export const LONG_LIVED_KINDS: readonly LongLivedKind[] = ["slow", "upload", "stream"];

/** The sample's kind; one without a kind is a short request, "get" or "post" by its method. */
export function kindOf(sample: RequestSample): RequestKind {
  return sample.kind ?? (sample.method === "POST" ? "post" : "get");
}

/** One of the open model's GETs or POSTs (not a slow request, an upload or a stream). */
export function isShort(sample: RequestSample): boolean {
  const kind = kindOf(sample);
  return kind === "get" || kind === "post";
}

/** Key used for an answered request whose version could not be read. */
export const NO_VERSION = "(none)";

/** A time window over request START times: fromMs inclusive, toMs exclusive; either end may be open. */
export interface Window {
  readonly fromMs?: number;
  readonly toMs?: number;
}

export interface Summary {
  /** Requests issued in the window. */
  readonly sent: number;
  readonly ok: number;
  /** non2xx + socketErrors. */
  readonly failed: number;
  /** Answered, but with a status outside 200-299. */
  readonly non2xx: number;
  /** Not (completely) answered: socket error, timeout, or a stream closed before its first event. */
  readonly socketErrors: number;
  /**
   * Latency percentiles over every short request (get, post) in the window, failures included (a timeout counts
   * as its full wait); null when there is none.
   */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Requests issued per second over the window (or over the span of start times when the window is open); null when unmeasurable. */
  readonly rps: number | null;
}

export function isFailure(sample: RequestSample): boolean {
  return sample.error !== undefined || sample.status === null || sample.status < 200 || sample.status > 299;
}

export function inWindow(samples: readonly RequestSample[], window: Window = {}): RequestSample[] {
  const from = window.fromMs ?? -Infinity;
  const to = window.toMs ?? Infinity;
  return samples.filter((s) => s.startMs >= from && s.startMs < to);
}

export function summarize(samples: readonly RequestSample[], window: Window = {}): Summary {
  const selected = inWindow(samples, window);
  let socketErrors = 0;
  let non2xx = 0;
  for (const sample of selected) {
    if (sample.error !== undefined || sample.status === null) socketErrors++;
    else if (isFailure(sample)) non2xx++;
  }
  const latencies = selected.filter(isShort).map((s) => s.endMs - s.startMs).sort((a, b) => a - b);
  return {
    sent: selected.length,
    ok: selected.length - socketErrors - non2xx,
    failed: socketErrors + non2xx,
    non2xx,
    socketErrors,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? latencies[latencies.length - 1] : null,
    rps: rate(selected, window),
  };
}

export interface KindCounts {
  /** Requests of this kind that started in the window. */
  readonly sent: number;
  /** Succeeded: a 2xx, and for a stream at least one event or an end by the client. */
  readonly ok: number;
  /** sent - ok. */
  readonly failed: number;
}

export interface StreamCounts extends KindCounts {
  /** Answered 2xx, whatever happened next. */
  readonly opened: number;
  /** Succeeded, then were closed by the server side (the app at shutdown, HAProxy at the drain deadline): no failure. */
  readonly closedByServer: number;
}

export type CountsByKind = { readonly [K in Exclude<RequestKind, "stream">]: KindCounts } & { readonly stream: StreamCounts };

/** Sent, succeeded and failed per kind of request started in the window; every kind is present, with zeros if unused. */
export function countsByKind(samples: readonly RequestSample[], window: Window = {}): CountsByKind {
  const counts = Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, { sent: 0, ok: 0, failed: 0, opened: 0, closedByServer: 0 }]));
  for (const sample of inWindow(samples, window)) {
    const of = counts[kindOf(sample)];
    of.sent++;
    if (isFailure(sample)) of.failed++;
    else of.ok++;
    if (sample.status !== null && sample.status >= 200 && sample.status <= 299) of.opened++;
    if (sample.streamEnd === "server-closed" && !isFailure(sample)) of.closedByServer++;
  }
  const plain = ({ sent, ok, failed }: KindCounts): KindCounts => ({ sent, ok, failed });
  const { get, post, slow, upload, stream } = counts;
  return { get: plain(get), post: plain(post), slow: plain(slow), upload: plain(upload), stream };
}

export type LongLivedCounts = Pick<CountsByKind, LongLivedKind>;

/** countsByKind for the long-lived kinds alone: what the demo reports beside the short requests' summary. */
export function longLivedCounts(samples: readonly RequestSample[], window: Window = {}): LongLivedCounts {
  const { slow, upload, stream } = countsByKind(samples, window);
  return { slow, upload, stream };
}

/** Nearest-rank percentile of an ascending list: the smallest value with at least p% of the list at or below it. */
export function percentile(ascending: readonly number[], p: number): number | null {
  if (ascending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * ascending.length));
  return ascending[Math.min(rank, ascending.length) - 1];
}

function rate(selected: readonly RequestSample[], window: Window): number | null {
  if (selected.length === 0) return null;
  const from = window.fromMs ?? startRange(selected).min;
  const to = window.toMs ?? startRange(selected).max;
  const spanMs = to - from;
  return spanMs > 0 ? (selected.length / spanMs) * 1000 : null;
}

/**
 * Who answered the requests that STARTED at or after `atMs`: version -> count. Failed requests count
 * under "failed", answered ones without a readable version under NO_VERSION, so
 * `expect(versionsAfter(s, t)).toEqual({ v2: n })` fails on anything but clean v2 answers.
 */
export function versionsAfter(samples: readonly RequestSample[], atMs: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.startMs < atMs) continue;
    const key = isFailure(sample) ? "failed" : (sample.version ?? NO_VERSION);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Why requests failed, e.g. { "status 502": 3, ECONNRESET: 1, timeout: 2 }; empty when none did. */
export function failureReasons(samples: readonly RequestSample[]): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const sample of samples) {
    if (!isFailure(sample)) continue;
    const reason = sample.error ?? (sample.status === null ? "no response" : `status ${sample.status}`);
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return reasons;
}

export interface Bucket {
  /** Start of the bucket, ms relative to the run's start. */
  readonly startMs: number;
  /** Requests that started in the bucket: errors + the sum of versions. */
  readonly count: number;
  readonly errors: number;
  /** Successful answers by version (NO_VERSION when unreadable). */
  readonly versions: Record<string, number>;
}

/** Groups requests by start time into contiguous buckets of `widthMs` from 0 to the last request; empty buckets included. */
export function bucketize(samples: readonly RequestSample[], widthMs: number): Bucket[] {
  if (!(widthMs > 0)) throw new RangeError(`bucket width must be positive, got ${widthMs}`);
  if (samples.length === 0) return [];
  const { min, max } = startRange(samples);
  const lastIndex = Math.floor(max / widthMs);
  const firstIndex = Math.min(0, Math.floor(min / widthMs));
  const buckets = Array.from({ length: lastIndex - firstIndex + 1 }, (_, i) => ({
    startMs: (firstIndex + i) * widthMs,
    count: 0,
    errors: 0,
    versions: {} as Record<string, number>,
  }));
  for (const sample of samples) {
    const bucket = buckets[Math.floor(sample.startMs / widthMs) - firstIndex];
    bucket.count++;
    if (isFailure(sample)) bucket.errors++;
    else {
      const version = sample.version ?? NO_VERSION;
      bucket.versions[version] = (bucket.versions[version] ?? 0) + 1;
    }
  }
  return buckets;
}

/** Asking for a mark the run never recorded is a bug in the caller (demo, test or benchmark). */
export class MarkNotFoundError extends InternalError {
  constructor(label: string, marks: readonly LoadMark[]) {
    super(`no mark ${JSON.stringify(label)} in this run (marks: ${marks.map((m) => m.label).join(", ") || "none"})`);
  }
}

/** Earliest and latest start time; loops rather than Math.min(...spread), which overflows the stack on long runs. */
function startRange(samples: readonly RequestSample[]): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const { startMs } of samples) {
    if (startMs < min) min = startMs;
    if (startMs > max) max = startMs;
  }
  return { min, max };
}

/** The window between the first mark labelled `from` and the first mark labelled `to` at or after it. */
export function windowOf(marks: readonly LoadMark[], from: string, to: string): Required<Window> {
  const start = marks.find((m) => m.label === from);
  if (!start) throw new MarkNotFoundError(from, marks);
  const end = marks.find((m) => m.label === to && m.atMs >= start.atMs);
  if (!end) throw new MarkNotFoundError(to, marks);
  return { fromMs: start.atMs, toMs: end.atMs };
}

/** The instant of the first mark with this label. */
export function markAt(marks: readonly LoadMark[], label: string): number {
  const mark = marks.find((m) => m.label === label);
  if (!mark) throw new MarkNotFoundError(label, marks);
  return mark.atMs;
}
