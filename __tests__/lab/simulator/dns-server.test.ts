import { createSocket } from "node:dgram";
import * as dnsPacket from "dns-packet";
import { answerQuestion, respond, startDnsServer, type RunningDnsServer } from "../../../lab/simulator/dns-server";
import type { SimulatedDomain } from "../../../lab/simulator/types";
import { resolveOptions } from "../../../lab/simulator/options";
import { planLab } from "../../../lab/plan";
import { simulatedDomains } from "../../../lab/simulated-cloud";
import { startSimulator, type RunningSimulator } from "../../../lab/simulator";
import { baseOptions, call, FakeMover } from "./fixtures";

/** One A query over UDP to the server on 127.0.0.1:`port`. */
const askOn = (port: number, name: string) =>
  new Promise<dnsPacket.DecodedPacket & { rcode?: string }>((resolve, reject) => {
    const client = createSocket("udp4");
    const timer = setTimeout(() => (client.close(), reject(new Error("no DNS reply within 2 s"))), 2000);
    client.once("message", (msg) => {
      clearTimeout(timer);
      client.close();
      resolve(dnsPacket.decode(msg));
    });
    client.send(query(name, "A"), port, "127.0.0.1");
  });

const record = (id: number, type: string, name: string, data: string) => ({ id, type, name, data, ttl: 300 });
const DOMAINS: SimulatedDomain[] = [
  {
    name: "lab7.bluegreen.test",
    records: [
      record(1, "A", "@", "198.18.7.2"),
      record(2, "A", "api", "198.18.7.11"),
      record(3, "A", "api", "198.18.7.12"),
      record(4, "CNAME", "www", "@"),
      record(5, "CNAME", "docs", "api"),
      record(6, "CNAME", "elsewhere", "example.invalid."),
      record(7, "TXT", "_acme-challenge", "token"),
      record(8, "CNAME", "loop", "loop"),
    ],
  },
  { name: "sub.lab7.bluegreen.test", records: [record(9, "A", "@", "198.18.7.3")] },
];

const query = (name: string, type: dnsPacket.RecordType, extra: Partial<dnsPacket.Packet> = {}) =>
  dnsPacket.encode({ type: "query", id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }], ...extra });
const rcodeOf = (reply: Buffer) => (dnsPacket.decode(reply) as dnsPacket.DecodedPacket & { rcode: string }).rcode;

describe("the lab DNS server's answers", () => {
  it.each([
    ["the apex A", "lab7.bluegreen.test", "A", "NOERROR", ["198.18.7.2"]],
    ["the apex with a trailing dot and upper case", "LAB7.bluegreen.test.", "A", "NOERROR", ["198.18.7.2"]],
    ["a name with two A records", "api.lab7.bluegreen.test", "A", "NOERROR", ["198.18.7.11", "198.18.7.12"]],
    ["AAAA of a known name (Pebble asks it before A)", "lab7.bluegreen.test", "AAAA", "NOERROR", []],
    ["CAA of a known name (no policy: any CA may issue)", "lab7.bluegreen.test", "CAA", "NOERROR", []],
    ["TXT, which the server does not serve, of a known name", "_acme-challenge.lab7.bluegreen.test", "TXT", "NOERROR", []],
    ["an unknown name under a known domain", "nothing.lab7.bluegreen.test", "A", "NXDOMAIN", []],
    ["a name in a sub-domain that is a domain of its own", "sub.lab7.bluegreen.test", "A", "NOERROR", ["198.18.7.3"]],
    ["a name outside every domain", "example.com", "A", "REFUSED", []],
    ["the parent of a domain", "bluegreen.test", "A", "REFUSED", []],
  ])("GIVEN %s (%s %s) WHEN asked THEN %s with %j", (_case, name, type, rcode, addresses) => {
    const answer = answerQuestion(DOMAINS, { name, type });
    expect(answer.rcode).toBe(rcode);
    expect(answer.answers.map((a) => a.data)).toEqual(addresses);
  });

  it.each([
    ["an apex CNAME (@)", "www.lab7.bluegreen.test", [["CNAME", "lab7.bluegreen.test"], ["A", "198.18.7.2"]]],
    ["a relative CNAME", "docs.lab7.bluegreen.test", [["CNAME", "api.lab7.bluegreen.test"], ["A", "198.18.7.11"], ["A", "198.18.7.12"]]],
    ["a CNAME out of every domain", "elsewhere.lab7.bluegreen.test", [["CNAME", "example.invalid"]]],
  ])("GIVEN %s WHEN asked for A THEN the chain is followed inside the known domains", (_case, name, chain) => {
    const answer = answerQuestion(DOMAINS, { name, type: "A" });
    expect(answer.rcode).toBe("NOERROR");
    expect(answer.answers.map((a) => [a.type, a.data])).toEqual(chain);
  });

  it("GIVEN a CNAME that points at itself WHEN asked THEN the answer stops after a bounded number of hops", () => {
    expect(answerQuestion(DOMAINS, { name: "loop.lab7.bluegreen.test", type: "A" }).answers.length).toBeLessThanOrEqual(9);
  });

  it("GIVEN an A query datagram WHEN answered THEN the reply is authoritative, keeps the id, question and RD bit, and carries the record's TTL", () => {
    const reply = dnsPacket.decode(respond(DOMAINS, query("lab7.bluegreen.test", "A"))!);
    expect(reply).toMatchObject({ type: "response", id: 4242, flag_aa: true, flag_rd: true, flag_ra: false, questions: [{ name: "lab7.bluegreen.test", type: "A" }] });
    expect(reply.answers).toEqual([expect.objectContaining({ name: "lab7.bluegreen.test", type: "A", ttl: 300, data: "198.18.7.2" })]);
  });

  it.each([
    ["two questions", "FORMERR", query("lab7.bluegreen.test", "A", { questions: [{ type: "A", name: "a.lab7.bluegreen.test" }, { type: "A", name: "b.lab7.bluegreen.test" }] })],
    ["an unknown name", "NXDOMAIN", query("nope.lab7.bluegreen.test", "A")],
    ["a foreign name", "REFUSED", query("example.com", "A")],
  ])("GIVEN %s WHEN answered THEN the reply's rcode is %s", (_case, rcode, datagram) => {
    expect(rcodeOf(respond(DOMAINS, datagram)!)).toBe(rcode);
  });

  it("GIVEN an opcode other than QUERY (here NOTIFY) WHEN answered THEN NOTIMP", () => {
    const datagram = query("lab7.bluegreen.test", "A");
    datagram.writeUInt16BE(datagram.readUInt16BE(2) | (4 << 11), 2);
    expect(rcodeOf(respond(DOMAINS, datagram)!)).toBe("NOTIMP");
  });

  it.each([
    ["garbage", Buffer.from("not dns")],
    ["a response", dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "A", name: "lab7.bluegreen.test" }] })],
  ])("GIVEN %s WHEN received THEN nothing is sent back", (_case, datagram) => {
    expect(respond(DOMAINS, datagram)).toBeUndefined();
  });
});

