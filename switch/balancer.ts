import { createHash } from "node:crypto";
import type { Config } from "../core/config";
import { BALANCER_SYSCTLS, balancerSysctlText, kernelDrift, KernelSettingChange } from "../core/cloud-init/balancer-sysctl";
import { renderBalancerHaproxyConfig } from "../core/haproxy";
import { BlueGreenError } from "../core/errors";
import { BalancerConfigRefusedError } from "./errors";
import { assertKeepsSwitchKey, keysChange, switchPublicKey } from "./authorized-keys";
import { HostIdentity, acquireLock } from "./lock";
import type { Droplet } from "./model";
import { balancerAmong, findReservedIp } from "./observe";
import type { AuditEntry, ConfigCheck, InstalledConfig, Ports } from "./ports";
import type { Reporter } from "./progress";
import { unifiedDiff } from "./text-diff";

export interface BalancerDeps {
  readonly ports: Ports;
  readonly config: Config;
  readonly reporter: Reporter;
  /** user@host or CI job, for the lock and the audit log. */
  readonly who: string;
  readonly self: HostIdentity;
}

export interface BalancerApplyRequest {
  /** Print what would change (the diff, HAProxy's verdict, the keys) and change nothing. */
  readonly dryRun?: boolean;
  /** Why, for the lock and the audit log. */
  readonly message?: string;
}

export interface ConfigReport {
  /** HAPROXY_CONFIG_FILE on the balancer. */
  readonly file: string;
  /** sha256 (12 hex digits) of the file on the balancer before this run; null when there was none. */
  readonly running: string | null;
  /** sha256 (12 hex digits) of the rendered file. */
  readonly rendered: string;
  /** Whether HAProxy already ran the rendered file: nothing to install or reload. */
  readonly upToDate: boolean;
  /** `diff -u` of the running file to the rendered one. */
  readonly diff: readonly string[];
  /** HAProxy's warnings about the rendered file (`haproxy -c`); none when it was not checked (up to date). */
  readonly warnings: readonly string[];
  /** After a reload: HAProxy's worker before and after (the master and its listening sockets stayed). */
  readonly reload?: { readonly before: number; readonly after: number };
}

export interface KeysReport {
  /** false: SSH_AUTHORIZED_KEYS is empty, and the droplets' keys were left as they are. */
  readonly managed: boolean;
  readonly keys: number;
  readonly droplets: readonly { readonly droplet: string; readonly changed: boolean; readonly added: number; readonly removed: number }[];
}

export interface KernelReport {
  /** BALANCER_SYSCTL_FILE on the balancer. */
  readonly file: string;
  /** The live settings that differed from BALANCER_SYSCTLS before this run (none: the kernel already ran them). */
  readonly changes: readonly KernelSettingChange[];
  /** Whether the file was missing or different before this run (written now, unless a dry run). */
  readonly fileChanged: boolean;
}

export interface BalancerApplyResult {
  readonly command: "balancer apply";
  /** applied: something was installed; up-to-date: nothing needed to change; planned: a dry run. */
  readonly outcome: "applied" | "up-to-date" | "planned";
  readonly balancer: string;
  /** The reserved IP haproxy.cfg's floating slot targets. */
  readonly floatingIp: string;
  readonly config: ConfigReport;
  readonly kernel: KernelReport;
  readonly authorizedKeys: KeysReport;
  readonly durationMs: number;
}

export const sha12 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

/** Everything the rendered file depends on: the balancer, the reserved IP (observe's rule) and the workers. */
interface Target {
  readonly balancer: Droplet;
  readonly workers: readonly Droplet[];
  readonly floatingIp: string;
  readonly rendered: string;
}

async function findTarget(ports: Ports, config: Config, droplets: readonly Droplet[]): Promise<Target> {
  const balancer = balancerAmong(droplets, config);
  const workers = droplets.filter((d) => d.tags.includes(config.tags.prod) || d.tags.includes(config.tags.fallback));
  const floatingIp = (await findReservedIp(ports, config, workers)).ip;
  return { balancer, workers, floatingIp, rendered: renderBalancerHaproxyConfig(config, floatingIp) };
}

