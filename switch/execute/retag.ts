import type { RunContext } from "./context";

/**
 * Order chosen so that an interruption never leaves two PRODs and never leaves a worker untagged:
 * both droplets stay findable by tag, and `diagnose` restores the rest from where the IP points.
 */
export async function retag(ctx: RunContext, prodId: number, fallbackId: number): Promise<void> {
  const { digitalocean } = ctx.ports;
  const { prod, fallback } = ctx.config.tags;
  await digitalocean.tagDroplet(fallback, fallbackId);
  await digitalocean.untagDroplet(prod, fallbackId);
  await digitalocean.tagDroplet(prod, prodId);
  await digitalocean.untagDroplet(fallback, prodId);
}
