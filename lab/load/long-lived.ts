import type { Pool } from "undici";
import { errorCode, headerVersion, labPool, versionFromBody } from "./client";
import type { ResolvedLongLivedOptions } from "./options";
import type { LoadTlsOptions, RequestSample, StreamEnd } from "./types";

/**
 * Long-lived requests beside the open-model load (LongLivedOptions): a slow GET and an upload on fixed periods,
 * and a number of server-sent-event streams held open (reopened when they close). They have their own pool, so
 * they never hold a connection the short requests are waiting for. Runs in the load worker next to the open model
 * and on its clock: `elapsed()` is ms since the run's start.
 */
export interface LongLivedRun {
  /** Resolves once stop() was called and every long-lived request has settled: one sample each, streams included. */
  readonly done: Promise<RequestSample[]>;
  /**
   * Ends issuing and ends every answered stream from the client side. A stream still waiting for its answer gets
   * it (then is ended) or times out, like every other request in flight.
   */
  stop(): void;
}

export interface LongLivedSettings extends ResolvedLongLivedOptions {
  readonly url: string;
  readonly tls?: LoadTlsOptions;
  /** The load's per-request timeout: a stream's wait for its answer; slow requests and uploads get slowAnswerMs more. */
  readonly timeoutMs: number;
}

export const SLOW_PATH = "/slow";
export const UPLOAD_PATH = "/upload";
export const STREAM_PATH = "/events";
/** A stream that failed is reopened after this pause, so a server answering 503 at once is not a busy loop. */
export const STREAM_REOPEN_DELAY_MS = 100;
/** Text kept between chunks while looking for the blank line that ends an event; a body without one is no event stream. */
const MAX_PENDING_EVENT_TEXT = 64 * 1024;

interface OpenStream {
  answered: boolean;
  endByClient(): void;
}

export function runLongLived(settings: LongLivedSettings, elapsed: () => number): LongLivedRun {
  const pool = labPool(settings.url, null, settings.timeoutMs, settings.tls);
  const longTimeoutMs = settings.timeoutMs + settings.slowAnswerMs;
  const uploadBody = Buffer.alloc(settings.uploadEveryMs ? settings.uploadBytes : 0, 0x61);
  const samples: RequestSample[] = [];
  const settling = new Set<Promise<void>>();
  const streams = new Set<OpenStream>();
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));

  const track = (work: Promise<void>): void => {
    settling.add(work);
    void work.finally(() => settling.delete(work));
  };

  const issue = (kind: "slow" | "upload"): void => {
    const startMs = elapsed();
    track(
      answerWithin(pool, longTimeoutMs, kind === "slow" ? { method: "GET", path: `${SLOW_PATH}?ms=${settings.slowAnswerMs}` } : { method: "POST", path: UPLOAD_PATH, body: uploadBody }).then((outcome) => {
        samples.push({ startMs, endMs: elapsed(), method: kind === "slow" ? "GET" : "POST", kind, ...outcome });
      }),
    );
  };

  const openStream = (): void => {
    if (stopping) return;
    const startMs = elapsed();
    const controller = new AbortController();
    let endedByClient = false;
    let timedOut = false;
    const stream: OpenStream = {
      answered: false,
      endByClient() {
        endedByClient = true;
        controller.abort();
      },
    };
    streams.add(stream);
    // Waiting for the answer is bounded like any request's; once answered, a stream may last as long as the run.
    const answerTimer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, settings.timeoutMs);
    track(
      (async () => {
        let status: number | null = null;
        let version: string | undefined;
        let events = 0;
        let error: string | undefined;
        try {
          const response = await pool.request({ method: "GET", path: STREAM_PATH, headers: { accept: "text/event-stream" }, signal: controller.signal });
          clearTimeout(answerTimer);
          stream.answered = true;
          status = response.statusCode;
          version = headerVersion(response.headers);
          if (stopping) stream.endByClient();
          const count = eventCounter();
          for await (const chunk of response.body) events += count(chunk as Buffer);
        } catch (caught) {
          if (!endedByClient) error = timedOut ? "timeout" : errorCode(caught);
        } finally {
          clearTimeout(answerTimer);
          streams.delete(stream);
        }
        const sample = streamSample(status, events, endedByClient, error);
        samples.push({ startMs, endMs: elapsed(), method: "GET", kind: "stream", ...(version ? { version } : {}), events, ...sample });
        if (!stopping) setTimeout(openStream, sample.streamEnd ? 0 : STREAM_REOPEN_DELAY_MS);
      })(),
    );
  };

  const timers = [
    ...(settings.slowEveryMs ? [setInterval(() => issue("slow"), settings.slowEveryMs)] : []),
    ...(settings.uploadEveryMs ? [setInterval(() => issue("upload"), settings.uploadEveryMs)] : []),
  ];
  for (let i = 0; i < settings.streams; i++) openStream();

  const done = (async () => {
    await stopped;
    // Every request here is bounded (slow and upload by longTimeoutMs, a stream's answer by timeoutMs), and a stream
    // that is answered after stop() ends itself; so this loop ends, and it also catches work started while waiting.
    while (settling.size > 0) await Promise.allSettled([...settling]);
    await pool.destroy().catch(() => undefined);
    return samples;
  })();

  return {
    done,
    stop() {
      if (stopping) return;
      stopping = true;
      timers.forEach(clearInterval);
      for (const stream of streams) if (stream.answered) stream.endByClient();
      resolveStopped();
    },
  };
}

/**
 * How a stream ended, as sample fields. A 2xx with at least one event succeeded, whoever closed it; one we ended
 * ourselves succeeded too (stop() may come before the first event). Anything else failed: no answer, a non-2xx,
 * or a close or reset before the first event.
 */
export function streamSample(
  status: number | null,
  events: number,
  endedByClient: boolean,
  error: string | undefined,
): { status: number | null; streamEnd?: StreamEnd; error?: string } {
  const opened = status !== null && status >= 200 && status <= 299;
  if (!opened) return error === undefined ? { status } : { status, error };
  if (endedByClient) return { status, streamEnd: "client" };
  if (events > 0) return { status, streamEnd: "server-closed" };
  return { status, error: error ?? "closed before any event" };
}

/** Counts server-sent events (each ends with a blank line) across chunk boundaries. */
export function eventCounter(): (chunk: Buffer | string) => number {
  let pending = "";
  return (chunk) => {
    const parts = (pending + chunk.toString()).split(/\r?\n\r?\n/);
    pending = parts[parts.length - 1].slice(-MAX_PENDING_EVENT_TEXT);
    return parts.length - 1;
  };
}

interface Answer {
  readonly status: number | null;
  readonly version?: string;
  readonly error?: string;
}

/** One request with its own deadline: the status and version, or why there was none ("timeout" at the deadline). */
async function answerWithin(pool: Pool, timeoutMs: number, request: { method: "GET" | "POST"; path: string; body?: Buffer }): Promise<Answer> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  let status: number | null = null;
  try {
    const response = await pool.request({
      ...request,
      ...(request.body ? { headers: { "content-type": "application/octet-stream" } } : {}),
      signal: controller.signal,
    });
    status = response.statusCode;
    const text = await response.body.text();
    const version = headerVersion(response.headers) ?? versionFromBody(text);
    return version === undefined ? { status } : { status, version };
  } catch (error) {
    return { status, error: timedOut ? "timeout" : errorCode(error) };
  } finally {
    clearTimeout(timer);
  }
}
