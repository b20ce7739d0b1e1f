/**
 * Ctrl-C or a kill during `lab up` or the demo must not leave namespaces and daemons behind:
 * run the cleanup once, then exit with the conventional 128+signal code. Returns a release function.
 *
 * This is the one place outside an entry point that exits, on purpose: after a signal the interrupted
 * flow may be blocked on a daemon the cleanup just killed, so only exiting here guarantees the process ends.
 * Entry points check isInterrupted() and leave the exit to this handler.
 */
let interrupted = false;

/** True once a signal handler has started cleaning up: it exits the process itself, so callers must not exit first. */
export function isInterrupted(): boolean {
  return interrupted;
}

export function installSignalCleanup(cleanup: () => Promise<void>, log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): () => void {
  let running = false;
  const handler = (signal: NodeJS.Signals) => {
    if (running) return;
    running = true;
    interrupted = true;
    log(`${signal}: cleaning up the lab before exiting`);
    void cleanup()
      .catch((error: unknown) => log(`cleanup failed: ${error instanceof Error ? error.message : String(error)}; run \`npm run lab -- down\``))
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
