import type { Config } from "../core/config";
import { maintenanceMessage } from "../core/haproxy";
import { findBalancer } from "./observe";
import type { AuditEntry, MaintenanceState, Ports } from "./ports";

export interface MaintenanceDeps {
  readonly ports: Ports;
  readonly config: Config;
  /** user@host or CI job, for the audit log. */
  readonly who: string;
  /** A failed audit append is reported here: by then the mode has changed, so it must not fail the command. */
  readonly warn: (line: string) => void;
}

export interface MaintenanceRequest {
  readonly on: boolean;
  /** Plain text for the 503 page. @default DEFAULT_MAINTENANCE_MESSAGE */
  readonly message?: string;
}

export interface MaintenanceResult extends MaintenanceState {
  /** The HAProxy droplet that now serves (or stopped serving) the page. */
  readonly balancer: string;
}

/**
 * `maintenance on|off`: HAProxy answers visitors with the 503 page (or stops), the app keeps running beneath it.
 *
 * No deploy lock: the mode is one map in HAProxy and its file, and the cutover never touches either; a cutover only
 * changes the server slots. So maintenance composes with a run in progress (turn it on while a release migrates its
 * database, off when the release is live), and a lock held by a crashed run never keeps the page up or down.
 */
export async function runMaintenance(deps: MaintenanceDeps, request: MaintenanceRequest): Promise<MaintenanceResult> {
  const { ports, config } = deps;
  const started = ports.clock.now();
  // Validated before anything is read or changed: a bad message is a usage error with nothing touched.
  const message = request.on ? maintenanceMessage(request.message) : undefined;
  const balancer = await findBalancer(ports, config);
  const haproxy = ports.haproxy(balancer);
  const command = `maintenance ${request.on ? "on" : "off"}`;
  let failure: unknown;
  try {
    await haproxy.setMaintenance({ on: request.on, message });
    // Read back: what HAProxy serves now is the result, not what was asked for.
    return { ...(await haproxy.maintenance()), balancer: balancer.name };
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    const entry: AuditEntry = {
      at: new Date(ports.clock.now()).toISOString(),
      who: deps.who,
      command,
      outcome: failure === undefined ? "done" : "failed",
      durationMs: ports.clock.now() - started,
      message,
      ...(failure === undefined ? {} : { error: failure instanceof Error ? failure.message : String(failure) }),
    };
    await ports
      .audit(balancer)
      .append(entry)
      .catch((e: Error) => deps.warn(`could not append the audit line: ${e.message}`));
  }
}
