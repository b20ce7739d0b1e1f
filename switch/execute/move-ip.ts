import { ExternalError } from "../../core/errors";
import { RunContext, workerDroplet } from "./context";

export async function moveIp(ctx: RunContext, ip: string, toDropletId: number): Promise<void> {
  const { digitalocean, clock } = ctx.ports;
  const current = await digitalocean.getReservedIp(ip);
  if (current.dropletId === toDropletId) return ctx.reporter.info(`${ip} already points to ${workerDroplet(ctx, toDropletId).name}`);
  const actionId = await digitalocean.assignReservedIp(ip, toDropletId);
  const deadline = clock.now() + ctx.config.timing.actionTimeoutMs;
  let delay = 250;
  for (;;) {
    const { status } = await digitalocean.getAction(ip, actionId);
    if (status === "completed") return;
    if (status === "errored")
      throw new ExternalError(
        `DigitalOcean reported action ${actionId} (assign ${ip}) as errored`,
        "run `npm run switch -- status`, then re-run: traffic still flows through HAProxy's spare slot",
      );
    if (clock.now() >= deadline)
      throw new ExternalError(
        `assigning ${ip} did not complete within ${ctx.config.timing.actionTimeoutMs / 1000} s (action ${actionId})`,
        "re-run once the action completes; traffic still flows through HAProxy's spare slot",
      );
    await clock.sleep(delay);
    delay = Math.min(delay * 2, 1000);
  }
}
