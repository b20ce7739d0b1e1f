import { AddressInfo, createServer as createTcpServer } from "node:net";
import { Server, utils } from "ssh2";
import { keyType, scanHostKey } from "../../../infra/host-keys/scan";

jest.setTimeout(20_000);

// Generated at run time; none is committed. The public half is parsed from its one-line form:
// ssh2 intermittently fails to re-parse the private half it just generated.
const hostKey = utils.generateKeyPairSync("ed25519");
const hostPublic = (utils.parseKey(hostKey.public) as { getPublicSSH(): Buffer }).getPublicSSH();

function listen(server: { listen: (port: number, host: string, cb: () => void) => unknown; address: () => unknown; close: () => unknown }): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

describe("scanHostKey", () => {
  it("GIVEN an sshd on loopback WHEN it is scanned THEN the one ed25519 key it presents comes back, and no session is authenticated", async () => {
    let authentications = 0;
    const server = new Server({ hostKeys: [hostKey.private] }, (client) => {
      client.on("error", () => undefined);
      client.on("authentication", (ctx) => {
        authentications++;
        ctx.reject();
      });
    });
    const port = await listen(server);
    try {
      expect(await scanHostKey("127.0.0.1", port)).toEqual([{ type: "ssh-ed25519", base64: hostPublic.toString("base64") }]);
      expect(authentications).toBe(0);
    } finally {
      server.close();
    }
  });

  it("GIVEN a port that accepts TCP but never speaks SSH WHEN it is scanned with a short timeout THEN no key comes back", async () => {
    const server = createTcpServer(() => undefined);
    const port = await listen(server);
    try {
      expect(await scanHostKey("127.0.0.1", port, 500)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it.each([
    ["an ed25519 key", hostPublic, "ssh-ed25519"],
    ["an empty buffer", Buffer.alloc(0), "unknown"],
    ["a length beyond the buffer", Buffer.from([0, 0, 0, 99, 65]), "unknown"],
  ])("GIVEN %s WHEN its type is read THEN it is %s", (_title, key, type) => {
    expect(keyType(key)).toBe(type);
  });
});
