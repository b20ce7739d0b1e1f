import { Redactor } from "../../../core/redact";
import { SwitchDeps } from "../../../switch/cutover";
import { HostIdentity } from "../../../switch/lock";
import { PlainReporter, Reporter, StepRecord } from "../../../switch/progress";
import { SECRETS, testConfig } from "./config";
import { FakeWorld } from "./world";

export const HOST = "ci-runner-1";

/**
 * A process on the fake host. `_dead`: pids of crashed earlier runs, kept for callers: the lock no longer asks whether
 * a holder's process lives (a hostname is not a machine), so they change nothing.
 */
export function identity(pid: number, _dead: number[] = []): HostIdentity {
  return { host: HOST, pid };
}

/** Plain step lines into an array, exactly as the CLI prints them when not on a TTY. */
export function captureReporter(): { reporter: PlainReporter; lines: string[] } {
  const lines: string[] = [];
  const reporter = new PlainReporter((t) => lines.push(...t.split("\n").filter(Boolean)), new Redactor(Object.values(SECRETS)), { gitlabSections: false, now: () => 0 });
  return { reporter, lines };
}

/** Behaves like a process killed right after `step <name> done`: every later step hangs forever, nothing cleans up. */
export class CrashingReporter implements Reporter {
  private hasCrashed = false;
  private markCrashed!: () => void;
  /** Resolves once the process is "dead": the named step finished and nothing after it will run. */
  readonly crashed = new Promise<void>((resolve) => (this.markCrashed = resolve));
  readonly records: StepRecord[] = [];
  constructor(private readonly after: string) {}
  async step<T>(name: string, _title: string, run: () => Promise<T>): Promise<T> {
    if (this.hasCrashed) return new Promise<T>(() => undefined);
    const result = await run();
    if (name === this.after) {
      this.hasCrashed = true;
      this.markCrashed();
    }
    return result;
  }
  info(): void {}
  warn(): void {}
}

/** Plain lines, and just before step `at` starts (its first occurrence) `act` runs: a container dies, a link breaks... */
export function reporterActingAt(at: string, act: () => void): { reporter: Reporter; lines: string[] } {
  const { reporter, lines } = captureReporter();
  let done = false;
  const acting: Reporter = {
    step: (name, title, run) => {
      if (name === at && !done) {
        done = true;
        act();
      }
      return reporter.step(name, title, run);
    },
    info: (m) => reporter.info(m),
    warn: (m) => reporter.warn(m),
    records: reporter.records,
  };
  return { reporter: acting, lines };
}

export function deps(world: FakeWorld, reporter: Reporter, pid = 100, overrides: Record<string, string> = {}): SwitchDeps {
  return {
    ports: world.ports(),
    config: testConfig(overrides),
    reporter,
    who: "alice@laptop",
    self: identity(pid),
    // Renewal between steps only, unless a test ticks a timer of its own: a background one would run on real time.
    lockTimer: { every: () => () => undefined },
  };
}

/** A manual lock timer: `tick()` is one background renewal, as every TTL/3 of real time would run it. */
export function manualLockTimer(): { every: (ms: number, tick: () => Promise<void>) => () => void; tick(): Promise<void>; periodMs: number } {
  let tick: (() => Promise<void>) | undefined;
  const timer = {
    periodMs: 0,
    every: (ms: number, t: () => Promise<void>) => {
      timer.periodMs = ms;
      tick = t;
      return () => (tick = undefined);
    },
    tick: async () => tick?.(),
  };
  return timer;
}

export const stepNames = (lines: string[]) => lines.filter((l) => / done \(|started$/.test(l) && l.endsWith("started")).map((l) => l.split(" ")[1]);
