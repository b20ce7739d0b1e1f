import { createServer as createHttpServer } from "node:http";
import { AddressInfo, connect as tcpConnect, createServer as createTcpServer } from "node:net";
import { Server, utils } from "ssh2";
import { HostKeyMismatchError, SshError } from "../../../switch/errors";
import { SshHealthProbe } from "../../../switch/adapters/probes";
import { SshPool, SshSettings, hostCheck } from "../../../switch/adapters/ssh";
import { pinnedKeysFor, parseKnownHosts } from "../../../switch/adapters/known-hosts";
import type { Droplet } from "../../../switch/model";

// Real processes (sh, flock, haproxy, sshd handshakes): generous on a loaded CI machine, still fast when idle.
jest.setTimeout(20_000);

// Keys are generated at run time; none is committed.
const hostKey = utils.generateKeyPairSync("ed25519");
const otherHostKey = utils.generateKeyPairSync("ed25519");
const clientKey = utils.generateKeyPairSync("ed25519");
const strangerKey = utils.generateKeyPairSync("ed25519");
const clientPublic = utils.parseKey(clientKey.public) as { getPublicSSH(): Buffer };

/** An in-process sshd on 127.0.0.1: public-key auth, exec (runs a tiny command set), and direct-tcpip forwarding. */
function startSshd(): Promise<{ port: number; close: () => void }> {
  const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
    // Clients that reject our host key hang up mid-handshake: expected here.
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
      if (ctx.method === "publickey" && ctx.key.data.equals(clientPublic.getPublicSSH())) return ctx.accept();
      ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => {
        accept().on("exec", (acceptExec, _reject, info) => {
          const stream = acceptExec();
          let input = "";
          stream.on("data", (c: Buffer) => (input += c));
          stream.on("end", () => {
            if (info.command === "cat") stream.write(input);
            else stream.stderr.write(`unknown: ${info.command}`);
            stream.exit(info.command === "cat" ? 0 : 127);
            stream.end();
          });
        });
      });
      client.on("tcpip", (accept, _reject, info) => {
        const upstream = tcpConnect(info.destPort, info.destIP);
        const channel = accept();
        channel.pipe(upstream).pipe(channel);
      });
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ port: (server.address() as AddressInfo).port, close: () => server.close() })));
}

const droplet: Droplet = { id: 1, name: "web-a", tags: ["PROD"], region: "nyc3", publicIp: "127.0.0.1" };
const keyLine = (port: number, publicKey: string) => `[127.0.0.1]:${port} ${publicKey.split(" ").slice(0, 2).join(" ")}`;
const settings = (port: number, over: Partial<SshSettings> = {}): SshSettings => ({
  user: "root",
  port,
  privateKey: clientKey.private,
  knownHosts: keyLine(port, hostKey.public),
  insecureAcceptAnyHostKey: false,
  ...over,
});

let sshd: Awaited<ReturnType<typeof startSshd>>;
let pool: SshPool | undefined;
beforeAll(async () => (sshd = await startSshd()));
afterAll(() => sshd.close());
afterEach(async () => pool?.closeAll());

