import { ExternalError, InternalError } from "../../core/errors";
import type { LockClaim, LockHolder, LockReading } from "../model";
import type { LockAttempt, LockPort, LockRenewal } from "../ports";
import { RemoteShell, shellQuote } from "./shell";

/**
 * The deploy lock on the HAProxy droplet, `<dir>/lock/`:
 * - `holder.json`: who holds it (the switch's claim, verbatim);
 * - `lease`: one line `<id> <acquired> <expires> <renewed>` in Unix seconds of the balancer's clock.
 *
 * Every script runs under `flock <dir>/.guard` and reads the time with `date` on the balancer inside that flock, so
 * each decision (take, take over, renew, release) and the times it writes come from one clock, whatever the runners'
 * clocks say. A takeover or a stale release acts only if the lock is still byte-for-byte what the caller judged
 * (compare-and-swap on its version); a renewal only if the lease still carries the caller's id.
 */
export class LockDir implements LockPort {
  constructor(private readonly shell: RemoteShell, private readonly dir: string) {}

  private script(body: string): string {
    return [
      "set -e",
      `d=${shellQuote(this.dir)}`,
      // Create the state directory when missing; an existing one keeps its owner and mode (never chmod a shared directory).
      'if [ ! -d "$d" ]; then mkdir -p "$d"; chmod 755 "$d"; fi',
      'exec 9>"$d/.guard"',
      "flock -w 20 9",
      "now=$(date +%s)",
      'version() { printf "%s|%s" "$(cat "$d/lock/lease" 2>/dev/null || true)" "$(base64 -w0 "$d/lock/holder.json" 2>/dev/null || true)"; }',
      'dump() { echo "now $now"; if [ -d "$d/lock" ]; then echo "age $((now - $(stat -c %Y "$d/lock")))"; echo "version $(version | base64 -w0)"; echo "lease $(cat "$d/lock/lease" 2>/dev/null || true)"; echo "holder $(base64 -w0 "$d/lock/holder.json" 2>/dev/null || true)"; fi; }',
      // $1 id, $2 holder.json base64, $3 acquired, $4 expires: written beside and renamed, so a reader never sees half a file.
      'grant() { printf %s "$2" | base64 -d > "$d/lock/holder.json.tmp"; mv -f "$d/lock/holder.json.tmp" "$d/lock/holder.json"; lease "$1" "$3" "$4"; }',
      'lease() { printf "%s %s %s %s\\n" "$1" "$2" "$3" "$now" > "$d/lock/lease.tmp"; mv -f "$d/lock/lease.tmp" "$d/lock/lease"; }',
      body,
    ].join("\n");
  }

