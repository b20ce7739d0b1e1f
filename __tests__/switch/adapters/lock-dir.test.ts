import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog } from "../../../switch/adapters/audit-log";
import { LockDir } from "../../../switch/adapters/lock-dir";
import { acquireLock } from "../../../switch/lock";
import type { LockHolder } from "../../../switch/model";
import { LocalShell } from "../fakes/local-shell";

const holder = (id: string, over: Partial<LockHolder> = {}): LockHolder => ({
  id,
  who: `${id}@ci`,
  host: "runner",
  pid: 10,
  command: "cutover",
  image: "registry.test/web:v2",
  message: 'it\'s "quoted" $(rm -rf /)',
  acquiredAt: "2026-11-22T12:00:00Z",
  expiresAt: "2026-11-22T12:15:00Z",
  ...over,
});

// Real processes (sh, flock, haproxy, sshd handshakes): generous on a loaded CI machine, still fast when idle.
jest.setTimeout(20_000);

const fresh = () => join(mkdtempSync(join(tmpdir(), "switch-lock-")), "state dir");
const shell = new LocalShell();

describe("deploy lock directory (real sh, mkdir and flock on a temp dir)", () => {
  it("GIVEN no lock WHEN acquiring THEN the holder record is written verbatim, and a second acquire sees it", async () => {
    const dir = fresh();
    const lock = new LockDir(shell, dir);
    expect(await lock.tryAcquire(holder("a"))).toEqual({ acquired: true });
    expect(JSON.parse(readFileSync(join(dir, "lock", "holder.json"), "utf8"))).toEqual(holder("a"));
    expect(await new LockDir(shell, dir).tryAcquire(holder("b"))).toEqual({ acquired: false, holder: holder("a") });
    expect(await lock.read()).toEqual(holder("a"));
  });

  it("GIVEN 8 runs racing WHEN all acquire at once THEN exactly one wins", async () => {
    const dir = fresh();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => new LockDir(shell, dir).tryAcquire(holder(`r${i}`))));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it("GIVEN a stale holder WHEN two runs take over at once THEN exactly one wins", async () => {
    const dir = fresh();
    await new LockDir(shell, dir).tryAcquire(holder("dead"));
    const contenders = [new LockDir(shell, dir), new LockDir(shell, dir), new LockDir(shell, dir)];
    const seen = await Promise.all(contenders.map((c) => c.tryAcquire(holder("x"))));
    const results = await Promise.all(contenders.map((c, i) => c.takeOver((seen[i] as { holder: LockHolder }).holder, holder(`t${i}`))));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
  });

  it("GIVEN a lock WHEN released by a non-holder without force THEN it stays; by its holder or with force THEN it goes", async () => {
    const dir = fresh();
    const lock = new LockDir(shell, dir);
    await lock.tryAcquire(holder("a"));
    expect(await lock.release("b", false)).toBe(false);
    expect(await lock.read()).toEqual(holder("a"));
    expect(await lock.release("a", false)).toBe(true);
    expect(await lock.read()).toBeNull();
    await lock.tryAcquire(holder("c"));
    expect(await lock.release(null, true)).toBe(true);
    expect(await lock.release(null, true)).toBe(false);
  });

  it("GIVEN a live holder WHEN acquireLock runs THEN it refuses; GIVEN an expired one THEN it takes over with a warning", async () => {
    const dir = fresh();
    const lock = new LockDir(shell, dir);
    const self = { host: "me", pid: 1, isAlive: () => true };
    await lock.tryAcquire(holder("old"));
    const clock = { now: () => Date.parse("2026-11-22T12:05:00Z"), sleep: async () => undefined };
    await expect(acquireLock(lock, { who: "me", command: "cutover", ttlMs: 60_000 }, clock, self, () => undefined)).rejects.toThrow(/held by old@ci/);
    const later = { ...clock, now: () => Date.parse("2026-11-22T13:00:00Z") };
    const warnings: string[] = [];
    const mine = await acquireLock(lock, { who: "me", command: "cutover", ttlMs: 60_000 }, later, self, (w) => warnings.push(w));
    expect(warnings[0]).toMatch(/stale deploy lock: it expired/);
    expect((await lock.read())!.id).toBe(mine.id);
  });
});

describe("audit log (real sh on a temp dir)", () => {
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