/** Whether the balancer runs the rendered file: the same text, loaded by the running worker. */
export function configDrift(installed: InstalledConfig, rendered: string): { readonly upToDate: boolean; readonly detail: string } {
  if (installed.text === null) return { upToDate: false, detail: "no haproxy.cfg on the balancer" };
  if (installed.text !== rendered) return { upToDate: false, detail: `running ${sha12(installed.text)}, rendered ${sha12(rendered)}` };
  if (!installed.loaded) return { upToDate: false, detail: `the file is the rendered one (${sha12(rendered)}), but HAProxy started before it was written: a reload is pending` };
  return { upToDate: true, detail: sha12(rendered) };
}

/** The keys to install, checked against the switch's own key before anything is read; null when keys are not managed. */
function desiredKeys(config: Config): readonly string[] | null {
  const lines = config.ssh.authorizedKeys;
  if (lines.length === 0) return null;
  assertKeepsSwitchKey(lines, switchPublicKey(config.ssh.privateKey));
  return lines;
}

const REFUSAL_FIXES: readonly (readonly [RegExp, string])[] = [
  [/SSL certificate|\bcrt\b|\.pem\b/i, "put the certificate (PEM with its key) at HAPROXY_TLS_CERT_PATH on the balancer, or unset HAPROXY_TLS_CERT_PATH"],
  [/\bmap\b|maintenance\.map/i, "create the maintenance map in SWITCH_STATE_DIR on the balancer (its cloud-init does), or set SWITCH_STATE_DIR to the directory it is in"],
  [/cannot find user|cannot find group|\buser\b|\bgroup\b/i, "set HAPROXY_USER to a user that exists on the balancer, or none"],
  [/bind|address/i, "check HAPROXY_BIND_ADDRESS (an address the balancer has, or *) and the ports"],
];

/** HAProxy's reason, one line, and the fix for the setting it names. */
export function refusedError(balancer: string, check: Extract<ConfigCheck, { accepted: false }>, dryRun: boolean): BalancerConfigRefusedError {
  const fix = REFUSAL_FIXES.find(([pattern]) => pattern.test(check.reason))?.[1] ?? "fix the setting HAProxy names (the file is rendered from the configuration variables), then apply again";
  return new BalancerConfigRefusedError(
    `HAProxy on ${balancer} refuses the rendered haproxy.cfg: ${check.reason}; ${dryRun ? "(dry run) " : ""}nothing was installed and HAProxy keeps running its current configuration`,
    `${fix}; \`npm run switch -- balancer apply --dry-run\` checks again`,
  );
}

/**
 * `balancer apply`: renders haproxy.cfg from the configuration and the reserved IP, and unless HAProxy already runs it,
 * has HAProxy check it on the balancer, then installs it with a hitless reload that keeps the slots' runtime state; then
 * installs SSH_AUTHORIZED_KEYS on all three droplets. Under the deploy lock (it never races a cutover), with an audit line.
 */
