/**
 * Method (e) needs kamal-proxy built from its Go module: the bench runs scripts/install-kamal-proxy.sh
 * (a no-op on a warm machine) before the lab starts, and reads its outcome as data. When the script
 * fails, (e) is reported as not run with the script's own words; nothing is substituted.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../lab/lab";
import { round } from "../measure/analysis";

export const INSTALL_KAMAL_PROXY_SCRIPT = join(REPO_ROOT, "scripts", "install-kamal-proxy.sh");
/** A cold build on a 2-core machine takes minutes; past this the bench gives up on (e). */
export const INSTALL_TIMEOUT_MS = 20 * 60_000;

export type KamalProxyInstall =
  | {
      readonly ok: true;
      readonly binary: string;
      /** True when this run built it; false when the pinned build was already there. */
      readonly built: boolean;
      readonly seconds: number;
      /** What the script said worth keeping (e.g. the proxy refused the version list), in sentences. */
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly reason: string; readonly seconds: number };

export interface ScriptRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

const REFUSED_LIST = "the module proxy refused kamal-proxy's version list";

/** The script's outcome: its last stdout line is the binary; on failure its stderr, verbatim, is the reason. */
export function parseInstall(run: ScriptRun): KamalProxyInstall {
  const stderr = run.stderr.trim();
  const binary = run.stdout.trim().split("\n").pop()?.trim() ?? "";
  if (run.exitCode !== 0 || !binary.startsWith("/")) {
    const status = run.exitCode === null ? "was killed" : `exited ${run.exitCode}`;
    return { ok: false, reason: stderr || `scripts/install-kamal-proxy.sh ${status} and printed nothing on stderr`, seconds: run.seconds };
  }
  const built = /go install /.test(stderr);
  const notes: string[] = [];
  if (stderr.includes(REFUSED_LIST)) {
    const goError = stderr.split("\n").find((l) => l.includes("loading deprecation for"))?.trim();
    notes.push(
      `The Go module proxy served kamal-proxy v0.9.2 but refused its version list, which \`go install\` reads only for a deprecation notice (go said: ${goError ?? "see the script's output"}); ` +
        "the script downloaded v0.9.2 from the proxy (checksum verified) and ran the same `go install` with that lookup answered from the module cache.",
    );
  }
  return { ok: true, binary, built, seconds: run.seconds, notes };
}

export function runInstallScript(script = INSTALL_KAMAL_PROXY_SCRIPT, env: NodeJS.ProcessEnv = process.env, timeoutMs = INSTALL_TIMEOUT_MS): Promise<ScriptRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    execFile("bash", [script], { cwd: REPO_ROOT, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      const seconds = round(Number(process.hrtime.bigint() - started) / 1e9, 1);
      const exitCode = error ? (typeof error.code === "number" ? error.code : null) : 0;
      const ownError = error?.killed ? `scripts/install-kamal-proxy.sh killed after ${timeoutMs / 1000} s\n` : error && typeof error.code === "string" ? `${error.message}\n` : "";
      resolve({ exitCode, stdout, stderr: ownError + stderr, seconds });
    });
  });
}

export async function installKamalProxy(): Promise<KamalProxyInstall> {
  return parseInstall(await runInstallScript());
}
