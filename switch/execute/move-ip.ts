import { ExternalError } from "../../core/errors";
import { DigitalOceanAuthError, DigitalOceanError } from "../errors";
import { waitFor } from "../wait";
import { RunContext, workerDroplet } from "./context";

/**
 * Where the reserved IP is known to be during a run: a droplet id, null when unassigned, undefined while a move's
 * outcome is unknown (then the next move asks DigitalOcean first).
 */
export class IpWhereabouts {
  constructor(public dropletId: number | null | undefined) {}
}

/** DigitalOcean answered the assign with a refusal (4xx): the IP did not move. A lost answer or a 5xx proves nothing. */
const refused = (error: unknown) => error instanceof DigitalOceanError || error instanceof DigitalOceanAuthError;

/**
 * An assign is never done within a second, and DigitalOcean gives no figure beyond that (its spec's example runs 11 s).
 * The first poll waits that second; the next ones come close (a rollback waits for this move, so each half second it
 * is seen late counts) and back off to 2 s, so a slow action costs about one poll more than a 2 s cadence would.
 */
const ACTION_POLLS = { firstPollAfterMs: 1000, firstDelayMs: 500, factor: 1.5, maxDelayMs: 2000 } as const;

/**
 * Assigns the reserved IP and waits for DigitalOcean's action. `where` is read first (undefined: the IP is asked for)
 * and kept up to date. Polls start late and back off: every poll counts against the rate limit.
 */
export async function moveIp(ctx: RunContext, ip: string, toDropletId: number, where: IpWhereabouts): Promise<void> {
  const { digitalocean, clock } = ctx.ports;
  const current = where.dropletId !== undefined ? where.dropletId : (await digitalocean.getReservedIp(ip)).dropletId;
  where.dropletId = current;
  if (current === toDropletId) return ctx.reporter.info(`${ip} already points to ${workerDroplet(ctx, toDropletId).name}`);
  ctx.signal?.throwIfAborted();
  where.dropletId = undefined;
  const actionId = await digitalocean.assignReservedIp(ip, toDropletId).catch((error: unknown) => {
    if (refused(error)) where.dropletId = current;
    throw error;
  });
  const { actionTimeoutMs } = ctx.config.timing;
  const completed = await waitFor(clock, { timeoutMs: actionTimeoutMs, ...ACTION_POLLS }, async () => {
    const { status } = await digitalocean.getAction(ip, actionId);
    if (status === "errored")
      throw new ExternalError(`DigitalOcean reported action ${actionId} (assign ${ip}) as errored`, "run `npm run switch -- status`, then re-run");
    return status === "completed";
  });
  if (!completed) throw new ExternalError(`assigning ${ip} did not complete within ${actionTimeoutMs / 1000} s (action ${actionId})`, "re-run once the action completes");
  where.dropletId = toDropletId;
}