export async function runBalancerApply(deps: BalancerDeps, request: BalancerApplyRequest = {}): Promise<BalancerApplyResult> {
  const { ports, config, reporter } = deps;
  const keys = desiredKeys(config);
  if (request.dryRun) return planBalancerApply(deps, keys);
  const started = ports.clock.now();
  let target: Target | undefined;
  let balancer: Droplet | undefined;
  let droplets: Droplet[] = [];
  const holder = await reporter.step("lock", "take the deploy lock on the HAProxy droplet", async () => {
    droplets = await ports.digitalocean.listDroplets();
    balancer = balancerAmong(droplets, config);
    return acquireLock(ports.lock(balancer), { who: deps.who, command: "balancer apply", message: request.message, ttlMs: config.timing.lockTtlMs }, ports.clock, deps.self, (l) =>
      reporter.warn(l),
    );
  });
  let result: BalancerApplyResult | undefined;
  let installed: InstalledConfig | undefined;
  let failure: unknown;
  const done: CompletedParts = {};
  try {
    target = await reporter.step("observe", "read the reserved IP and render haproxy.cfg", () => findTarget(ports, config, droplets));
    const t = target;
    const port = ports.balancerConfig(t.balancer);
    installed = await reporter.step("read", `read ${config.haproxy.configFile} on ${t.balancer.name}`, () => port.read());
    const drift = configDrift(installed, t.rendered);
    let configReport = reportOf(config, installed, t.rendered, drift.upToDate);
    if (drift.upToDate) reporter.info(`haproxy.cfg on ${t.balancer.name} is up to date (${drift.detail}): nothing to reload`);
    else {
      const outcome = await reporter.step("reload", "check haproxy.cfg on the balancer (haproxy -c), save the server state, install it and reload HAProxy", async () => {
        const r = await port.install(t.rendered);
        if (!r.accepted) throw refusedError(t.balancer.name, r, false);
        return r;
      });
      configReport = { ...configReport, warnings: outcome.warnings, reload: outcome.worker };
      for (const w of outcome.warnings) reporter.warn(`HAProxy: ${w}`);
    }
    done.config = configReport;
    // After the reload is as safe as before it: the settings matter for the connections a flip opens, and no flip can run while this
    // run holds the deploy lock. A file HAProxy refuses thus leaves the kernel as it was, too.
    const kernel = await reporter.step("kernel", `keep the balancer's kernel settings (${config.haproxy.sysctlFile})`, () => applyKernel(ports, config, t.balancer, false));
    done.kernel = kernel;
    const keysReport = await reporter.step("keys", keys ? "install SSH_AUTHORIZED_KEYS on the three droplets" : "SSH_AUTHORIZED_KEYS is empty: keys left as they are", () =>
      applyKeys(ports, [t.balancer, ...t.workers], keys, false),
    );
    const changed = !configReport.upToDate || kernelChanged(kernel) || keysReport.droplets.some((d) => d.changed);
    result = resultOf(changed ? "applied" : "up-to-date", t, { config: configReport, kernel, authorizedKeys: keysReport }, ports.clock.now() - started);
    return result;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await record(deps, balancer!, { started, request, result, failure, installed, rendered: target?.rendered, done });
    await reporter
      .step("unlock", "release the deploy lock", async () => void (await ports.lock(balancer!).release(holder.id, false)))
      .catch((e: Error) => reporter.warn(`could not release the deploy lock (it expires at ${holder.expiresAt}): ${e.message}`));
  }
}

/** The dry run: no lock, nothing installed; HAProxy checks the rendered file from a temp file, which it removes. */
async function planBalancerApply(deps: BalancerDeps, keys: readonly string[] | null): Promise<BalancerApplyResult> {
  const { ports, config, reporter } = deps;
  const started = ports.clock.now();
  const t = await reporter.step("observe", "read the reserved IP and render haproxy.cfg", async () => findTarget(ports, config, await ports.digitalocean.listDroplets()));
  const port = ports.balancerConfig(t.balancer);
  const installed = await reporter.step("read", `read ${config.haproxy.configFile} on ${t.balancer.name}`, () => port.read());
  const drift = configDrift(installed, t.rendered);
  let configReport = reportOf(config, installed, t.rendered, drift.upToDate);
  if (drift.upToDate) reporter.info(`haproxy.cfg on ${t.balancer.name} is up to date (${drift.detail})`);
  else {
    const check = await reporter.step("check", "check the rendered haproxy.cfg on the balancer (haproxy -c)", () => port.check(t.rendered));
    if (!check.accepted) throw refusedError(t.balancer.name, check, true);
    configReport = { ...configReport, warnings: check.warnings };
    reporter.info(`haproxy.cfg on ${t.balancer.name}: ${drift.detail}; HAProxy accepts the rendered file${check.warnings.length ? ` with ${check.warnings.length} warning(s)` : ""}`);
    for (const w of check.warnings) reporter.warn(`HAProxy: ${w}`);
    for (const line of configReport.diff) reporter.info(line);
  }
  const kernel = await reporter.step("kernel", `compare the balancer's kernel settings with ${config.haproxy.sysctlFile}`, () => applyKernel(ports, config, t.balancer, true));
  const keysReport = await reporter.step("keys", "compare SSH_AUTHORIZED_KEYS with the droplets' files", () => applyKeys(ports, [t.balancer, ...t.workers], keys, true));
  return resultOf("planned", t, { config: configReport, kernel, authorizedKeys: keysReport }, ports.clock.now() - started);
}

