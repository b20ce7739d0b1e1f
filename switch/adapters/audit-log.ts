import { ExternalError } from "../../core/errors";
import type { AuditEntry, AuditPort } from "../ports";
import { RemoteShell, shellQuote } from "./shell";

/**
 * `<dir>/audit.log` on the HAProxy droplet: one JSON line per run, append-only, readable by every operator (0644).
 * `redactData` masks every field before the line is serialised, whichever command wrote the entry.
 */
export class AuditLog implements AuditPort {
  constructor(
    private readonly shell: RemoteShell,
    private readonly dir: string,
    private readonly redactData: <T>(value: T) => T = (v) => v,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    const line = Buffer.from(JSON.stringify(this.redactData(entry)) + "\n").toString("base64");
    const d = shellQuote(this.dir);
    const result = await this.shell.exec("sh -s", `set -e\nmkdir -p ${d}\nchmod 755 ${d}\nprintf %s ${shellQuote(line)} | base64 -d >> ${d}/audit.log\nchmod 644 ${d}/audit.log\n`);
    if (result.code !== 0)
      throw new ExternalError(`cannot append to ${this.dir}/audit.log on ${this.shell.label} (${result.stderr.trim()})`, "check that SWITCH_STATE_DIR is writable there");
  }

  async tail(lines: number): Promise<AuditEntry[]> {
    const result = await this.shell.exec(`tail -n ${Math.max(1, Math.floor(lines))} ${shellQuote(`${this.dir}/audit.log`)} 2>/dev/null || true`);
    return result.stdout
      .split("\n")
      .filter(Boolean)
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as AuditEntry];
        } catch {
          return [];
        }
      });
  }
}
