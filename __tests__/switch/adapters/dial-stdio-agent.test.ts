import { createServer, get, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { Duplex } from "node:stream";
import { DialStdioAgent } from "../../../switch/adapters/dial-stdio-agent";

/** A bare duplex to a TCP port, like an SSH channel: no setKeepAlive, setTimeout, ref or unref of its own. */
function bareStreamTo(port: number): Promise<Duplex> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => resolve(stream));
    const stream = new Duplex({
      read() {},
      write(chunk, _encoding, done) {
        socket.write(chunk, done);
      },
      final(done) {
        socket.end();
        done();
      },
    });
    socket.on("data", (d) => stream.push(d));
    socket.on("end", () => stream.push(null));
    socket.on("close", () => stream.destroy());
  });
}

function fetchText(agent: DialStdioAgent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: "docker", port, path: "/", agent }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

describe("DialStdioAgent", () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("GIVEN sequential engine calls WHEN each is answered THEN they share one kept-alive session and leak no listeners on it", async () => {
    const opened: Duplex[] = [];
    const agent = new DialStdioAgent(async () => {
      const s = await bareStreamTo(port);
      opened.push(s);
      return s;
    });
    const bodies = [];
    for (let i = 0; i < 12; i++) bodies.push(await fetchText(agent, port));
    expect({ bodies: new Set(bodies), sessions: opened.length, errorListeners: opened[0].listenerCount("error") }).toEqual({ bodies: new Set(["ok"]), sessions: 1, errorListeners: 1 });
    agent.destroy();
  });

  it("GIVEN calls in parallel WHEN more than four are in flight THEN at most four sessions are opened", async () => {
    let sessions = 0;
    const agent = new DialStdioAgent(() => (sessions++, bareStreamTo(port)));
    await Promise.all(Array.from({ length: 8 }, () => fetchText(agent, port)));
    expect(sessions).toBeLessThanOrEqual(4);
    agent.destroy();
  });

  it("GIVEN the session cannot be opened WHEN a call is made THEN the call fails with that error", async () => {
    const agent = new DialStdioAgent(() => Promise.reject(new Error("cannot run docker system dial-stdio on web-1")));
    await expect(fetchText(agent, port)).rejects.toThrow("cannot run docker system dial-stdio on web-1");
  });
});
