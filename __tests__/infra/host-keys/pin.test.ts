import { DEFAULT_SSHD_WAIT_MS, HostKeyPorts, knownHostsArtifact, pinHostKeys, planHostKeyScans, scanWhenSshdAnswers, stackDroplets } from "../../../infra/host-keys/pin";
import type { ScannedKey } from "../../../infra/host-keys/scan";
import { parseKnownHosts, pinnedKeysFor } from "../../../switch/adapters/known-hosts";
import { HostKeyMismatchError } from "../../../switch/errors";
import type { Droplet } from "../../../switch/model";
import { FakeClock } from "../../switch/fakes/world";

const TAGS = { prod: "web-staging-prod", fallback: "web-staging-fallback", balancer: "web-staging-balancer" };
const droplet = (id: number, name: string, tag: string): Droplet => ({ id, name, tags: [tag], region: "nyc3", publicIp: `198.18.1.${id}`, privateIp: `198.18.2.${id}` });
const BLUE = droplet(11, "web-staging-blue", TAGS.prod);
const GREEN = droplet(12, "web-staging-green", TAGS.fallback);
const LB = droplet(10, "web-staging-haproxy", TAGS.balancer);
const OTHER_ENV = droplet(21, "web-production-blue", "web-production-prod");
const key = (name: string) => Buffer.from(`ed25519 host key of ${name}`).toString("base64");
const line = (d: Droplet) => `${d.publicIp} ssh-ed25519 ${key(d.name)}`;

/** An account whose droplets the apply may change, sshds that answer after `bootScans` failed scans, and files in memory. */
class FakeAccount {
  droplets: Droplet[] = [];
  readonly clock = new FakeClock();
  readonly files = new Map<string, string>();
  readonly scans: string[] = [];
  /** Scans each host must fail (sshd not up yet) before it answers; a negative number: it never answers. */
  readonly bootScans = new Map<string, number>();
  /** A host whose sshd answers with another droplet's key (rebuilt, or someone in the middle). */
  readonly impostors = new Map<string, string>();

  ports(): HostKeyPorts {
    return {
      digitalocean: { listDroplets: async () => [...this.droplets] },
      clock: this.clock,
      scan: async (host, port): Promise<ScannedKey[]> => {
        this.scans.push(`${host}:${port}`);
        const left = this.bootScans.get(host) ?? 0;
        if (left !== 0) {
          this.bootScans.set(host, left - 1);
          return [];
        }
        const owner = this.droplets.find((d) => d.publicIp === host);
        return owner ? [{ type: "ssh-ed25519", base64: key(this.impostors.get(host) ?? owner.name) }] : [];
      },
      writeFile: async (path, text) => void this.files.set(path, text),
    };
  }
}

const request = (before: Droplet[], pinnedText = "") => ({ before, pinnedText, port: 22, tags: TAGS, outFile: "known_hosts.pinned" });

describe("stackDroplets", () => {
  it("GIVEN droplets of two environments and an untagged one WHEN filtering by the stack's tags THEN only this environment's three remain", () => {
    const untagged = { ...droplet(30, "scratch", "x"), tags: [] };
    expect(stackDroplets([BLUE, OTHER_ENV, GREEN, untagged, LB], TAGS).map((d) => d.name)).toEqual([BLUE.name, GREEN.name, LB.name]);
  });
});

describe("planHostKeyScans", () => {
  it.each([
    ["a first deploy: nothing before", [], "", [BLUE, GREEN, LB], [[BLUE.name, true], [GREEN.name, true], [LB.name, true]]],
    ["nothing created, every droplet pinned", [BLUE, GREEN, LB], [BLUE, GREEN, LB].map(line).join("\n"), [BLUE, GREEN, LB], []],
    ["one worker replaced (a new id), the others pinned", [BLUE, GREEN, LB], [BLUE, GREEN, LB].map(line).join("\n"), [BLUE, { ...GREEN, id: 13 }, LB], [[GREEN.name, true]]],
    ["nothing created, the balancer never pinned", [BLUE, GREEN, LB], [BLUE, GREEN].map(line).join("\n"), [BLUE, GREEN, LB], [[LB.name, false]]],
    ["a pin on another port does not count", [LB], `[${LB.publicIp}]:2222 ssh-ed25519 ${key(LB.name)}`, [LB], [[LB.name, false]]],
  ])("GIVEN %s WHEN planning THEN it scans the expected droplets, each marked created or not", (_title, before, pinned, after, expected) => {
    expect(planHostKeyScans(before, after, pinned, 22).map((t) => [t.droplet.name, t.createdByThisDeploy])).toEqual(expected);
  });
});

