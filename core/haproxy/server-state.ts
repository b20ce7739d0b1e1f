import { posix } from "node:path";

/**
 * HAProxy's server-state file: `show servers state` saved just before a reload, read back by the new process before it
 * serves (`server-state-file` in global, `load-server-state-from-file global` in defaults). It carries the runtime
 * changes a reload would otherwise lose: each slot's admin state (the armed one in drain), its operational state and
 * health, and its pinned address (docs/decisions/0701).
 */
export const SERVER_STATE_FILE = "server-state";

/** `${stateDir}/server-state`: the balancer's state directory already holds the lock, the audit log and the maintenance map. */
export function serverStatePath(stateDir: string): string {
  return posix.join(stateDir, SERVER_STATE_FILE);
}

/** A state file naming no server: HAProxy reads it silently (a missing or empty file is a warning in `haproxy -c`). */
export const EMPTY_SERVER_STATE = "1\n";
