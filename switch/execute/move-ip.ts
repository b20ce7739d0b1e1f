import { ExternalError } from "../../core/errors";
import { waitFor } from "../wait";
import { RunContext, workerDroplet } from "./context";

/**
 * Assigns the reserved IP and waits for DigitalOcean's action. `holder`: where the IP is known to be (this run's
 * observation or its last completed move); undefined after an uncertain move, and then the IP is read first.
 * Polls start late and back off: an assign takes seconds, and every poll counts against the rate limit.
 */
export async function moveIp(ctx: RunContext, ip: string, toDropletId: number, holder: number | null | undefined): Promise<void> {
  const { digitalocean, clock } = ctx.ports;
  const current = holder !== undefined ? holder : (await digitalocean.getReservedIp(ip)).dropletId;
  if (current === toDropletId) return ctx.reporter.info(`${ip} already points to ${workerDroplet(ctx, toDropletId).name}`);
  ctx.signal?.throwIfAborted();
  const actionId = await digitalocean.assignReservedIp(ip, toDropletId);
  const { actionTimeoutMs } = ctx.config.timing;
  const completed = await waitFor(clock, { timeoutMs: actionTimeoutMs, firstDelayMs: 1000, factor: 1.5, maxDelayMs: 2000, pollAtOnce: false }, async () => {
    const { status } = await digitalocean.getAction(ip, actionId);
    if (status === "errored")
      throw new ExternalError(`DigitalOcean reported action ${actionId} (assign ${ip}) as errored`, "run `npm run switch -- status`, then re-run");
    return status === "completed";
  });
  if (!completed) throw new ExternalError(`assigning ${ip} did not complete within ${actionTimeoutMs / 1000} s (action ${actionId})`, "re-run once the action completes");
}
