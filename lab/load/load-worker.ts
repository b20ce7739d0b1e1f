/**
 * Worker-thread entry of the load generator: runs the open-model loop on its own event loop so that
 * whatever the caller does (jest, spawning the switch) cannot delay the request schedule.
 * Protocol: workerData = ResolvedLoadOptions; in: {type:"stop"}; out: {type:"started"}, then {type:"done"}.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runOpenModel } from "./engine";
import type { ResolvedLoadOptions } from "./options";
import type { WorkerMessage } from "./worker-protocol";

const port = parentPort;
if (!port) throw new Error("load-worker must run in a worker thread");

const run = runOpenModel(workerData as ResolvedLoadOptions);
const post = (message: WorkerMessage) => port.postMessage(message);
post({ type: "started", startedAt: run.startedAt, startedAtMonotonicMs: run.startedAtMonotonicMs });
const onMessage = (message: { type?: string }) => {
  if (message?.type === "stop") run.stop();
};
port.on("message", onMessage);
// Once the result is posted nothing may keep this thread alive: the caller might never call stop().
const finish = (message: WorkerMessage) => {
  post(message);
  port.off("message", onMessage);
};
run.done.then(
  (samples) => finish({ type: "done", samples }),
  (error: unknown) => finish({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
);
