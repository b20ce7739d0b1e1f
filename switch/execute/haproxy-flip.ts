import { HaproxyError } from "../errors";
import type { Clock } from "../ports";
import type { RunContext } from "./context";

/** Longer than one HAProxy check interval (core/haproxy renders `inter 1s`). */
const SPARE_CONFIRM_MS = 1500;

async function waitFor(clock: Clock, timeoutMs: number, done: () => Promise<boolean>): Promise<boolean> {
  const deadline = clock.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    if (await done()) return true;
    if (clock.now() >= deadline) return false;
    await clock.sleep(delay);
    delay = Math.min(delay * 2, 500);
  }
}

/** The spare slot carries traffic while the reserved IP moves, so the flip drops no request. */
export class HaproxyFlip {
  constructor(private readonly ctx: RunContext) {}

  private get haproxy() {
    return this.ctx.ports.haproxy(this.ctx.observed.balancer);
  }

  private async server(name: string) {
    const server = (await this.haproxy.servers()).find((s) => s.name === name);
    if (!server) throw new HaproxyError(`HAProxy has no server ${this.ctx.config.haproxy.backend}/${name}`, "render haproxy.cfg with core/haproxy and reload HAProxy");
    return server;
  }

  /** drain, wait for in-flight sessions to finish, then maint. Long-lived connections past the timeout are cut, with a warning. */
  private async drainThenDisable(name: string): Promise<void> {
    await this.haproxy.setState(name, "drain");
    const drained = await waitFor(this.ctx.ports.clock, this.ctx.config.timing.drainTimeoutMs, async () => (await this.server(name)).currentSessions === 0);
    if (!drained)
      this.ctx.reporter.warn(
        `${(await this.server(name)).currentSessions} sessions still open on ${name} after ${this.ctx.config.timing.drainTimeoutMs / 1000} s: they will be cut`,
      );
    await this.haproxy.setState(name, "maint");
  }

  async routeToSpare(address: string, port: number): Promise<void> {
    const { spareServer } = this.ctx.config.haproxy;
    await this.haproxy.setAddress(spareServer, address, port);
    await this.haproxy.setState(spareServer, "ready");
    await this.haproxy.setHealth(spareServer, "up");
    // `health up` only lends the slot the benefit of the doubt. HAProxy checks a slot as soon as it leaves maint:
    // before floating is drained, the spare must pass real checks on the path users will take.
    const proven = async () => {
      const spare = await this.server(spareServer);
      const check = spare.checkStatus ?? "";
      if (check && check !== "INI" && !/OK/.test(check))
        throw new HaproxyError(
          `HAProxy cannot reach the new droplet at ${address}:${port} (check ${check}${spare.lastCheck ? `: ${spare.lastCheck}` : ""})`,
          "let the HAProxy droplet reach APP_PORT on the workers (firewall, VPC), then re-run; PROD still serves",
        );
      return spare.status === "UP" && (!spare.checkStatus || /OK/.test(check));
    };
    const up = await waitFor(this.ctx.ports.clock, this.ctx.config.timing.healthTimeoutMs, proven);
    if (!up)
      throw new HaproxyError(
        `HAProxy's ${spareServer} slot (${address}:${port}) did not pass a health check`,
        "check that the HAProxy droplet can reach the worker's app port (firewall, VPC), then re-run",
      );
    // One more check interval (core/haproxy: inter 1s): a single lucky check is not a healthy path.
    await this.ctx.ports.clock.sleep(SPARE_CONFIRM_MS);
    if (!(await proven()))
      throw new HaproxyError(
        `HAProxy's ${spareServer} slot (${address}:${port}) went down right after enabling`,
        "check the new droplet's app and network, then re-run; PROD still serves",
      );
  }

  drain(): Promise<void> {
    return this.drainThenDisable(this.ctx.config.haproxy.floatingServer);
  }

  async restoreFloating(): Promise<void> {
    const { floatingServer, spareServer } = this.ctx.config.haproxy;
    await this.haproxy.setState(floatingServer, "ready");
    // Leaving maint, HAProxy counts a server UP before any check ran. While the spare slot still serves,
    // demand `rise` passing checks through the moved IP before floating takes traffic.
    if ((await this.server(spareServer)).status === "UP") await this.haproxy.setHealth(floatingServer, "down");
    const up = await waitFor(this.ctx.ports.clock, this.ctx.config.timing.healthTimeoutMs, async () => (await this.server(floatingServer)).status === "UP");
    // The spare slot keeps serving until floating is proven: never release it onto a DOWN server.
    if (!up)
      throw new HaproxyError(
        `HAProxy's ${floatingServer} slot did not come UP`,
        `check the app behind the reserved IP (status shows it); traffic still flows through the ${this.ctx.config.haproxy.spareServer} slot`,
      );
  }

  releaseSpare(): Promise<void> {
    return this.drainThenDisable(this.ctx.config.haproxy.spareServer);
  }
}
