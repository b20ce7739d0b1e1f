import { ImageRejectedError } from "../errors";
import type { Identity } from "./containers";
import type { RunContext } from "./context";

/** Consecutive good answers from the public entry before verification passes. */
const VERIFY_STREAK = 3;

export async function verifyPublicEntry(ctx: RunContext, url: string, identity: Identity): Promise<void> {
  const { ports, config, reporter } = ctx;
  const expected = identity.version;
  if (!expected) reporter.warn(`the app reports no version (X-App-Version header or JSON "version"): verifying only that ${url} answers 2xx`);
  const deadline = ports.clock.now() + config.timing.bakeMs;
  let streak = 0;
  let last = "no answer yet";
  for (;;) {
    try {
      const answer = await ports.publicProbe.get(url);
      const good = answer.status >= 200 && answer.status < 300 && (!expected || answer.version === expected);
      streak = good ? streak + 1 : 0;
      if (!good) last = `HTTP ${answer.status}, version ${answer.version ?? "(none)"}`;
    } catch (error) {
      streak = 0;
      last = error instanceof Error ? error.message : String(error);
    }
    if (streak >= VERIFY_STREAK) return reporter.info(`${url} serves ${expected ?? "2xx"}`);
    if (ports.clock.now() >= deadline)
      throw new ImageRejectedError(
        `${url} did not serve version ${expected ?? "(any)"} within ${config.timing.bakeMs / 1000} s (last: ${last})`,
        "see `npm run switch -- status`; check HAProxy and the app's logs on the new PROD",
      );
    await ports.clock.sleep(200);
  }
}
