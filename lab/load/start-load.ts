import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { InternalError } from "../../core/errors";
import { monotonicMs } from "./clock";
import { resolveLoadOptions } from "./options";
import type { LoadMark, LoadOptions, LoadResult, LoadRun } from "./types";
import type { WorkerMessage } from "./worker-protocol";

export interface StartedLoadRun extends LoadRun {
  /** Resolves when the worker has started issuing requests (marks taken earlier get negative atMs). */
  readonly ready: Promise<void>;
  /** Resolves once issuing has ended (maxDurationMs or stop()) and every request has settled; stop() then returns at once. */
  readonly settled: Promise<void>;
}

/**
 * Starts an open-model load (fixed arrival rate, mixed GET/POST), with optional long-lived requests beside it
 * (slow GETs, uploads, event streams), against a lab URL in a worker thread.
 * Throws at once on invalid options or a target outside loopback / 198.18.0.0/15.
 * Issuing stops by itself after maxDurationMs; stop() collects every sample, answered or not.
 */
export function startLoad(options: LoadOptions): StartedLoadRun {
  const resolved = resolveLoadOptions(options);
  // The worker keeps the process alive while it runs, so `await run.settled` works in a plain script; it cannot
  // hold it for long: issuing ends at maxDurationMs and every request settles within timeoutMs after that.
  const worker = new Worker(workerBootstrap(), { eval: true, workerData: resolved });

  const monotonicMarks: { label: string; at: number }[] = [];
  let started: { startedAt: number; startedAtMonotonicMs: number } | undefined;
  let resolveReady: () => void = () => undefined;

  const finished = new Promise<LoadResult>((resolve, reject) => {
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "started") {
        started = message;
        resolveReady();
      } else if (message.type === "done" && started) {
        const { startedAt, startedAtMonotonicMs } = started;
        const marks: LoadMark[] = monotonicMarks.map(({ label, at }) => ({ label, atMs: at - startedAtMonotonicMs }));
        resolve({ samples: message.samples, marks, startedAt });
      } else if (message.type === "failed") {
        reject(new InternalError(`load generator failed: ${message.message}`));
      }
    });
    worker.once("error", (error) => reject(new InternalError(`load generator crashed: ${error.message}`, { cause: error })));
    worker.once("exit", (code) => reject(new InternalError(`load generator exited (code ${code}) before reporting its samples`)));
  });
  // A crash before the first request rejects `ready` too, so nobody waits forever for load that never comes.
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    finished.catch(reject);
  });
  const settled = finished.then(() => undefined);
  // Until someone awaits them, a crash must not surface as an unhandled rejection.
  for (const promise of [finished, ready, settled]) promise.catch(() => undefined);

  let stopping: Promise<LoadResult> | undefined;
  return {
    ready,
    settled,
    mark(label: string): void {
      monotonicMarks.push({ label, at: monotonicMs() });
    },
    stop(): Promise<LoadResult> {
      stopping ??= (async () => {
        worker.postMessage({ type: "stop" });
        try {
          return await finished;
        } finally {
          await worker.terminate();
        }
      })();
      return stopping;
    },
  };
}

/**
 * The worker runs the TypeScript sources through tsx's require hook, as the rest of the lab does.
 * Both paths are resolved here, so the worker does not depend on the caller's working directory.
 */
function workerBootstrap(): string {
  const extension = extname(__filename);
  const entry = JSON.stringify(join(__dirname, `load-worker${extension}`));
  if (extension !== ".ts") return `require(${entry});`;
  const tsx = JSON.stringify(require.resolve("tsx/cjs/api"));
  return `require(${tsx}).register();\nrequire(${entry});`;
}