describe("knownHostsArtifact", () => {
  it("GIVEN pins (hashed and @revoked among them) and new lines WHEN the file is built THEN the pins come first, unchanged, then the new lines", () => {
    const pinned = `|1|c2FsdA==|aGFzaA== ssh-ed25519 ${key("a")}\n@revoked * ssh-ed25519 ${key("old")}\n\n`;
    const text = knownHostsArtifact(pinned, [line(BLUE)]);
    expect(text.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual([`|1|c2FsdA==|aGFzaA== ssh-ed25519 ${key("a")}`, `@revoked * ssh-ed25519 ${key("old")}`, line(BLUE)]);
    expect(text.endsWith("\n")).toBe(true);
  });

  it.each([
    ["nothing pinned, nothing new", "", [], ""],
    ["pins only", `${line(LB)}\n`, [], `${line(LB)}\n`],
  ])("GIVEN %s WHEN the file is built THEN it is exactly the pins", (_title, pinned, added, expected) => {
    expect(knownHostsArtifact(pinned, added)).toBe(expected);
  });
});

describe("scanWhenSshdAnswers", () => {
  it("GIVEN an sshd that answers on the fourth scan WHEN waiting THEN its key comes back after four scans", async () => {
    const account = new FakeAccount();
    account.droplets = [BLUE];
    account.bootScans.set(BLUE.publicIp, 3);
    expect(await scanWhenSshdAnswers(account.ports(), BLUE.publicIp, 22, DEFAULT_SSHD_WAIT_MS)).toEqual([{ type: "ssh-ed25519", base64: key(BLUE.name) }]);
    expect(account.scans).toHaveLength(4);
  });

  it("GIVEN an sshd that never answers WHEN waiting THEN it gives up with no key once the wait has passed, after a bounded number of scans", async () => {
    const account = new FakeAccount();
    account.droplets = [BLUE];
    account.bootScans.set(BLUE.publicIp, -1);
    const started = account.clock.now();
    expect(await scanWhenSshdAnswers(account.ports(), BLUE.publicIp, 22, 60_000)).toEqual([]);
    expect(account.clock.now() - started).toBeGreaterThanOrEqual(60_000);
    // 1, 2, 4, 8 s, then every 10 s: about ten scans in a minute, not one per millisecond.
    expect(account.scans.length).toBeGreaterThan(1);
    expect(account.scans.length).toBeLessThanOrEqual(12);
  });
});

describe("pinHostKeys", () => {
  it("GIVEN a first deploy (no droplet before) whose droplets boot slowly WHEN the step runs THEN it writes one line per droplet, each matching its own key", async () => {
    const account = new FakeAccount();
    account.droplets = [BLUE, GREEN, LB, OTHER_ENV];
    account.bootScans.set(GREEN.publicIp, 5);
    const result = await pinHostKeys(account.ports(), request([]));
    const text = account.files.get("known_hosts.pinned")!;
    const pins = parseKnownHosts(text);
    expect(pins).toHaveLength(3);
    for (const d of [BLUE, GREEN, LB]) expect(pinnedKeysFor(pins, d.publicIp, 22).map((k) => k.toString("base64"))).toEqual([key(d.name)]);
    expect(pinnedKeysFor(pins, OTHER_ENV.publicIp, 22)).toEqual([]);
    expect(result).toEqual({ file: "known_hosts.pinned", added: [line(BLUE), line(GREEN), line(LB)], scanned: [BLUE.name, GREEN.name, LB.name] });
  });

  it("GIVEN a deploy that replaced green, with the others pinned WHEN the step runs THEN the file is the pins, then green's new line; only green was scanned", async () => {
    const account = new FakeAccount();
    const newGreen = { ...GREEN, id: 13, publicIp: "198.18.1.13" };
    account.droplets = [BLUE, newGreen, LB];
    const pinned = `${line(BLUE)}\n${line(LB)}\n`;
    await pinHostKeys(account.ports(), request([BLUE, GREEN, LB], pinned));
    const text = account.files.get("known_hosts.pinned")!;
    expect(text.startsWith(pinned)).toBe(true);
    expect(text.trimEnd().split("\n").at(-1)).toBe(line(newGreen));
    expect(account.scans).toEqual(["198.18.1.13:22"]);
  });

  it("GIVEN nothing created and everything pinned WHEN the step runs THEN nothing is scanned and the file is the pins", async () => {
    const account = new FakeAccount();
    account.droplets = [BLUE, GREEN, LB];
    const pinned = [BLUE, GREEN, LB].map(line).join("\n") + "\n";
    expect((await pinHostKeys(account.ports(), request([BLUE, GREEN, LB], pinned))).added).toEqual([]);
    expect(account.files.get("known_hosts.pinned")).toBe(pinned);
    expect(account.scans).toEqual([]);
  });

  it.each([
    ["an older droplet with no pin", (a: FakeAccount) => void (a.droplets = [BLUE, GREEN, LB]), [BLUE, GREEN, LB], `${line(BLUE)}\n${line(GREEN)}\n`, /did not create it/, /ssh-keyscan -p 22 -t ed25519 198\.18\.1\.10/],
    ["a new droplet whose sshd never answers", (a: FakeAccount) => ((a.droplets = [BLUE, GREEN, LB]), void a.bootScans.set(LB.publicIp, -1)), [], "", /scan of 198\.18\.1\.10 returned no host key/, /DO_SSH_ALLOWED_CIDRS/],
    ["a new droplet at an address whose pin shows another key", (a: FakeAccount) => ((a.droplets = [BLUE, GREEN, LB]), void a.impostors.set(LB.publicIp, "someone else")), [], line(LB), /does not match the pinned key/, /replace its line/],
  ])("GIVEN %s WHEN the step runs THEN it refuses (external error, exit 3) with the reason and the fix, and writes no file", async (_title, arrange, before, pinned, reason, fix) => {
    const account = new FakeAccount();
    arrange(account);
    const error = await pinHostKeys({ ...account.ports() }, { ...request(before, pinned), sshdWaitMs: 30_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect((error as HostKeyMismatchError).exitCode).toBe(3);
    expect((error as HostKeyMismatchError).message).toMatch(/^the apply succeeded, but no known_hosts file was written: /);
    expect((error as HostKeyMismatchError).message).toMatch(reason);
    expect((error as HostKeyMismatchError).fix).toMatch(fix);
    expect(account.files.size).toBe(0);
  });
});