function resultOf(
  outcome: BalancerApplyResult["outcome"],
  t: Target,
  parts: Pick<BalancerApplyResult, "config" | "kernel" | "authorizedKeys">,
  durationMs: number,
): BalancerApplyResult {
  return { command: "balancer apply", outcome, balancer: t.balancer.name, floatingIp: t.floatingIp, ...parts, durationMs };
}

function reportOf(config: Config, installed: InstalledConfig, rendered: string, upToDate: boolean): ConfigReport {
  const file = config.haproxy.configFile;
  return {
    file,
    running: installed.text === null ? null : sha12(installed.text),
    rendered: sha12(rendered),
    upToDate,
    diff: unifiedDiff(installed.text ?? "", rendered, { before: `${file} (running)`, after: `${file} (rendered)` }),
    warnings: [],
  };
}

const kernelChanged = (k: KernelReport) => k.fileChanged || k.changes.length > 0;

/** Writes and loads the settings file when it or a live value differs (never in a dry run). */
async function applyKernel(ports: Ports, config: Config, balancer: Droplet, dryRun: boolean): Promise<KernelReport> {
  const port = ports.balancerKernel(balancer);
  const keys = Object.keys(BALANCER_SYSCTLS);
  const before = kernelDrift(await port.read(keys));
  const report = { file: config.haproxy.sysctlFile, changes: before.changes, fileChanged: !before.fileCurrent };
  if (dryRun || !kernelChanged(report)) return report;
  await port.install(balancerSysctlText());
  return report;
}

/** Reads each droplet's file and replaces it where it differs (never in a dry run); null keys: nothing is touched. */
async function applyKeys(ports: Ports, droplets: readonly Droplet[], keys: readonly string[] | null, dryRun: boolean): Promise<KeysReport> {
  if (!keys) return { managed: false, keys: 0, droplets: [] };
  const report: KeysReport["droplets"][number][] = [];
  for (const droplet of droplets) {
    const port = ports.authorizedKeys(droplet);
    const change = keysChange(await port.read(), keys);
    if (change.changed && !dryRun) await port.write(change.text);
    report.push({ droplet: droplet.name, changed: change.changed, added: change.added, removed: change.removed });
  }
  return { managed: true, keys: keys.length, droplets: report };
}

/** One line for the audit log and the CLI: what happened to haproxy.cfg and to the keys. */
export function describeApply(r: Pick<BalancerApplyResult, "config" | "kernel" | "authorizedKeys" | "outcome">): string {
  const c = r.config;
  const planned = r.outcome === "planned";
  const change = c.reload ? `, reloaded (worker ${c.reload.before} → ${c.reload.after})` : planned ? ` (${changedLines(c.diff)} line(s) change)` : "";
  const cfg = c.upToDate ? `haproxy.cfg up to date (${c.rendered})` : `haproxy.cfg ${c.running ?? "none"} → ${c.rendered}${change}`;
  const kernel = describeKernel(r.kernel, planned);
  const k = r.authorizedKeys;
  const changed = k.droplets.filter((d) => d.changed);
  const keys = !k.managed
    ? "authorized_keys untouched (SSH_AUTHORIZED_KEYS is empty)"
    : changed.length === 0
      ? `authorized_keys up to date on ${k.droplets.length} droplet(s) (${k.keys} key(s))`
      : `authorized_keys ${planned ? "would be replaced" : "replaced"} on ${changed.map((d) => `${d.droplet} (+${d.added} −${d.removed})`).join(", ")} (${k.keys} key(s))`;
  return `${cfg}; ${kernel}; ${keys}`;
}

function describeKernel(k: KernelReport, planned: boolean): string {
  if (!kernelChanged(k)) return "kernel settings up to date";
  const values = k.changes.map((c) => `${c.key} ${c.live} → ${c.wanted}`);
  const what = [...values, ...(k.fileChanged ? [`${k.file} ${planned ? "to write" : "written"}`] : [])].join(", ");
  return `kernel settings ${planned ? "would change" : "set"} (${what})`;
}

