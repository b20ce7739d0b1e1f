import { HaproxyError } from "../errors";
import type { HaproxyServer } from "../model";
import { isServing } from "../plan";
import type { ServerChange } from "../ports";
import { waitFor } from "../wait";
import type { RunContext } from "./context";

/** How long a re-armed slot may take to pass its first checks before `status` has to call rollback not ready. */
const ARM_CONFIRM_MS = 3000;

const checkDetail = (s: HaproxyServer) => `${s.status}, check ${s.checkStatus ?? "?"}${s.lastCheck ? `: ${s.lastCheck}` : ""}`;

/**
 * The two slots of the app backend, each pinned to one worker's own address. At rest PROD's slot serves (`ready`) and
 * FALLBACK's is armed (`drain`: HAProxy checks the previous version continuously and sends it nothing). Every change of
 * which slot serves is one runtime command, so no request ever sees both versions, and no flip re-points a slot.
 */
export class HaproxyFlip {
  /** Runtime changes are applied one after another: a hand-back issued while a step's change is in flight lands after it. */
  private serial: Promise<unknown> = Promise.resolve();
  /** Sessions closed at the drain deadline during this run (long-lived streams). */
  sessionsClosedAtDrainDeadline = 0;

  constructor(private readonly ctx: RunContext) {}

  private get haproxy() {
    return this.ctx.ports.haproxy(this.ctx.observed.balancer);
  }

  /** `guarded`: a step's change, refused once the watchdog has tripped; the hand-back itself is never refused. */
  private apply(changes: readonly ServerChange[], guarded = true): Promise<void> {
    const run = this.serial.then(() => {
      if (guarded) this.ctx.signal?.throwIfAborted();
      return this.haproxy.apply(changes);
    });
    this.serial = run.catch(() => undefined);
    return run;
  }

  async server(name: string): Promise<HaproxyServer> {
    const server = (await this.haproxy.servers()).find((s) => s.name === name);
    if (!server) throw new HaproxyError(`HAProxy has no server ${this.ctx.config.haproxy.backend}/${name}`, "run `npm run switch -- balancer apply` (it installs the haproxy.cfg that declares both slots)");
    return server;
  }

  private wait(timeoutMs: number, done: () => Promise<boolean>): Promise<boolean> {
    return waitFor(this.ctx.ports.clock, { timeoutMs, firstDelayMs: 50, maxDelayMs: 200, signal: this.ctx.signal }, done);
  }

  /** Waits until a slot has no open session; at the deadline the rest are closed, counted and reported. */
  async drain(name: string): Promise<void> {
    const { drainTimeoutMs } = this.ctx.config.timing;
    if (await this.wait(drainTimeoutMs, async () => (await this.server(name)).currentSessions === 0)) return;
    const open = (await this.server(name)).currentSessions;
    this.ctx.signal?.throwIfAborted();
    await this.haproxy.shutdownSessions(name);
    this.sessionsClosedAtDrainDeadline += open;
    this.ctx.reporter.warn(`${open} sessions were still open on ${name} after ${drainTimeoutMs / 1000} s (SWITCH_DRAIN_TIMEOUT_SECONDS): closed them`);
  }

  /**
   * `slot` in drain on `address`. A new address, or a `fresh` container behind the same one, goes through maint first,
   * which drops the slot's idle connections to what ran there before, and resets the health verdict, so only checks of
   * what runs there now count. A slot is only re-pointed once no request is in flight on it. A re-armed previous
   * version is given a moment to prove itself.
   */
  async arm(slot: string, address: string, port: number, fresh: boolean): Promise<void> {
    const current = await this.server(slot);
    const moved = current.address !== address || current.port !== port;
    if (current.admin === "ready" && moved)
      throw new HaproxyError(
        `HAProxy's ${slot} slot serves ${current.address}:${current.port}, so it is not re-pointed at ${address}:${port} (both slots serve, and neither targets PROD)`,
        `drain one by hand on the balancer (echo "set server ${this.ctx.config.haproxy.backend}/${slot} state drain" | socat stdio UNIX-CONNECT:${this.ctx.config.haproxy.adminSocket}), then run \`npm run switch -- repair\``,
      );
    if (moved && current.currentSessions > 0) await this.drain(slot);
    const unchanged = !moved && !fresh && current.admin === "drain";
    if (!unchanged)
      await this.apply([
        ...(moved || fresh ? [{ server: slot, state: "maint" as const }] : []),
        { server: slot, address: moved ? { ip: address, port } : undefined, state: "drain", health: moved || fresh ? "down" : undefined },
      ]);
    if (fresh) return;
    const armed = await this.wait(ARM_CONFIRM_MS, async () => isServing(await this.server(slot)));
    if (!armed)
      this.ctx.reporter.warn(`HAProxy's checks of ${address}:${port} do not pass yet (${checkDetail(await this.server(slot))}): rollback is not ready until they do`);
  }

  /** Once HAProxy's own checks pass on the armed `to` slot, every new request goes there; in-flight ones finish on `from`. */
  async handOver(to: string, from: string): Promise<void> {
    const proven = await this.wait(this.ctx.config.timing.healthTimeoutMs, async () => isServing(await this.server(to)));
    if (!proven) {
      const slot = await this.server(to);
      throw new HaproxyError(
        `HAProxy's checks of ${slot.address}:${slot.port} (${to}) did not pass (${checkDetail(slot)}); nothing was handed over`,
        "let the HAProxy droplet reach APP_PORT on the workers (firewall, VPC), then re-run; PROD still serves",
      );
    }
    // Order matters: with both slots draining HAProxy would answer 503.
    await this.apply([
      { server: to, state: "ready" },
      { server: from, state: "drain" },
    ]);
  }

  /** One command, whatever state the slots are in: every new request back to `to`, which still runs the previous version. */
  handBack(to: string, from: string): Promise<void> {
    return this.apply(
      [
        { server: to, state: "ready" },
        { server: from, state: "drain" },
      ],
      false,
    );
  }

  /**
   * The slots back to rest: PROD's pinned and serving, FALLBACK's pinned and armed. Each step is skipped when already
   * true, so a re-run after a crash repeats at most the one that was interrupted.
   */
  async settle(prodSlot: string, fallbackSlot: string, prodAddress: string, fallbackAddress: string, port: number): Promise<void> {
    const prod = await this.server(prodSlot);
    if (prod.address !== prodAddress || prod.port !== port) await this.arm(prodSlot, prodAddress, port, true);
    const [p, f] = [await this.server(prodSlot), await this.server(fallbackSlot)];
    if (p.admin !== "ready" || f.admin === "ready") {
      // PROD's slot must prove itself before it takes over from a slot that serves; when nothing serves (a first deploy,
      // PROD without an app), there is nothing to protect and it takes over at once.
      const servingNow = f.admin === "ready" && isServing(f);
      const up = !servingNow || (await this.wait(this.ctx.config.timing.healthTimeoutMs, async () => isServing(await this.server(prodSlot))));
      if (!up)
        throw new HaproxyError(
          `HAProxy's checks of PROD at ${prodAddress}:${port} (${prodSlot}) did not pass (${checkDetail(await this.server(prodSlot))}); the slots were left as they are`,
          "check the app on PROD (`npm run switch -- status`), then re-run `npm run switch -- repair`",
        );
      await this.apply([
        { server: prodSlot, state: "ready" },
        { server: fallbackSlot, state: "drain" },
      ]);
    }
    await this.arm(fallbackSlot, fallbackAddress, port, false);
  }
}
