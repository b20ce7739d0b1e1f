import { demuxLogs, pullError } from "../../../switch/adapters/docker";
import { versionOf } from "../../../switch/adapters/probes";

describe("Docker pull errors", () => {
  it.each([
    ["unauthorized: authentication required", /denied access .* fix: check CI_REGISTRY, CI_REGISTRY_USER and CI_REGISTRY_PASSWORD/],
    ["pull access denied for x, repository does not exist or may require 'docker login'", /denied access/],
    ["manifest for 198.18.2.1:5000/demo:nope not found: manifest unknown: manifest unknown", /not found in the registry .* fix: push it first/],
    ['Get "https://198.18.2.1:5000/v2/": dial tcp 198.18.2.1:5000: connect: connection refused', /pulling .* failed .* fix: check that the droplet can reach the registry/],
  ])("GIVEN the engine says %j WHEN classified THEN the one-line error names the cause and the fix", (message, expected) => {
    expect(pullError("198.18.2.1:5000/demo:v9", message).oneLine()).toMatch(expected);
  });
});

describe("Docker log stream", () => {
  it("GIVEN multiplexed stdout and stderr frames WHEN demuxed THEN the text is joined without headers", () => {
    const frame = (stream: number, text: string) => {
      const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
      header.writeUInt32BE(Buffer.byteLength(text), 4);
      return Buffer.concat([header, Buffer.from(text)]);
    };
    expect(demuxLogs(Buffer.concat([frame(1, "listening on :8080\n"), frame(2, "boom\n")]))).toBe("listening on :8080\nboom\n");
  });

  it("GIVEN a TTY container's raw log WHEN demuxed THEN it is returned as is", () => {
    expect(demuxLogs(Buffer.from("plain text\n"))).toBe("plain text\n");
  });
});

describe("what the app says its version is", () => {
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });
  it.each([
    ["an X-App-Version header", { "x-app-version": "v2" }, "{}", "v2"],
    ["a JSON body version", {}, '{"version":"v3","status":"ok"}', "v3"],
    ["a numeric JSON version", {}, '{"version":4}', "4"],
    ["neither", {}, "<html>hello</html>", undefined],
  ])("GIVEN %s WHEN read THEN the version is %s", (_n, h, body, expected) => {
    expect(versionOf(headers(h), body)).toBe(expected);
  });
});
