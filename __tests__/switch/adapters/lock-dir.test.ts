import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../../../switch/adapters/audit-log";
import { LockDir } from "../../../switch/adapters/lock-dir";
import { LockHeldError, LockLostError } from "../../../switch/errors";
import { Lease, acquireLock, staleReason } from "../../../switch/lock";
import type { LockClaim } from "../../../switch/model";
import type { Clock } from "../../../switch/ports";
import { LocalShell } from "../fakes/local-shell";

const claim = (id: string, over: Partial<LockClaim> = {}): LockClaim => ({
  id,
  who: `${id}@ci`,
  host: "runner",
  pid: 10,
  command: "cutover",
  image: "registry.test/web:v2",
  message: 'it\'s "quoted" $(rm -rf /)',
  ...over,
});

// Real processes (sh, flock, haproxy, sshd handshakes): generous on a loaded CI machine, still fast when idle.
jest.setTimeout(20_000);

const TTL_MS = 600_000;
const fresh = () => join(mkdtempSync(join(tmpdir(), "switch-lock-")), "state dir");

/**
 * A "balancer" whose clock the test moves: `date +%s` there is this machine's plus an offset read from a file, so a
 * lease can expire without waiting ten minutes. Every other use of `date` is the real one.
 */
function balancer(): { shell: LocalShell; advance(seconds: number): void } {
  const bin = mkdtempSync(join(tmpdir(), "switch-balancer-clock-"));
  const offset = join(bin, "offset");
  const realDate = execFileSync("sh", ["-c", "command -v date"]).toString().trim();
  writeFileSync(offset, "0");
  writeFileSync(join(bin, "date"), `#!/bin/sh\nif [ "$1" = "+%s" ]; then echo $(( $(${realDate} +%s) + $(cat '${offset}') )); else exec ${realDate} "$@"; fi\n`, { mode: 0o755 });
  let seconds = 0;
  return {
    shell: new LocalShell({ PATH: `${bin}:${process.env.PATH}` }),
    advance: (s) => writeFileSync(offset, String((seconds += s))),
  };
}

/** A runner whose clock is `skewMs` off this machine's (the balancer's). */
const runnerClock = (skewMs: number): Clock => ({ now: () => Date.now() + skewMs, sleep: async () => undefined });
const self = { host: "runner", pid: process.pid };
const request = (who: string) => ({ who, command: "cutover", ttlMs: TTL_MS });
const quiet = () => undefined;

