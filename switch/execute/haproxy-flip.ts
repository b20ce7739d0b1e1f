import { spareNeverPools } from "../../core/haproxy";
import { HaproxyError } from "../errors";
import type { HaproxyServer } from "../model";
import { isServing } from "../plan";
import type { ServerChange } from "../ports";
import { waitFor } from "../wait";
import type { RunContext } from "./context";

/** How long a re-armed spare may take to pass its first checks before `status` has to call rollback not ready. */
const ARM_CONFIRM_MS = 3000;

const checkDetail = (s: HaproxyServer) => `${s.status}, check ${s.checkStatus ?? "?"}${s.lastCheck ? `: ${s.lastCheck}` : ""}`;

/**
 * The two slots of the app backend. At rest `floating` (the reserved IP) serves and `spare` is armed: it targets
 * FALLBACK's own address in `drain`, so HAProxy checks the previous version continuously and sends it nothing.
 * Every change of which slot serves is one runtime command, so no request ever sees both versions.
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

  private get slots() {
    return this.ctx.config.haproxy;
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
    if (!server) throw new HaproxyError(`HAProxy has no server ${this.slots.backend}/${name}`, "render haproxy.cfg with core/haproxy and reload HAProxy");
    return server;
  }

  private wait(timeoutMs: number, done: () => Promise<boolean>): Promise<boolean> {
    return waitFor(this.ctx.ports.clock, { timeoutMs, firstDelayMs: 50, maxDelayMs: 200, signal: this.ctx.signal }, done);
  }

  /** Waits until a slot has no open session; at the deadline the rest are closed, counted and reported. */
  private async emptied(name: string): Promise<void> {
    const { drainTimeoutMs } = this.ctx.config.timing;
    if (await this.wait(drainTimeoutMs, async () => (await this.server(name)).currentSessions === 0)) return;
    const open = (await this.server(name)).currentSessions;
    this.ctx.signal?.throwIfAborted();
    await this.haproxy.shutdownSessions(name);
    this.sessionsClosedAtDrainDeadline += open;
    this.ctx.reporter.warn(`${open} sessions were still open on ${name} after ${drainTimeoutMs / 1000} s (SWITCH_DRAIN_TIMEOUT_SECONDS): closed them`);
  }

  /**
   * Points the spare at a droplet's own address in drain. A new address or a `fresh` container resets the health
   * verdict, so only checks of what runs there now count. A re-armed previous version is given a moment to prove itself.
   */
  async armSpare(address: string, port: number, fresh: boolean): Promise<void> {
    const spare = await this.server(this.slots.spareServer);
    const moved = spare.address !== address || spare.port !== port;
    // Sessions still open on the slot (streams) keep their connections to the old address until they end. When the slot
    // never pools a connection (haproxy.cfg: pool-max-conn 0) none of them carries a later request there; a balancer
    // still running an older haproxy.cfg would pool them, so there they must end (or be closed at the drain deadline) first.
    if (moved && spare.currentSessions > 0 && !(await this.runningConfigNeverPoolsSpare())) await this.emptied(this.slots.spareServer);
    const unchanged = !moved && !fresh && spare.admin === "drain";
    // Through maint first when the address changes: HAProxy drops any idle connection the slot still has (one from a
    // configuration older than pool-max-conn 0), which would otherwise carry the next requests to the old address.
    if (!unchanged)
      await this.apply([
        ...(moved ? [{ server: this.slots.spareServer, state: "maint" as const }] : []),
        { server: this.slots.spareServer, address: moved ? { ip: address, port } : undefined, state: "drain", health: moved || fresh ? "down" : undefined },
      ]);
    if (fresh) return;
    const armed = await this.wait(ARM_CONFIRM_MS, async () => isServing(await this.server(this.slots.spareServer)));
    if (!armed)
      this.ctx.reporter.warn(
        `HAProxy's checks of ${address}:${port} do not pass yet (${checkDetail(await this.server(this.slots.spareServer))}): rollback is not ready until they do`,
      );
  }

  /** Whether the haproxy.cfg HAProxy runs keeps the spare from pooling connections (unknown counts as no). */
  private async runningConfigNeverPoolsSpare(): Promise<boolean> {
    const installed = await this.ctx.ports.balancerConfig(this.ctx.observed.balancer).read();
    return installed.loaded && installed.text !== null && spareNeverPools(installed.text, this.slots.spareServer);
  }

  /** Once HAProxy's own checks pass on the armed spare, every new request goes there; in-flight ones finish on floating. */
  async handOver(): Promise<void> {
    const { spareServer, floatingServer } = this.slots;
    const proven = await this.wait(this.ctx.config.timing.healthTimeoutMs, async () => isServing(await this.server(spareServer)));
    if (!proven) {
      const spare = await this.server(spareServer);
      throw new HaproxyError(
        `HAProxy's checks of the new droplet at ${spare.address}:${spare.port} did not pass (${checkDetail(spare)}); nothing was handed over`,
        "let the HAProxy droplet reach APP_PORT on the workers (firewall, VPC), then re-run; PROD still serves",
      );
    }
    // Order matters: with both slots draining HAProxy would answer 503.
    await this.apply([
      { server: spareServer, state: "ready" },
      { server: floatingServer, state: "drain" },
    ]);
  }

  /**
   * Floating ends in maint, not drain: maint drops its idle keep-alive connections to the old droplet, which the IP move
   * breaks (a request reusing one would be lost). restore-floating turns its checks back on.
   */
  async drain(): Promise<void> {
    await this.emptied(this.slots.floatingServer);
    await this.apply([{ server: this.slots.floatingServer, state: "maint" }]);
  }

  /** After the IP moved: floating serves again once real checks through the IP pass, in one command with the spare's drain. */
  async restoreFloating(): Promise<void> {
    const { spareServer, floatingServer } = this.slots;
    if ((await this.server(floatingServer)).admin === "ready") return;
    // The verdict so far may come from checks that reached the old droplet: only checks through the moved IP count.
    await this.apply([{ server: floatingServer, state: "drain", health: "down" }]);
    const up = await this.wait(this.ctx.config.timing.healthTimeoutMs, async () => isServing(await this.server(floatingServer)));
    if (!up)
      throw new HaproxyError(
        `HAProxy's checks through the reserved IP did not pass (${checkDetail(await this.server(floatingServer))}); the ${spareServer} slot still serves`,
        "check the app behind the reserved IP (`npm run switch -- status`), then re-run",
      );
    await this.apply([
      { server: floatingServer, state: "ready" },
      { server: spareServer, state: "drain" },
    ]);
  }

  /**
   * After the reserved IP was given to a droplet while floating stayed in service (a repair): waits until HAProxy's
   * checks through the IP pass. A floating slot in maint is not checked: restore-floating brings it back.
   */
  async floatingPasses(): Promise<void> {
    const { floatingServer } = this.slots;
    if ((await this.server(floatingServer)).admin === "maint") return;
    const up = await this.wait(this.ctx.config.timing.healthTimeoutMs, async () => isServing(await this.server(floatingServer)));
    if (!up)
      throw new HaproxyError(
        `HAProxy's checks through the reserved IP did not pass (${checkDetail(await this.server(floatingServer))})`,
        "check the app behind the reserved IP (`npm run switch -- status`), then re-run `npm run switch -- repair`",
      );
  }

  /**
   * One command, whatever state the slots are in: every new request to `address`, the droplet that still runs the
   * previous version. `floatingLeadsThere`: the reserved IP is known to point there, so the floating slot serves while
   * the spare is bounced; otherwise a request arriving between the spare's maint and ready would find no server (503).
   */
  handBack(address: string, port: number, floatingLeadsThere: boolean): Promise<void> {
    const { spareServer, floatingServer } = this.slots;
    return this.apply(
      [
        ...(floatingLeadsThere ? [{ server: floatingServer, state: "ready" as const, health: "up" as const }] : []),
        // maint drops the spare's idle connections to the failing release, so none carries a request there again.
        { server: spareServer, state: "maint" },
        { server: spareServer, address: { ip: address, port }, state: "ready", health: "up" },
        { server: floatingServer, state: "drain" },
      ],
      false,
    );
  }
}
