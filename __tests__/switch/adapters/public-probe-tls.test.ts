import { readFileSync } from "node:fs";
import { createServer, Server } from "node:https";
import { AddressInfo } from "node:net";
import { HttpPublicProbe } from "../../../switch/adapters/probes";
import { withTempDir, writeSelfSignedPem } from "../../core/debian-validators";

describe("the public probe over HTTPS", () => {
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    const pem = withTempDir((dir) => readFileSync(writeSelfSignedPem(dir), "utf8"));
    server = createServer({ cert: pem, key: pem }, (_, res) => {
      res.writeHead(200, { "x-app-version": "v2" });
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("GIVEN an https URL naming the balancer's address WHEN probed THEN the release's answer is read, whatever certificate is served", async () => {
    await expect(new HttpPublicProbe().get(`https://127.0.0.1:${port}/health`)).resolves.toMatchObject({ status: 200, version: "v2" });
  });

  it("GIVEN an https URL naming a host WHEN its certificate is not trusted THEN the probe fails, as a browser would", async () => {
    await expect(new HttpPublicProbe().get(`https://localhost:${port}/health`)).rejects.toThrow(/GET https:\/\/localhost:\d+\/health failed/);
  });
});
