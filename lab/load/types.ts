/** What the lab's load generator is asked to do. */
export interface LoadOptions {
  /** Where every request goes. Only loopback or the lab's 198.18.0.0/15 hosts are accepted; http or https. */
  readonly url: string;
  /**
   * For an https url: the CA certificates (PEM) to trust, and the name to ask for (SNI) and check the certificate
   * against, since the url names an address. The lab passes Pebble's root and the app's domain.
   * @default the system's CAs and the url's host
   */
  readonly tls?: LoadTlsOptions;
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
  /**
   * Long-lived requests issued beside the open-model GETs and POSTs, on their own connections: slow GETs,
   * large uploads and server-sent-event streams (the demo app's /slow, /upload and /events).
   * @default none
   */
  readonly longLived?: LongLivedOptions;
}

export interface LoadTlsOptions {
  readonly ca: string;
  readonly servername: string;
}

/** Long-lived requests: the ones a drain must let finish, and streams that only end when someone closes them. */
export interface LongLivedOptions {
  /** A GET /slow?ms=slowAnswerMs every this many ms. @default none */
  readonly slowEveryMs?: number;
  /**
   * How long the server is asked to hold each slow request; its timeout is timeoutMs on top of this.
   * The demo app caps it at 30 s.
   * @default 5000 (DEFAULT_SLOW_ANSWER_MS)
   */
  readonly slowAnswerMs?: number;
  /** A POST /upload of uploadBytes every this many ms; its timeout is timeoutMs + slowAnswerMs. @default none */
  readonly uploadEveryMs?: number;
  /** Size of each upload. @default 1048576 (DEFAULT_UPLOAD_BYTES, 1 MiB) */
  readonly uploadBytes?: number;
  /**
   * GET /events streams held open for the whole run; one that closes is reopened (after a failure, 100 ms later).
   * At stop() they are ended by the client.
   * @default 0
   */
  readonly streams?: number;
}

/** The open model's short requests. */
export type ShortKind = "get" | "post";
/** The long-lived requests of LongLivedOptions. */
export type LongLivedKind = "slow" | "upload" | "stream";
export type RequestKind = ShortKind | LongLivedKind;

/**
 * How a stream that got its 2xx and at least one event ended. Neither is a failure:
 *  client         we ended it (stop());
 *  server-closed  the server side closed it (the app at shutdown, HAProxy at the switch's drain deadline).
 */
export type StreamEnd = "client" | "server-closed";

export type HttpMethod = "GET" | "POST";

/** One request, as it happened. Times are ms relative to the run's start. */
export interface RequestSample {
  readonly startMs: number;
  readonly endMs: number;
  readonly method: HttpMethod;
  /** HTTP status, or null when no response arrived (socket error, timeout). */
  readonly status: number | null;
  /**
   * Why no (complete) response arrived: an error code such as "ECONNRESET", "UND_ERR_SOCKET" or "timeout"; for a
   * stream answered 2xx that the server side closed or reset before its first event, that code or "closed before any event".
   */
  readonly error?: string;
  /** The app version that answered (X-App-Version header, else the JSON body's "version"). */
  readonly version?: string;
  /**
   * What kind of request this was. The load generator sets it on every sample; a sample without it (built by
   * hand, or recorded before kinds existed) is a short one, "get" or "post" by its method (stats.kindOf).
   */
  readonly kind?: RequestKind;
  /** Streams only: events received. */
  readonly events?: number;
  /** Streams only, and only when the stream succeeded: who ended it. */
  readonly streamEnd?: StreamEnd;
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
  /**
   * Stops issuing requests, ends the streams, waits for those in flight (each at most timeoutMs; slow requests and
   * uploads at most timeoutMs + slowAnswerMs) and returns everything.
   */
  stop(): Promise<LoadResult>;
  /** Records that something happened now, e.g. mark("switch-done"). */
  mark(label: string): void;
}
