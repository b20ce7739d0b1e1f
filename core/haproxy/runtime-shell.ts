import { shellQuote } from "../shell-quote";

/**
 * sh building blocks for scripts that run on the balancer and talk to HAProxy's runtime API: `balancer apply`'s install
 * script and TLS=auto's certificate deploy hook reload HAProxy the same way, keeping the slots' runtime state.
 */

/** `cli "<command>"` over the admin socket and `info <field>` from `show info` (empty while the socket does not answer). */
export function runtimeApiFunctions(adminSocket: string): string[] {
  return [
    `sock=${shellQuote(`UNIX-CONNECT:${adminSocket}`)}`,
    "cli() { printf '%s\\n' \"$1\" | socat stdio \"$sock\"; }",
    // The worker's pid and start time, from `show info`; empty when the socket does not answer (mid-reload).
    "info() { cli 'show info' 2>/dev/null | sed -n \"s/^$1: //p\" || true; }",
  ];
}

/**
 * Saves `show servers state` to "$state" (written to "$stmp" beside it, then renamed), so the next worker starts with the
 * slots' addresses, admin states and health exactly as they are (docs/decisions/0701).
 */
export const SAVE_SERVER_STATE_LINES: readonly string[] = [
  'cli "show servers state" > "$stmp"',
  'head -n 1 "$stmp" | grep -qx 1 || { echo "show servers state printed no state file (version line missing)" >&2; exit 3; }',
  'mv -f "$stmp" "$state"',
];

/** Waits until `show info` reports a worker pid other than "$before": the master re-executed and the new worker serves. */
export function waitForNewWorkerLines(timeoutSeconds: number, onNewWorker: string, onTimeout: string): string[] {
  return [
    "i=0",
    `while [ "$i" -lt ${Math.ceil(timeoutSeconds * 10)} ]; do`,
    '  now=$(info Pid)',
    `  if [ -n "$now" ] && [ "$now" != "$before" ]; then ${onNewWorker}; fi`,
    "  sleep 0.1",
    "  i=$((i + 1))",
    "done",
    onTimeout,
  ];
}