describe("the lab's own domain", () => {
  const plan = planLab(7);

  it("GIVEN the lab's seeded domain WHEN the apex is asked THEN the answer is the balancer's public address", () => {
    expect(answerQuestion(simulatedDomains(plan), { name: plan.domain, type: "A" }).answers.map((a) => a.data)).toEqual([plan.balancer.publicIp]);
  });

  it("GIVEN the lab's seeded domain WHEN the simulator validates its options THEN it is accepted", () => {
    expect(resolveOptions({ ...baseOptions(new FakeMover()), domains: simulatedDomains(plan) }).domains).toEqual(simulatedDomains(plan));
  });
});

describe("the lab DNS server on a socket", () => {
  let server: RunningDnsServer;
  let domains: SimulatedDomain[];
  beforeEach(async () => {
    domains = DOMAINS;
    server = await startDnsServer({ domains: () => domains, host: "127.0.0.1", port: 0 });
  });
  afterEach(() => server.stop());

  const ask = (name: string) => askOn(server.port, name);

  it("GIVEN a UDP query to 127.0.0.1 WHEN sent THEN the reply carries the domain's A record", async () => {
    expect((await ask("lab7.bluegreen.test")).answers).toEqual([expect.objectContaining({ type: "A", data: "198.18.7.2" })]);
  });

  it("GIVEN the domains change after start WHEN asked again THEN the reply follows them (read per query)", async () => {
    domains = [{ name: "lab7.bluegreen.test", records: [record(1, "A", "@", "198.18.7.99")] }];
    expect((await ask("lab7.bluegreen.test")).answers).toEqual([expect.objectContaining({ data: "198.18.7.99" })]);
  });

  it.each(["0.0.0.0", "::"])("GIVEN the host %s WHEN starting THEN it is refused (lab addresses only)", async (host) => {
    await expect(startDnsServer({ domains: () => [], host, port: 0 })).rejects.toThrow(/198\.18\.0\.0\/15/);
  });
});

describe("the lab DNS server answering from the simulator's live records", () => {
  let sim: RunningSimulator;
  let server: RunningDnsServer;
  beforeAll(async () => {
    sim = await startSimulator(baseOptions(new FakeMover()));
    // As lab/processes/simulator-main.ts wires them: DNS reads the simulator's records per query.
    server = await startDnsServer({ domains: () => sim.domains(), host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    server.stop();
    await sim.stop();
  });

  const ask = (name: string) => askOn(server.port, name);

  it("GIVEN no record for a name WHEN one is created, changed, then deleted through the API THEN DNS answers NXDOMAIN, the address, the new address, NXDOMAIN", async () => {
    expect((await ask("shop.example.test")).rcode).toBe("NXDOMAIN");
    const id = (await call(sim, "POST", "/v2/domains/example.test/records", { body: { type: "A", name: "shop", data: "198.18.7.2" } })).json.domain_record.id;
    expect((await ask("shop.example.test")).answers).toEqual([expect.objectContaining({ type: "A", data: "198.18.7.2" })]);
    await call(sim, "PUT", `/v2/domains/example.test/records/${id}`, { body: { data: "198.18.7.3" } });
    expect((await ask("shop.example.test")).answers).toEqual([expect.objectContaining({ type: "A", data: "198.18.7.3" })]);
    await call(sim, "DELETE", `/v2/domains/example.test/records/${id}`);
    expect((await ask("shop.example.test")).rcode).toBe("NXDOMAIN");
  });
});
