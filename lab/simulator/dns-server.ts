/**
 * The lab's authoritative DNS server over UDP, answering from the simulator's domains, so that the name Pebble
 * validates resolves to what the DigitalOcean API says (see docs/decisions/0712-lab-acme-pebble-and-dns-from-the-simulator.md).
 * It is authoritative only: names outside the simulator's domains are REFUSED, never forwarded.
 */
import { createSocket, type Socket } from "node:dgram";
import * as dnsPacket from "dns-packet";
import { isAllowedBindHost } from "./options";
import type { SimulatedDomain, SimulatedDomainRecord } from "./types";

export type DnsRcode = "NOERROR" | "FORMERR" | "NXDOMAIN" | "NOTIMP" | "REFUSED";

/** RFC 1035 section 4.1.1: the low four bits of the header's flags. */
const RCODE_BITS: Record<DnsRcode, number> = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const OPCODE_QUERY = 0;
/** A CNAME chain longer than this is a loop in the records, not a name. */
const MAX_CNAME_HOPS = 8;

export interface DnsRecordAnswer {
  readonly name: string;
  readonly type: "A" | "AAAA" | "CNAME";
  readonly ttl: number;
  readonly data: string;
}

export interface DnsAnswer {
  readonly rcode: DnsRcode;
  readonly answers: readonly DnsRecordAnswer[];
}

/** The records the server can put in an answer; other types of a known name get an empty NOERROR (CAA: "no policy"). */
const ANSWERABLE = new Set(["A", "AAAA", "CNAME"]);

/**
 * One question against the domains: A/AAAA from their records (following CNAMEs inside them), an empty NOERROR for
 * other types of a name that exists (Pebble asks AAAA before A), NXDOMAIN for a name under a known domain that has no
 * record, REFUSED for anything else.
 */
export function answerQuestion(domains: readonly SimulatedDomain[], question: { name: string; type: string }): DnsAnswer {
  const answers: DnsRecordAnswer[] = [];
  let name = normalise(question.name);
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    const zone = zoneOf(domains, name);
    if (!zone) return hop === 0 ? { rcode: "REFUSED", answers: [] } : { rcode: "NOERROR", answers };
    const records = recordsNamed(zone, name);
    if (records.length === 0 && name !== zone.name) return { rcode: "NXDOMAIN", answers };
    const cname = records.find((r) => r.type === "CNAME");
    if (cname && question.type !== "CNAME") {
      const target = cnameTarget(zone, cname.data);
      answers.push({ name, type: "CNAME", ttl: cname.ttl, data: target });
      name = target;
      continue;
    }
    if (ANSWERABLE.has(question.type)) {
      for (const r of records.filter((r) => r.type === question.type)) answers.push({ name, type: r.type as DnsRecordAnswer["type"], ttl: r.ttl, data: r.data });
    }
    return { rcode: "NOERROR", answers };
  }
  return { rcode: "NOERROR", answers };
}

/** A datagram in, a datagram out; undefined for what is not a DNS query (dropped, as a resolver would). */
export function respond(domains: readonly SimulatedDomain[], datagram: Buffer): Buffer | undefined {
  let query: dnsPacket.DecodedPacket;
  try {
    query = dnsPacket.decode(datagram);
  } catch {
    return undefined;
  }
  if (query.type !== "query") return undefined;
  const questions = query.questions ?? [];
  const reply = (rcode: DnsRcode, answers: readonly DnsRecordAnswer[] = []) =>
    dnsPacket.encode({
      type: "response",
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | RCODE_BITS[rcode],
      questions,
      answers: answers.map((a) => ({ ...a, class: "IN" as const })),
    });
  if ((((query.flags ?? 0) >> 11) & 0xf) !== OPCODE_QUERY) return reply("NOTIMP");
  if (questions.length !== 1) return reply("FORMERR");
  const answer = answerQuestion(domains, questions[0]!);
  return reply(answer.rcode, answer.answers);
}

export interface DnsServerOptions {
  /** Read on every query, so the answers follow the simulator's store. */
  readonly domains: () => readonly SimulatedDomain[];
  /** Loopback or an address in 198.18.0.0/15 only, as the simulator. */
  readonly host: string;
  /** 0 for an ephemeral port (tests). */
  readonly port: number;
}

export interface RunningDnsServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  if (!isAllowedBindHost(options.host)) throw new Error(`DNS server host ${options.host} must be a loopback address or an address in 198.18.0.0/15`);
  const socket = createSocket("udp4");
  socket.on("message", (datagram, peer) => {
    const reply = respond(options.domains(), datagram);
    if (reply) socket.send(reply, peer.port, peer.address);
  });
  await bind(socket, options.host, options.port);
  return {
    host: options.host,
    port: socket.address().port,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function bind(socket: Socket, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      // A send to a peer that went away must not kill the simulator's process.
      socket.on("error", () => undefined);
      resolve();
    });
  });
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/** The most specific domain the name is in (a sub-domain may be a domain of its own). */
function zoneOf(domains: readonly SimulatedDomain[], name: string): SimulatedDomain | undefined {
  return domains
    .filter((d) => name === d.name || name.endsWith(`.${d.name}`))
    .sort((a, b) => b.name.length - a.name.length)[0];
}

/** DigitalOcean names records relative to the domain, with `@` for the apex. */
function recordsNamed(zone: SimulatedDomain, name: string): SimulatedDomainRecord[] {
  const relative = name === zone.name ? "@" : name.slice(0, -(zone.name.length + 1));
  return zone.records.filter((r) => r.name.toLowerCase() === relative);
}

/** DigitalOcean's CNAME data is `@`, a fully qualified name ending in a dot, or a name relative to the domain. */
function cnameTarget(zone: SimulatedDomain, data: string): string {
  if (data === "@") return zone.name;
  return data.endsWith(".") ? normalise(data) : `${data.toLowerCase()}.${zone.name}`;
}
