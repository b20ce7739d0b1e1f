import { InconsistentStateError } from "../errors";
import { RunContext, workerDroplet } from "./context";
import { IpWhereabouts, moveIp } from "./move-ip";

/**
 * Gives an unassigned reserved IP to `dropletId`, but only once its app answers 200 on the health path (asked from the
 * droplet itself, as the gate asks): the public entry never goes to a worker that would serve errors.
 * `where`: where the IP is known to be, as for moveIp.
 */
export async function assignIp(ctx: RunContext, ip: string, dropletId: number, where: IpWhereabouts): Promise<void> {
  const droplet = workerDroplet(ctx, dropletId);
  const path = ctx.config.app.healthPath;
  const answer = await ctx.ports.health.probe(droplet, path).catch((error: Error) => error);
  if (answer instanceof Error || answer.status !== 200)
    throw new InconsistentStateError(
      `refusing to assign reserved IP ${ip} to ${droplet.name}: its ${path} ${answer instanceof Error ? `cannot be reached (${answer.message})` : `answered ${answer.status}`}`,
      `fix the app on ${droplet.name} and re-run \`npm run switch -- repair\`, or assign the IP to the worker that should serve: doctl compute reserved-ip-action assign ${ip} <droplet id>`,
    );
  await moveIp(ctx, ip, dropletId, where);
}