describe("SSH with pinned host keys (in-process sshd on loopback)", () => {
  it("GIVEN the pinned host key WHEN executing THEN stdin, stdout and the exit code round-trip", async () => {
    pool = new SshPool(settings(sshd.port));
    const conn = await pool.get(droplet);
    expect(await conn.exec("cat", "show stat\n")).toEqual({ code: 0, stdout: "show stat\n", stderr: "" });
    expect((await conn.exec("nope")).code).toBe(127);
  });

  it("GIVEN a different pinned key WHEN connecting THEN it refuses with a host-key mismatch and the fix", async () => {
    pool = new SshPool(settings(sshd.port, { knownHosts: keyLine(sshd.port, otherHostKey.public) }));
    const error = await pool.get(droplet).catch((e: Error) => e);
    expect(error).toBeInstanceOf(HostKeyMismatchError);
    expect((error as HostKeyMismatchError).oneLine()).toMatch(/does not match the pinned key .* fix: .*ssh-keyscan/);
  });

  it("GIVEN no key pinned for this host WHEN connecting THEN it refuses rather than trusting on first use", async () => {
    pool = new SshPool(settings(sshd.port, { knownHosts: `198.18.9.9 ${hostKey.public}` }));
    await expect(pool.get(droplet)).rejects.toThrow(/no host key is pinned for 127.0.0.1/);
  });

  it("GIVEN SSH_INSECURE_ACCEPT_ANY_HOST_KEY WHEN connecting THEN any host key is accepted", async () => {
    pool = new SshPool(settings(sshd.port, { knownHosts: "", insecureAcceptAnyHostKey: true }));
    expect((await (await pool.get(droplet)).exec("cat", "x")).stdout).toBe("x");
  });

  it("GIVEN a key the droplet does not know WHEN connecting THEN the error says the key was rejected", async () => {
    pool = new SshPool(settings(sshd.port, { privateKey: strangerKey.private }));
    const error = await pool.get(droplet).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SshError);
    expect((error as Error).message).toMatch(/rejected the SSH key/);
  });

  it("GIVEN nothing listens WHEN connecting THEN the error says the droplet is unreachable", async () => {
    const closed = await new Promise<number>((r) => {
      const s = createTcpServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    pool = new SshPool(settings(closed));
    await expect(pool.get(droplet)).rejects.toThrow(/cannot reach web-a \(127.0.0.1\) over SSH \(ECONNREFUSED\)/);
  });

  it("GIVEN an app behind the droplet WHEN probing health THEN the request goes through the SSH forward and the version is read", async () => {
    const app = createHttpServer((req, res) => {
      res.writeHead(req.url === "/health" ? 200 : 404, { "x-app-version": "v7", "content-type": "application/json" });
      res.end(JSON.stringify({ status: "ok" }));
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    pool = new SshPool(settings(sshd.port));
    const probe = new SshHealthProbe(pool, { app: { name: "web", port: (app.address() as AddressInfo).port, healthPath: "/health", domain: "example.com", recordName: "@" } });
    expect(await probe.probe(droplet, "/health")).toMatchObject({ status: 200, version: "v7" });
    app.close();
  });
});

describe("known_hosts parsing", () => {
  it("GIVEN plain, bracketed-port and hashed entries WHEN looking up THEN each matches only its host and port", () => {
    const hashed =
      "|1|" +
      "c2FsdHNhbHRzYWx0c2FsdHNhbHQ=" +
      "|" +
      require("node:crypto").createHmac("sha1", Buffer.from("c2FsdHNhbHRzYWx0c2FsdHNhbHQ=", "base64")).update("198.18.1.12").digest("base64");
    const pins = parseKnownHosts(
      ["# comment", "198.18.1.11,web-a ssh-ed25519 AAAA", "[198.18.1.11]:2222 ssh-ed25519 BBBB", `${hashed} ssh-ed25519 CCCC`, "@revoked 198.18.1.11 ssh-ed25519 DDDD"].join("\n"),
    );
    expect(pinnedKeysFor(pins, "198.18.1.11", 22).map((k) => k.toString("base64"))).toEqual(["AAAA"]);
    expect(pinnedKeysFor(pins, "198.18.1.11", 2222).map((k) => k.toString("base64"))).toEqual(["BBBB"]);
    expect(pinnedKeysFor(pins, "198.18.1.12", 22).map((k) => k.toString("base64"))).toEqual(["CCCC"]);
    expect(pinnedKeysFor(pins, "198.18.1.13", 22)).toEqual([]);
  });

  const KEY = Buffer.from("pinned-key-material").toString("base64");
  const OTHER = Buffer.from("another-key-material").toString("base64");
  it.each([
    ["pinned and not revoked", `198.18.1.11 ssh-ed25519 ${KEY}`, KEY, undefined],
    ["pinned and revoked for the same host", `198.18.1.11 ssh-ed25519 ${KEY}\n@revoked 198.18.1.11 ssh-ed25519 ${KEY}`, KEY, /is revoked \(an @revoked line/],
    ["pinned, and revoked under another host name (a key is revoked everywhere)", `198.18.1.11 ssh-ed25519 ${KEY}\n@revoked old-web-a ssh-ed25519 ${KEY}`, KEY, /is revoked/],
    ["revoked only (nothing else pinned)", `@revoked 198.18.1.11 ssh-ed25519 ${KEY}`, KEY, /is revoked/],
    ["another key revoked", `198.18.1.11 ssh-ed25519 ${KEY}\n@revoked 198.18.1.11 ssh-ed25519 ${OTHER}`, KEY, undefined],
    ["a @cert-authority line only (not supported: no pin)", `@cert-authority 198.18.1.11 ssh-ed25519 ${KEY}`, KEY, /no host key is pinned/],
  ])("GIVEN a key %s WHEN the droplet presents it THEN the host check says: %s", (_name, knownHosts, presented, rejection) => {
    const check = hostCheck({ user: "deploy", port: 22, privateKey: "", knownHosts, insecureAcceptAnyHostKey: false }, "198.18.1.11");
    expect(check.verify(Buffer.from(presented, "base64"))).toBe(rejection === undefined);
    if (rejection) expect(check.rejection()).toMatch(rejection);
  });
});