  private async run(body: string): Promise<{ verdict: string; reading: LockReading | null }> {
    const result = await this.shell.exec("sh -s", this.script(body));
    if (result.code !== 0)
      throw new ExternalError(
        `deploy lock on ${this.shell.label} failed (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        `check that SWITCH_STATE_DIR (${this.dir}) is writable there and flock is installed`,
      );
    const [verdict, ...lines] = result.stdout.split("\n");
    return { verdict: verdict.trim(), reading: parseReading(lines) };
  }

  private grant(claim: LockClaim, ttlMs: number): string {
    checkId(claim.id);
    const json = Buffer.from(JSON.stringify(claim)).toString("base64");
    return `grant ${shellQuote(claim.id)} ${shellQuote(json)} "$now" "$((now + ${ttlSeconds(ttlMs)}))"`;
  }

  private attempt(verdict: string, reading: LockReading | null): LockAttempt {
    if (verdict === "ACQUIRED" && reading?.holder) return { acquired: true, holder: reading.holder };
    return { acquired: false, current: reading };
  }

  async read(): Promise<LockReading | null> {
    return (await this.run("echo READ; dump")).reading;
  }

  async tryAcquire(claim: LockClaim, ttlMs: number): Promise<LockAttempt> {
    const { verdict, reading } = await this.run(
      [`if mkdir "$d/lock" 2>/dev/null; then`, `  ${this.grant(claim, ttlMs)}`, "  echo ACQUIRED", "else", "  echo HELD", "fi", "dump"].join("\n"),
    );
    return this.attempt(verdict, reading);
  }

  async takeOver(seen: LockReading, claim: LockClaim, ttlMs: number): Promise<LockAttempt> {
    const { verdict, reading } = await this.run(
      [
        `if [ ! -d "$d/lock" ] || [ "$(version | base64 -w0)" = ${shellQuote(seen.version)} ]; then`,
        '  rm -rf "$d/lock"',
        '  mkdir "$d/lock"',
        `  ${this.grant(claim, ttlMs)}`,
        "  echo ACQUIRED",
        "else",
        "  echo HELD",
        "fi",
        "dump",
      ].join("\n"),
    );
    return this.attempt(verdict, reading);
  }

  async renew(id: string, ttlMs: number): Promise<LockRenewal> {
    checkId(id);
    const { verdict, reading } = await this.run(
      [
        `if [ -d "$d/lock" ] && read -r lid acquired expires renewed < "$d/lock/lease" 2>/dev/null && [ "$lid" = ${shellQuote(id)} ]; then`,
        `  lease "$lid" "$acquired" "$((now + ${ttlSeconds(ttlMs)}))"`,
        "  echo RENEWED",
        "else",
        "  echo LOST",
        "fi",
        "dump",
      ].join("\n"),
    );
    if (verdict === "RENEWED" && reading?.holder) return { renewed: true, holder: reading.holder };
    return { renewed: false, current: reading };
  }

  async release(id: string | null, force: boolean): Promise<boolean> {
    if (id) checkId(id);
    const ours = id ? `read -r lid rest < "$d/lock/lease" 2>/dev/null && [ "$lid" = ${shellQuote(id)} ]` : "false";
    const { verdict } = await this.run(
      ['if [ ! -d "$d/lock" ]; then echo NONE', `elif ${force ? "true" : ours}; then rm -rf "$d/lock"; echo RELEASED`, "else echo NOT_OURS", "fi", "dump"].join("\n"),
    );
    return verdict === "RELEASED";
  }

  async releaseIfUnchanged(seen: LockReading): Promise<{ released: boolean; current: LockReading | null }> {
    const { verdict, reading } = await this.run(
      [
        'if [ ! -d "$d/lock" ]; then echo NONE',
        `elif [ "$(version | base64 -w0)" = ${shellQuote(seen.version)} ]; then rm -rf "$d/lock"; echo RELEASED`,
        "else echo CHANGED",
        "fi",
        "dump",
      ].join("\n"),
    );
    return { released: verdict === "RELEASED", current: reading };
  }
}

const ttlSeconds = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs / 1000));

/** Ids are ours (UUIDs); anything else would be spliced into a script. */
function checkId(id: string): void {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(id)) throw new InternalError(`lock id ${JSON.stringify(id)} is not a UUID`);
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The `dump` lines: `now`, and when a lock exists `age`, `version`, `lease` and `holder`. */
export function parseReading(lines: readonly string[]): LockReading | null {
  const field = (name: string) => {
    const line = lines.find((l) => l === name || l.startsWith(`${name} `));
    return line === undefined ? undefined : line.slice(name.length + 1).trim();
  };
  const now = Number(field("now"));
  if (!Number.isFinite(now)) throw new ExternalError("the deploy lock script printed no balancer time", "check that `date +%s` works on the HAProxy droplet");
  const age = field("age");
  if (age === undefined) return null;
  const base = { readAt: iso(now), ageMs: Math.max(0, Number(age) || 0) * 1000, version: field("version") ?? "" };
  const holderText = Buffer.from(field("holder") ?? "", "base64").toString("utf8");
  if (!holderText) return { ...base, problem: "it has no holder record (a run died while taking it)" };
  let parsed: Partial<LockHolder> | undefined;
  try {
    parsed = JSON.parse(holderText) as Partial<LockHolder>;
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || typeof parsed.id !== "string")
    return { ...base, problem: `its holder record is not a valid holder (${JSON.stringify(holderText.slice(0, 60))})` };
  const claim: LockClaim = {
    id: parsed.id,
    who: String(parsed.who ?? "?"),
    host: String(parsed.host ?? "?"),
    pid: Number(parsed.pid ?? 0),
    command: String(parsed.command ?? "?"),
    ...(typeof parsed.image === "string" ? { image: parsed.image } : {}),
    ...(typeof parsed.message === "string" ? { message: parsed.message } : {}),
  };
  const lease = /^(\S+) (\d+) (\d+) (\d+)$/.exec(field("lease") ?? "");
  if (!lease || lease[1] !== claim.id) {
    // A lock written before leases existed (its times from the writer's clock), or a lease of another holder: not trusted.
    const shown = (t: unknown) => (typeof t === "string" ? t : "unknown");
    return {
      ...base,
      holder: { ...claim, acquiredAt: shown(parsed.acquiredAt), expiresAt: shown(parsed.expiresAt) },
      problem: lease ? "its lease names another holder" : "it has no lease by the balancer's clock (written by an older do-bluegreen, or a run died while taking it)",
    };
  }
  const [, , acquired, expires, renewed] = lease.map(Number);
  return {
    ...base,
    holder: { ...claim, acquiredAt: iso(acquired), expiresAt: iso(expires), ...(renewed !== acquired ? { renewedAt: iso(renewed) } : {}) },
    expiresInMs: (expires - now) * 1000,
  };
}
