import { ImageRejectedError } from "../errors";
import { waitFor } from "../wait";
import type { Identity } from "./containers";
import type { RunContext } from "./context";

/** Consecutive good answers from the public entry before verification passes. */
const VERIFY_STREAK = 3;
/** The flip is one HAProxy command, done before this step: the first answer can already be the new version's. */
const VERIFY_POLL_MS = 100;

/**
 * The public entry must serve the expected version (3 times in a row) within the bake window. After a hand-over the
 * step then lasts until the window ends, while the watchdog reads HAProxy's counters for the new release.
 */
export async function verifyPublicEntry(ctx: RunContext, url: string, identity: Identity, handedOverAt?: number): Promise<void> {
  const { ports, config, reporter } = ctx;
  const expected = identity.version;
  if (!expected) reporter.warn(`the app reports no version (X-App-Version header or JSON "version"): verifying only that ${url} answers 2xx`);
  let streak = 0;
  let last = "no answer yet";
  const served = await waitFor(ports.clock, { timeoutMs: config.timing.bakeMs, firstDelayMs: VERIFY_POLL_MS, maxDelayMs: VERIFY_POLL_MS, signal: ctx.signal }, async () => {
    try {
      const answer = await ports.publicProbe.get(url);
      const good = answer.status >= 200 && answer.status < 300 && (!expected || answer.version === expected);
      streak = good ? streak + 1 : 0;
      if (!good) last = `HTTP ${answer.status}, version ${answer.version ?? "(none)"}`;
    } catch (error) {
      streak = 0;
      last = error instanceof Error ? error.message : String(error);
    }
    return streak >= VERIFY_STREAK;
  });
  if (!served)
    throw new ImageRejectedError(
      `${url} did not serve version ${expected ?? "(any)"} within ${config.timing.bakeMs / 1000} s (last: ${last})`,
      "see `npm run switch -- status`; check HAProxy and the app's logs on the new PROD",
    );
  reporter.info(`${url} serves ${expected ?? "2xx"}`);
  if (handedOverAt === undefined) return;
  const left = handedOverAt + config.timing.bakeMs - ports.clock.now();
  if (left > 0) await waitFor(ports.clock, { timeoutMs: left, firstDelayMs: VERIFY_POLL_MS, maxDelayMs: VERIFY_POLL_MS, signal: ctx.signal }, async () => false);
}
