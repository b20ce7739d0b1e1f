/** What the lab's load generator is asked to do. */
export interface LoadOptions {
  /** Where every request goes. Only loopback or the lab's 198.18.0.0/15 hosts are accepted. */
  readonly url: string;
  /** Fixed arrival rate (open model): requests are issued on schedule whether or not earlier ones were answered. */
  readonly ratePerSecond: number;
  /** Share of requests sent as POST (0..1), interleaved evenly with the GETs. */
  readonly postRatio: number;
  /**
   * Keep-alive connections the client may open. A request issued while all are busy waits for one,
   * and that wait counts toward its latency and its timeout.
   * @default 64
   */
  readonly connections?: number;
  /** A request unanswered this long after it was issued is recorded as error "timeout". @default 5000 */
  readonly timeoutMs?: number;
  /** Hard stop: no request is issued after this many ms, even if stop() is never called. */
  readonly maxDurationMs: number;
  /** Path for the POST requests. @default "/echo" */
  readonly postPath?: string;
  /** Long-lived requests beside the short ones (the demo app's /slow, /upload, /events). @default none */
  readonly longLived?: LongLivedOptions;
}

/** Long-lived requests that must survive a flip. */
export interface LongLivedOptions {
  /** A GET /slow (answered after 5 s) every this many ms. @default none */
  readonly slowEveryMs?: number;
  /** A POST /upload every this many ms. @default none */
  readonly uploadEveryMs?: number;
  /** Size of each upload. @default 1 MiB */
  readonly uploadBytes?: number;
  /** Server-sent-event streams held open for the whole run (a closed one is reopened). @default 0 */
  readonly streams?: number;
}

/** short: the open-model GETs and POSTs; the others are LongLivedOptions'. */
export type RequestKind = "slow" | "upload" | "stream";

export type HttpMethod = "GET" | "POST";

/** One request, as it happened. Times are ms relative to the run's start. */
export interface RequestSample {
  readonly startMs: number;
  readonly endMs: number;
  readonly method: HttpMethod;
  /** HTTP status, or null when no response arrived (socket error, timeout). */
  readonly status: number | null;
  /** Why no response arrived: an error code such as "ECONNRESET", "UND_ERR_SOCKET" or "timeout". */
  readonly error?: string;
  /** The app version that answered (X-App-Version header, else the JSON body's "version"). */
  readonly version?: string;
  /** Absent for the open-model's short requests. */
  readonly kind?: RequestKind;
  /** Streams: events received. */
  readonly events?: number;
  /** A stream that got its 200 and events: who ended it. "server-closed" (HAProxy or the app, e.g. at the drain deadline) is no failure. */
  readonly streamEnd?: "client" | "server-closed";
}

/** A labelled instant, e.g. "switch-started", in ms relative to the run's start. */
export interface LoadMark {
  readonly label: string;
  readonly atMs: number;
}

export interface LoadResult {
  /** Every request that was issued, answered or not. */
  readonly samples: RequestSample[];
  readonly marks: LoadMark[];
  /** Epoch ms of the run's start (for display); every `*Ms` field is relative to that start. */
  readonly startedAt: number;
}

export interface LoadRun {
  /** Stops issuing requests, waits for those in flight (each at most timeoutMs) and returns everything. */
  stop(): Promise<LoadResult>;
  /** Records that something happened now, e.g. mark("switch-done"). */
  mark(label: string): void;
}
