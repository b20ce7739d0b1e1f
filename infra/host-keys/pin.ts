/**
 * The deploy's host-key step, run right after `terraform apply` (decision 0116):
 *
 *   observe (the stack's droplets after the apply) → plan (which to scan) → scan, waiting for sshd
 *   → plan the pins (planHostKeyPins) → write the known_hosts file the switch jobs receive
 *
 * Everything that decides is pure; the droplet list, the scan, the clock and the file are injected.
 */
import type { Config } from "../../core/config";
import { HostKeyMismatchError } from "../../switch/errors";
import type { Droplet } from "../../switch/model";
import type { Clock, DigitalOceanPort } from "../../switch/ports";
import { waitFor } from "../../switch/wait";
import { parseKnownHosts, pinnedKeysFor } from "../../switch/adapters/known-hosts";
import type { ScannedKey } from "./scan";
import { planHostKeyPins, type HostKeyRefusal, type ScannedDroplet } from "./trust";

/**
 * Named default: how long a droplet the apply just created gets for its sshd to answer. The apply returns once
 * DigitalOcean reports the droplet active, which is before cloud-init has started sshd (typically well under a minute).
 */
export const DEFAULT_SSHD_WAIT_MS = 300_000;

/** Between scans of a droplet whose sshd does not answer yet. */
const RESCAN_FIRST_DELAY_MS = 1_000;
const RESCAN_MAX_DELAY_MS = 10_000;

export interface HostKeyPorts {
  readonly digitalocean: Pick<DigitalOceanPort, "listDroplets">;
  /** One attempt; [] when nothing answered (infra/host-keys/scan.ts, scanHostKey). */
  readonly scan: (host: string, port: number) => Promise<ScannedKey[]>;
  readonly clock: Clock;
  readonly writeFile: (path: string, text: string) => Promise<void>;
}

export interface HostKeyRequest {
  /** The stack's droplets as listed right before the apply: only droplets absent from it are trusted on their scan. */
  readonly before: readonly Droplet[];
  /** The known_hosts text already pinned (SSH_KNOWN_HOSTS, else SSH_KNOWN_HOSTS_FILE); carried into the file verbatim. */
  readonly pinnedText: string;
  readonly port: number;
  readonly tags: Config["tags"];
  readonly outFile: string;
  /** @default DEFAULT_SSHD_WAIT_MS */
  readonly sshdWaitMs?: number;
  readonly info?: (line: string) => void;
}

export interface HostKeyScanTarget {
  readonly droplet: Droplet;
  readonly createdByThisDeploy: boolean;
}

export interface PinnedHostKeys {
  readonly file: string;
  /** The lines added for the droplets this deploy created. */
  readonly added: readonly string[];
  /** Droplets that were scanned, by name. */
  readonly scanned: readonly string[];
}

/** The droplets of this environment: those carrying one of the stack's three tags (workers swap PROD and FALLBACK). */
export function stackDroplets(droplets: readonly Droplet[], tags: Config["tags"]): Droplet[] {
  const own = [tags.prod, tags.fallback, tags.balancer];
  return droplets.filter((d) => d.tags.some((t) => own.includes(t)));
}

/** The address the switch connects to (switch/adapters/ssh.ts), so the pin is for the name it checks. */
export const sshAddress = (droplet: Droplet): string => droplet.publicIp;

/**
 * Which droplets to scan: every droplet the apply created, and every older one that has no pin, so that the deploy
 * names it with its fix rather than the switch job failing later. An older droplet with a pin is not scanned: the
 * switch checks that pin on every connection, and scanning it here would only add a way to fail after the apply.
 */
export function planHostKeyScans(before: readonly Droplet[], after: readonly Droplet[], pinnedText: string, port: number): HostKeyScanTarget[] {
  const existed = new Set(before.map((d) => d.id));
  const pins = parseKnownHosts(pinnedText);
  return after
    .map((droplet) => ({ droplet, createdByThisDeploy: !existed.has(droplet.id) }))
    .filter((t) => t.createdByThisDeploy || pinnedKeysFor(pins, sshAddress(t.droplet), port).length === 0);
}

/** The file the switch jobs read: what was pinned, as it was (hashed names and @revoked lines included), then the new lines. */
export function knownHostsArtifact(pinnedText: string, added: readonly string[]): string {
  const carried = pinnedText.trim() ? [pinnedText.replace(/\s+$/, "")] : [];
  const fresh = added.length > 0 ? ["# scanned by the deploy that created these droplets (infra/host-keys, decision 0116)", ...added] : [];
  return [...carried, ...fresh].map((l) => l + "\n").join("");
}

/** One error for every refused droplet: the apply is done, and no file is written that a switch would fail on. */
export function refusalError(refused: readonly HostKeyRefusal[]): HostKeyMismatchError {
  return new HostKeyMismatchError(
    `the apply succeeded, but no known_hosts file was written: ${refused.map((r) => r.reason).join("; ")}`,
    refused.map((r) => r.fix).join("; then "),
  );
}

/** Scans until a key comes back or `waitMs` passes (then []): a droplet the apply just created may still be booting. */
export async function scanWhenSshdAnswers(ports: Pick<HostKeyPorts, "scan" | "clock">, host: string, port: number, waitMs: number): Promise<ScannedKey[]> {
  let keys: ScannedKey[] = [];
  await waitFor(ports.clock, { timeoutMs: waitMs, firstDelayMs: RESCAN_FIRST_DELAY_MS, maxDelayMs: RESCAN_MAX_DELAY_MS }, async () => (keys = await ports.scan(host, port)).length > 0);
  return keys;
}

/** The step: pins the host keys of the droplets the apply created, and writes the file; refuses with every fix at once. */
export async function pinHostKeys(ports: HostKeyPorts, request: HostKeyRequest): Promise<PinnedHostKeys> {
  const after = stackDroplets(await ports.digitalocean.listDroplets(), request.tags);
  const targets = planHostKeyScans(request.before, after, request.pinnedText, request.port);
  const scans: ScannedDroplet[] = await Promise.all(
    targets.map(async ({ droplet, createdByThisDeploy }) => ({
      host: sshAddress(droplet),
      createdByThisDeploy,
      keys: await scanWhenSshdAnswers(ports, sshAddress(droplet), request.port, request.sshdWaitMs ?? DEFAULT_SSHD_WAIT_MS),
    })),
  );
  const pins = planHostKeyPins(request.pinnedText, request.port, scans);
  if (pins.refused.length > 0) throw refusalError(pins.refused);
  await ports.writeFile(request.outFile, knownHostsArtifact(request.pinnedText, pins.add));
  for (const line of pins.add) request.info?.(`pinned, created by this deploy: ${line}`);
  request.info?.(`wrote ${request.outFile}: the ${parseKnownHosts(request.pinnedText).length} line(s) already pinned, then ${pins.add.length} new`);
  if (pins.add.length > 0)
    request.info?.("add the new lines to SSH_KNOWN_HOSTS before the next pipeline: a later deploy trusts a scan only for droplets it creates itself");
  return { file: request.outFile, added: pins.add, scanned: targets.map((t) => t.droplet.name) };
}
