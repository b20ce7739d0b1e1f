import { Agent, request } from "undici";
import { monotonicMs } from "./clock";
import { assertLabTarget } from "./target";
import type { LongLivedOptions, RequestKind, RequestSample } from "./types";

/** @default 1 MiB: the upload size the cutover must carry across the flip. */
export const DEFAULT_UPLOAD_BYTES = 1024 * 1024;
/** The demo app's /slow answers after 5 s; a slow request gets this long on top of the load's own timeout. */
const SLOW_ANSWER_MS = 5_000;

export interface LongLivedRun {
  /** Ends issuing, ends the streams from the client side, waits for the rest and returns one sample each. */
  stop(): Promise<RequestSample[]>;
}

/**
 * Long-lived requests beside the open-model load: slow GETs, large uploads, server-sent-event streams held open
 * (reopened when closed). Their own connections, so they never queue behind the short requests. Times are ms since
 * `t0` on the process-wide monotonic clock, like the worker's samples.
 */
export function startLongLived(url: string, options: LongLivedOptions, timeoutMs: number, t0: number): LongLivedRun {
  const origin = assertLabTarget(url).origin;
  const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 2_000, headersTimeout: 0, bodyTimeout: 0 });
  const elapsed = () => monotonicMs() - t0;
  const samples: RequestSample[] = [];
  const settling = new Set<Promise<void>>();
  const streams = new Set<AbortController>();
  let stopping = false;

  const track = (p: Promise<void>) => {
    settling.add(p);
    void p.finally(() => settling.delete(p));
  };

  const once = (kind: "slow" | "upload") => {
    const startMs = elapsed();
    const body = kind === "upload" ? Buffer.alloc(options.uploadBytes ?? DEFAULT_UPLOAD_BYTES, 0x61) : undefined;
    track(
      request(`${origin}${kind === "slow" ? "/slow" : "/upload"}`, {
        method: kind === "slow" ? "GET" : "POST",
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(timeoutMs + SLOW_ANSWER_MS),
      }).then(
        async (res) => {
          const text = await res.body.text();
          samples.push({ startMs, endMs: elapsed(), method: kind === "slow" ? "GET" : "POST", kind, status: res.statusCode, version: versionOf(res.headers, text) });
        },
        (error: Error & { code?: string }) => {
          samples.push({ startMs, endMs: elapsed(), method: kind === "slow" ? "GET" : "POST", kind, status: null, error: errorCode(error) });
        },
      ),
    );
  };

  const openStream = () => {
    if (stopping) return;
    const startMs = elapsed();
    const controller = new AbortController();
    streams.add(controller);
    let events = 0;
    track(
      request(`${origin}/events`, { method: "GET", dispatcher: agent, signal: controller.signal }).then(
        async (res) => {
          const version = versionOf(res.headers, "");
          let end: RequestSample["streamEnd"] = "server-closed";
          try {
            for await (const chunk of res.body) events += String(chunk).split("\n\n").length - 1;
          } catch {
            if (controller.signal.aborted) end = "client";
          }
          if (controller.signal.aborted) end = "client";
          streams.delete(controller);
          const failed = res.statusCode !== 200 || events === 0;
          samples.push({ startMs, endMs: elapsed(), method: "GET", kind: "stream", status: res.statusCode, version, events, ...(failed ? { error: `stream ended after ${events} events` } : { streamEnd: end }) });
          openStream();
        },
        (error: Error & { code?: string }) => {
          streams.delete(controller);
          if (controller.signal.aborted) return;
          samples.push({ startMs, endMs: elapsed(), method: "GET", kind: "stream", status: null, error: errorCode(error), events });
          setTimeout(openStream, 100).unref();
        },
      ),
    );
  };

  const timers = [
    ...(options.slowEveryMs ? [setInterval(() => once("slow"), options.slowEveryMs)] : []),
    ...(options.uploadEveryMs ? [setInterval(() => once("upload"), options.uploadEveryMs)] : []),
  ];
  for (let i = 0; i < (options.streams ?? 0); i++) openStream();

  return {
    async stop() {
      stopping = true;
      timers.forEach(clearInterval);
      for (const s of streams) s.abort();
      while (settling.size > 0) await Promise.allSettled([...settling]);
      await agent.close();
      return samples;
    },
  };
}

function versionOf(headers: Record<string, string | string[] | undefined>, body: string): string | undefined {
  const header = headers["x-app-version"];
  if (typeof header === "string") return header;
  try {
    return (JSON.parse(body) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function errorCode(error: Error & { code?: string }): string {
  if (error.name === "TimeoutError") return "timeout";
  return error.code ?? error.name ?? "error";
}

export const LONG_LIVED_KINDS: readonly RequestKind[] = ["slow", "upload", "stream"];
