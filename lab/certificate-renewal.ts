/**
 * The balancer's certificate as a client sees it, and a renewal forced the way Debian's certbot.timer would run it:
 * shared by the end-to-end tests, the demo and the bench, so each measures the same renewal.
 */
import { connect, type PeerCertificate } from "node:tls";
import { publicEntry } from "./public-entry";
import { renewArgv } from "./services/certbot";
import { CommandFailedError, ExecRunner, type CommandResult } from "./runner";
import type { LabPlan } from "./plan";

export interface Handshake {
  /** The chain checks out against the lab Pebble's root for the app's domain. */
  readonly authorized: boolean;
  readonly alpn: string | false | null;
  readonly protocol: string | null;
  /** The certificate's subjectAltName, e.g. "DNS:lab1.bluegreen.test". */
  readonly names: string;
  readonly serial: string;
}

/** One TLS handshake with the balancer for the app's domain, trusting only the lab's Pebble root. */
export function handshake(plan: LabPlan, options: { alpn?: string[]; maxVersion?: "TLSv1.1" } = {}): Promise<Handshake> {
  const { tls } = publicEntry(plan);
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: plan.balancer.publicIp, port: 443, servername: tls.servername, ca: tls.ca, ALPNProtocols: options.alpn, maxVersion: options.maxVersion, rejectUnauthorized: false },
      () => {
        const cert: PeerCertificate = socket.getPeerCertificate();
        resolve({ authorized: socket.authorized, alpn: socket.alpnProtocol, protocol: socket.getProtocol(), names: cert.subjectaltname ?? "", serial: cert.serialNumber });
        socket.end();
      },
    );
    socket.setTimeout(5000, () => socket.destroy(new Error("no TLS handshake within 5 s")));
    socket.once("error", reject);
  });
}

/**
 * After the deploy hook saw HAProxy's new worker, the old one still answers on the keep-alive connections it holds, each
 * closed after its next request (haproxy.cfg: `timeout http-keep-alive 5s`, `idle-close-on-response`): a renewal's
 * effect on users is counted until then, with a second to spare.
 */
export const RENEWAL_SETTLE_MS = 6000;

export interface Renewal {
  /** certbot's exit and, when it failed, the tail of its output. */
  readonly certbot: CommandResult;
  /** A new certificate (another serial) is served, and its chain checks out. */
  readonly renewed: boolean;
  /** certbot's own run (the settle time after it is not included). */
  readonly ms: number;
}

/**
 * `certbot renew --force-renewal` on the lab balancer: its deploy hook rebuilds HAProxy's PEM and reloads HAProxy. It
 * returns RENEWAL_SETTLE_MS after certbot did, so a caller that marks its load around the call counts the whole renewal.
 */
export async function forceRenewal(plan: LabPlan): Promise<Renewal> {
  const before = await handshake(plan);
  const started = Date.now();
  // Any exit is an outcome to report, not an exception: a failed renewal is `renewed: false` with certbot's words.
  const certbot = await new ExecRunner().run({ argv: renewArgv(plan, ["--force-renewal"]) }).catch((error: unknown) => {
    if (error instanceof CommandFailedError) return error.result;
    throw error;
  });
  const ms = Date.now() - started;
  const after = await handshake(plan).catch(() => null);
  await new Promise((settled) => setTimeout(settled, RENEWAL_SETTLE_MS));
  return { certbot, renewed: certbot.code === 0 && !!after?.authorized && after.serial !== before.serial, ms };
}