const changedLines = (diff: readonly string[]) => diff.filter((l) => /^[-+](?![-+]{2} )/.test(l)).length;

export function formatBalancerApply(r: BalancerApplyResult): string {
  const head =
    r.outcome === "planned"
      ? `dry run, nothing changed: ${describeApply(r)}`
      : r.outcome === "up-to-date"
        ? `balancer ${r.balancer} is up to date: ${describeApply(r)}`
        : `balancer ${r.balancer} applied: ${describeApply(r)}`;
  return `${head} (reserved IP ${r.floatingIp}, ${r.durationMs} ms)`;
}

/** What a failed run finished before it failed: the audit line says it, so a later step's failure hides no change. */
interface CompletedParts {
  config?: ConfigReport;
  kernel?: KernelReport;
}

function describePartial(done: CompletedParts, installed: InstalledConfig | undefined, rendered: string): string {
  const c = done.config;
  const cfg = !c
    ? `haproxy.cfg ${installed?.text == null ? "none" : sha12(installed.text)} → ${sha12(rendered)} not installed`
    : c.upToDate
      ? `haproxy.cfg up to date (${c.rendered})`
      : `haproxy.cfg ${c.running ?? "none"} → ${c.rendered}${c.reload ? `, reloaded (worker ${c.reload.before} → ${c.reload.after})` : ""}`;
  return [cfg, ...(done.kernel ? [describeKernel(done.kernel, false)] : [])].join("; ");
}

async function record(
  deps: BalancerDeps,
  balancer: Droplet,
  run: { started: number; request: BalancerApplyRequest; result?: BalancerApplyResult; failure: unknown; installed?: InstalledConfig; rendered?: string; done: CompletedParts },
): Promise<void> {
  const { ports, reporter } = deps;
  const refused = run.failure instanceof BalancerConfigRefusedError;
  const entry: AuditEntry = {
    at: new Date(ports.clock.now()).toISOString(),
    who: deps.who,
    command: "balancer apply",
    outcome: run.result?.outcome ?? (refused ? "refused" : "failed"),
    durationMs: ports.clock.now() - run.started,
    message: run.request.message,
    ...(run.result ? { detail: describeApply(run.result) } : run.rendered ? { detail: describePartial(run.done, run.installed, run.rendered) } : {}),
    ...(run.failure === undefined ? {} : { error: run.failure instanceof Error ? run.failure.message : String(run.failure) }),
  };
  await reporter
    .step("record", "append the audit log", () => ports.audit(balancer).append(entry))
    .catch((e: Error) => reporter.warn(`could not append the audit line: ${e.message}`));
}

/**
 * For `status`: whether the balancer runs the haproxy.cfg and the kernel settings `balancer apply` would install. A
 * haproxy.cfg that cannot be read fails the whole verdict; kernel settings that cannot be read are said so beside it.
 */
export async function balancerConfigStatus(ports: Ports, config: Config, balancer: Droplet, floatingIp: string): Promise<{ readonly upToDate: boolean; readonly detail: string }> {
  const [installed, kernel] = await Promise.all([
    ports.balancerConfig(balancer).read(),
    ports
      .balancerKernel(balancer)
      .read(Object.keys(BALANCER_SYSCTLS))
      .catch((e: Error) => e),
  ]);
  const cfg = configDrift(installed, renderBalancerHaproxyConfig(config, floatingIp));
  const withCfg = (kernelPart: string) => ({ upToDate: false, detail: `${cfg.upToDate ? `haproxy.cfg up to date (${cfg.detail})` : cfg.detail}; ${kernelPart}` });
  if (kernel instanceof Error) return withCfg(`kernel settings unknown (${kernel instanceof BlueGreenError ? kernel.oneLine() : kernel.message})`);
  const { changes, fileCurrent } = kernelDrift(kernel);
  if (changes.length === 0 && fileCurrent) return cfg;
  const differs = [...changes.map((c) => `${c.key} is ${c.live}, not ${c.wanted}`), ...(fileCurrent ? [] : [`${config.haproxy.sysctlFile} is ${kernel.file === null ? "missing" : "different"}`])];
  return withCfg(`kernel settings differ: ${differs.join(", ")}`);
}
