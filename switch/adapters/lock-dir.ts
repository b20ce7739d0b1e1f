import { ExternalError } from "../../core/errors";
import type { LockHolder } from "../model";
import type { LockAttempt, LockPort } from "../ports";
import { RemoteShell, shellQuote } from "./shell";

/**
 * The deploy lock on the HAProxy droplet: `mkdir <dir>/lock` is the atomic test-and-set and
 * `<dir>/lock/holder.json` says who holds it. Every script runs under `flock` on `<dir>/.guard`, so a
 * takeover of a stale lock cannot race another run's takeover.
 */
export class LockDir implements LockPort {
  /** The holder file exactly as last read: a takeover only succeeds if it is still byte-for-byte the same. */
  private lastRaw = "";

  constructor(private readonly shell: RemoteShell, private readonly dir: string) {}

  private script(body: string): string {
    const d = shellQuote(this.dir);
    return ["set -e", `d=${d}`, 'mkdir -p "$d" && chmod 755 "$d"', 'exec 9>"$d/.guard"', "flock -w 20 9", body].join("\n");
  }

  private async run(body: string): Promise<string> {
    const result = await this.shell.exec("sh -s", this.script(body));
    if (result.code !== 0)
      throw new ExternalError(
        `deploy lock on ${this.shell.label} failed (${result.stderr.trim().split("\n").pop() || `exit ${result.code}`})`,
        `check that SWITCH_STATE_DIR (${this.dir}) is writable there and flock is installed`,
      );
    return result.stdout;
  }

  private parse(stdout: string): LockAttempt {
    const [verdict, ...rest] = stdout.split("\n");
    if (verdict === "ACQUIRED") return { acquired: true };
    this.lastRaw = rest.join("\n");
    return { acquired: false, holder: this.holderFrom(this.lastRaw) };
  }

  private holderFrom(raw: string): LockHolder | null {
    try {
      const h = JSON.parse(raw) as LockHolder;
      return h && typeof h.id === "string" ? h : null;
    } catch {
      return null;
    }
  }

  private write(holder: LockHolder): string {
    return `printf %s ${shellQuote(Buffer.from(JSON.stringify(holder)).toString("base64"))} | base64 -d > "$d/lock/holder.json"`;
  }

  async read(): Promise<LockHolder | null> {
    const out = await this.run('cat "$d/lock/holder.json" 2>/dev/null || true');
    return this.holderFrom(out);
  }

  async tryAcquire(holder: LockHolder): Promise<LockAttempt> {
    return this.parse(
      await this.run(
        ['if mkdir "$d/lock" 2>/dev/null; then', `  ${this.write(holder)}`, "  echo ACQUIRED", "else", "  echo HELD", '  cat "$d/lock/holder.json" 2>/dev/null || true', "fi"].join(
          "\n",
        ),
      ),
    );
  }

  async takeOver(stale: LockHolder | null, holder: LockHolder): Promise<LockAttempt> {
    const expected = stale ? Buffer.from(this.lastRaw).toString("base64") : "";
    return this.parse(
      await this.run(
        [
          'cur=$(base64 -w0 "$d/lock/holder.json" 2>/dev/null || true)',
          `if [ ! -d "$d/lock" ] || [ "$cur" = ${shellQuote(expected)} ]; then`,
          '  mkdir -p "$d/lock"',
          `  ${this.write(holder)}`,
          "  echo ACQUIRED",
          "else",
          "  echo HELD",
          '  cat "$d/lock/holder.json" 2>/dev/null || true',
          "fi",
        ].join("\n"),
      ),
    );
  }

  async release(id: string | null, force: boolean): Promise<boolean> {
    const ours = id ? `grep -qF ${shellQuote(`"id":${JSON.stringify(id)}`)} "$d/lock/holder.json" 2>/dev/null` : "false";
    const out = await this.run(
      ['if [ ! -d "$d/lock" ]; then echo NONE', `elif ${force ? "true" : ours}; then rm -rf "$d/lock"; echo RELEASED`, "else echo NOT_OURS", "fi"].join("\n"),
    );
    return out.startsWith("RELEASED");
  }
}