describe("deploy lock directory (real sh, mkdir and flock on a temp dir)", () => {
  it("GIVEN no lock WHEN acquiring THEN the claim is written verbatim, the times are the balancer's, and a second acquire sees the holder", async () => {
    const dir = fresh();
    const lock = new LockDir(new LocalShell(), dir);
    const before = Math.floor(Date.now() / 1000) * 1000;
    const attempt = await lock.tryAcquire(claim("a"), TTL_MS);
    expect(attempt).toMatchObject({ acquired: true, holder: claim("a") });
    expect(JSON.parse(readFileSync(join(dir, "lock", "holder.json"), "utf8"))).toEqual(claim("a"));
    const holder = (attempt as { holder: { acquiredAt: string; expiresAt: string } }).holder;
    expect(Date.parse(holder.acquiredAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(holder.expiresAt) - Date.parse(holder.acquiredAt)).toBe(TTL_MS);
    const second = await new LockDir(new LocalShell(), dir).tryAcquire(claim("b"), TTL_MS);
    expect(second).toMatchObject({ acquired: false, current: { holder: claim("a") } });
    expect((await lock.read())!.holder).toMatchObject(claim("a"));
    expect((await lock.read())!.expiresInMs).toBeGreaterThan(TTL_MS - 5_000);
  });

  it("GIVEN 8 runs racing WHEN all acquire at once THEN exactly one wins", async () => {
    const dir = fresh();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => new LockDir(new LocalShell(), dir).tryAcquire(claim(`r${i}`), TTL_MS)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it("GIVEN a holder expired by the balancer's clock WHEN three runs judge it stale and take over at once THEN exactly one wins, and the others see the winner", async () => {
    const dir = fresh();
    const b = balancer();
    await new LockDir(b.shell, dir).tryAcquire(claim("dead"), TTL_MS);
    b.advance(TTL_MS / 1000 + 1);
    const contenders = [0, 1, 2].map(() => new LockDir(b.shell, dir));
    const seen = await Promise.all(contenders.map((c) => c.read()));
    for (const reading of seen) expect(staleReason(reading, TTL_MS)).toMatch(/^it expired at .* ago by the balancer's clock\)$/);
    const results = await Promise.all(contenders.map((c, i) => c.takeOver(seen[i]!, claim(`t${i}`), TTL_MS)));
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as { holder: LockClaim }).holder.id;
    for (const r of results.filter((x) => !x.acquired)) expect(r).toMatchObject({ current: { holder: { id: winner } } });
  });

  it("GIVEN a lock WHEN released by a non-holder without force THEN it stays; by its holder or with force THEN it goes", async () => {
    const dir = fresh();
    const lock = new LockDir(new LocalShell(), dir);
    await lock.tryAcquire(claim("a"), TTL_MS);
    expect(await lock.release("b", false)).toBe(false);
    expect((await lock.read())!.holder!.id).toBe("a");
    expect(await lock.release("a", false)).toBe(true);
    expect(await lock.read()).toBeNull();
    await lock.tryAcquire(claim("c"), TTL_MS);
    expect(await lock.release(null, true)).toBe(true);
    expect(await lock.release(null, true)).toBe(false);
  });

  it("GIVEN a state directory that exists with its own mode (a sticky shared one) WHEN the lock scripts run THEN its mode is left alone", async () => {
    const dir = fresh();
    mkdirSync(dir);
    chmodSync(dir, 0o1777);
    await new LockDir(new LocalShell(), dir).tryAcquire(claim("a"), TTL_MS);
    expect(statSync(dir).mode & 0o7777).toBe(0o1777);
  });
});

describe("the lock is judged by the balancer's clock alone", () => {
  // A runner whose clock is off would have judged the holder's expiry wrongly when each run wrote its own times.
  it.each([
    ["16 minutes fast", 16 * 60_000],
    ["20 minutes fast", 20 * 60_000],
    ["20 minutes slow", -20 * 60_000],
    ["a day fast", 86_400_000],
  ])("GIVEN a live lock WHEN a runner whose clock is %s asks for it THEN it is refused, naming the holder", async (_name, skewMs) => {
    const dir = fresh();
    await acquireLock(new LockDir(new LocalShell(), dir), request("first"), runnerClock(0), self, quiet);
    const warnings: string[] = [];
    await expect(acquireLock(new LockDir(new LocalShell(), dir), request("second"), runnerClock(skewMs), self, (w) => warnings.push(w))).rejects.toThrow(
      /^deploy lock held by first \(cutover\)/,
    );
    expect(warnings).toEqual([]);
  });

  it("GIVEN a runner whose clock is 20 minutes slow WHEN it takes the lock THEN the lease still lasts the TTL by the balancer's clock, and it is warned about its clock", async () => {
    const dir = fresh();
    const warnings: string[] = [];
    const holder = await acquireLock(new LockDir(new LocalShell(), dir), request("slow"), runnerClock(-20 * 60_000), self, (w) => warnings.push(w));
    expect(Math.abs(Date.parse(holder.acquiredAt) - Date.now())).toBeLessThan(5_000);
    expect(Date.parse(holder.expiresAt) - Date.parse(holder.acquiredAt)).toBe(TTL_MS);
    expect(warnings).toEqual([expect.stringMatching(/this machine's clock is 1(199|200|201) s behind the balancer's/)]);
  });

  it("GIVEN a holder on the same hostname whose pid is not running here WHEN another run asks THEN it is refused: a hostname is not a machine", async () => {
    const dir = fresh();
    const lock = new LockDir(new LocalShell(), dir);
    await lock.tryAcquire(claim("twin", { host: self.host, pid: 999_999_999 }), TTL_MS);
    await expect(acquireLock(lock, request("me"), runnerClock(0), self, quiet)).rejects.toBeInstanceOf(LockHeldError);
    expect((await lock.read())!.holder!.id).toBe("twin");
  });

  it("GIVEN a lease WHEN the balancer's clock passes its expiry THEN and only then it is stale", async () => {
    const dir = fresh();
    const b = balancer();
    const lock = new LockDir(b.shell, dir);
    await lock.tryAcquire(claim("a"), TTL_MS);
    b.advance(TTL_MS / 1000 - 5);
    expect(staleReason(await lock.read(), TTL_MS)).toBeUndefined();
    b.advance(10);
    expect(staleReason(await lock.read(), TTL_MS)).toMatch(/expired/);
  });
});

describe("renewal: compare-and-swap on the holder's id", () => {
  it("GIVEN the holder WHEN it renews THEN its expiry moves to a TTL from the balancer's now; GIVEN another id THEN nothing changes", async () => {
    const dir = fresh();
    const b = balancer();
    const lock = new LockDir(b.shell, dir);
    await lock.tryAcquire(claim("a"), TTL_MS);
    b.advance(400);
    const renewed = await lock.renew("a", TTL_MS);
    expect(renewed.renewed).toBe(true);
    const reading = (await lock.read())!;
    expect(reading.expiresInMs).toBeGreaterThan(TTL_MS - 5_000);
    expect(reading.holder!.renewedAt).toBeDefined();
    expect(await lock.renew("b", TTL_MS)).toMatchObject({ renewed: false, current: { holder: { id: "a" } } });
  });

  it("GIVEN a lease taken over after it expired WHEN the old holder renews THEN it learns it lost the lock", async () => {
    const dir = fresh();
    const b = balancer();
    const lock = new LockDir(b.shell, dir);
    await lock.tryAcquire(claim("old"), TTL_MS);
    b.advance(TTL_MS / 1000 + 1);
    await lock.takeOver((await lock.read())!, claim("new"), TTL_MS);
    expect(await lock.renew("old", TTL_MS)).toMatchObject({ renewed: false, current: { holder: { id: "new" } } });
    expect(await new LockDir(b.shell, fresh()).renew("old", TTL_MS)).toEqual({ renewed: false, current: null });
  });

  it("GIVEN a Lease WHEN its timer ticks every TTL/3 through a wait longer than the TTL THEN a contender is refused all along", async () => {
    const dir = fresh();
    const b = balancer();
    const port = new LockDir(b.shell, dir);
    const holder = await acquireLock(port, request("long"), runnerClock(0), self, quiet);
    let tick: (() => Promise<void>) | undefined;
    let period = 0;
    const lease = new Lease(port, holder, runnerClock(0), { ttlMs: TTL_MS, warn: quiet, timer: { every: (ms, t) => ((period = ms), (tick = t), () => undefined) } });
    lease.start();
    expect(period).toBe(TTL_MS / 3);
    for (let i = 0; i < 5; i++) {
      b.advance(period / 1000);
      await tick!();
      await expect(acquireLock(new LockDir(b.shell, dir), request("contender"), runnerClock(0), self, quiet)).rejects.toBeInstanceOf(LockHeldError);
    }
    lease.stop();
  });

  it("GIVEN a Lease that was not renewed WHEN a contender takes the expired lock over THEN the next renewal throws LockLostError and aborts the lease's signal", async () => {
    const dir = fresh();
    const b = balancer();
    const port = new LockDir(b.shell, dir);
    const holder = await acquireLock(port, request("stuck"), runnerClock(0), self, quiet);
    const lease = new Lease(port, holder, runnerClock(0), { ttlMs: TTL_MS, warn: quiet, timer: { every: () => () => undefined } });
    b.advance(TTL_MS / 1000 + 1);
    await acquireLock(new LockDir(b.shell, dir), request("contender"), runnerClock(0), self, quiet);
    await expect(lease.renew()).rejects.toBeInstanceOf(LockLostError);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(LockLostError);
    await expect(lease.renew()).rejects.toThrow(/taken over by contender .* stopped before the next change/);
  });
});

describe("stale release and untrusted records", () => {
  it("GIVEN a stale lock read by `lock release` WHEN another run took it over before the release THEN the release removes nothing", async () => {
    const dir = fresh();
    const b = balancer();
    const lock = new LockDir(b.shell, dir);
    await lock.tryAcquire(claim("dead"), TTL_MS);
    b.advance(TTL_MS / 1000 + 1);
    const judged = (await lock.read())!;
    expect(staleReason(judged, TTL_MS)).toBeDefined();
    await new LockDir(b.shell, dir).takeOver(judged, claim("alive"), TTL_MS);
    expect(await lock.releaseIfUnchanged(judged)).toMatchObject({ released: false, current: { holder: { id: "alive" } } });
    expect((await lock.read())!.holder!.id).toBe("alive");
    expect(await lock.releaseIfUnchanged((await lock.read())!)).toEqual({ released: true, current: null });
  });

  const untrusted: [string, (lockDir: string) => void, RegExp][] = [
    ["a holder file that is not JSON", (d) => writeFileSync(join(d, "holder.json"), "{garbage"), /not a valid holder/],
    ["no holder file", () => undefined, /no holder record/],
    [
      "a holder written before leases (times from its writer's clock)",
      (d) => writeFileSync(join(d, "holder.json"), JSON.stringify({ ...claim("legacy"), acquiredAt: "2020-01-01T00:00:00Z", expiresAt: "2099-01-01T00:00:00Z" })),
      /no lease by the balancer's clock/,
    ],
  ];
  it.each(untrusted)("GIVEN %s WHEN read THEN it is reported, refused while younger than the TTL, and taken over once older", async (_name, make, problem) => {
    const dir = fresh();
    const b = balancer();
    mkdirSync(join(dir, "lock"), { recursive: true });
    make(join(dir, "lock"));
    const now = Date.now() / 1000;
    utimesSync(join(dir, "lock"), now, now);
    const lock = new LockDir(b.shell, dir);
    const reading = (await lock.read())!;
    expect(reading.problem).toMatch(problem);
    expect(staleReason(reading, TTL_MS)).toBeUndefined();
    await expect(acquireLock(lock, request("me"), runnerClock(0), self, quiet)).rejects.toThrow(/cannot be trusted: .* taken over in \d+ s/);
    b.advance(TTL_MS / 1000 + 1);
    const warnings: string[] = [];
    const mine = await acquireLock(lock, request("me"), runnerClock(0), self, (w) => warnings.push(w));
    expect(warnings[0]).toMatch(/taking over a stale deploy lock: .*has not changed for/);
    expect((await lock.read())!.holder!.id).toBe(mine.id);
  });
});

describe("audit log (real sh on a temp dir)", () => {
  const shell = new LocalShell();
  it("GIVEN two runs WHEN appending THEN each is one JSON line in a world-readable file and tail returns the last ones", async () => {
    const dir = fresh();
    const audit = new AuditLog(shell, dir);
    const entry = (n: number) => ({ at: `2026-11-22T12:0${n}:00Z`, who: "alice", command: "cutover", outcome: "deployed", durationMs: n, message: "o'neil's \"release\"" });
    await audit.append(entry(1));
    await audit.append(entry(2));
    expect(readFileSync(join(dir, "audit.log"), "utf8").trim().split("\n")).toHaveLength(2);
    expect(statSync(join(dir, "audit.log")).mode & 0o777).toBe(0o644);
    expect(await audit.tail(1)).toEqual([entry(2)]);
    expect(await new AuditLog(shell, fresh()).tail(5)).toEqual([]);
  });
});

describe("audit log masking (real sh on a temp dir)", () => {
  it("GIVEN a redactor WHEN any command appends an entry THEN the line on disk carries no secret, whatever its quotes and backslashes", async () => {
    const dir = fresh();
    const secret = 'pa"ss\\word-s3cret';
    const { Redactor } = await import("../../../core/redact");
    const redactor = new Redactor([secret]);
    const audit = new AuditLog(new LocalShell(), dir, (v) => redactor.redactData(v));
    await audit.append({ at: "2026-11-22T12:00:00Z", who: "alice", command: "maintenance on", outcome: "done", durationMs: 1, message: `down: ${secret}`, error: `x ${secret}` });
    const text = readFileSync(join(dir, "audit.log"), "utf8");
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(JSON.parse(text)).toMatchObject({ message: "down: [redacted]", error: "x [redacted]" });
  });
});
