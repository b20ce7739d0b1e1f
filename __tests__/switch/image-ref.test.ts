import { InvalidImageReferenceError } from "../../switch/errors";
import { parseImageRef, requireDigestInCi, versionOf } from "../../switch/image-ref";

const DIGEST = "sha256:" + "a".repeat(64);

describe("image references", () => {
  it.each([
    ["registry.gitlab.com/acme/web:v2", { registry: "registry.gitlab.com", repository: "acme/web", tag: "v2" }],
    ["198.18.2.1:5000/demo:v1", { registry: "198.18.2.1:5000", repository: "demo", tag: "v1" }],
    ["localhost/web:1.0.0-rc.1", { registry: "localhost", repository: "web", tag: "1.0.0-rc.1" }],
    ["acme/web:v2", { registry: "docker.io", repository: "acme/web", tag: "v2" }],
    ["web:v2", { registry: "docker.io", repository: "web", tag: "v2" }],
    [`registry.test/web@${DIGEST}`, { registry: "registry.test", repository: "web", digest: DIGEST }],
    [`registry.test/web:v2@${DIGEST}`, { registry: "registry.test", repository: "web", tag: "v2", digest: DIGEST }],
  ])("GIVEN %s WHEN parsed THEN registry, repository and version are found", (raw, expected) => {
    expect(parseImageRef(raw)).toMatchObject(expected);
  });

  it.each([
    ["", /empty/],
    ["registry.test/web", /names no version/],
    ["registry.test/Web:v2", /not a valid Docker reference/],
    ["registry.test/web:v2!", /not a valid Docker reference/],
    ["registry.test/web@sha256:abc", /not a valid Docker reference/],
    ["registry.test/web:-v2", /not a valid Docker reference/],
    ["Acme/web:v2", /lowercase/],
    ["a".repeat(513) + ":v1", /longer than 512/],
  ])("GIVEN %j WHEN parsed THEN it is refused with a reason and an example", (raw, reason) => {
    expect(() => parseImageRef(raw)).toThrow(InvalidImageReferenceError);
    expect(() => parseImageRef(raw)).toThrow(reason);
  });

  it("GIVEN a tag or only a digest WHEN naming the version THEN the tag wins, else the short digest", () => {
    expect(versionOf(parseImageRef("r.test/web:v2"))).toBe("v2");
    expect(versionOf(parseImageRef(`r.test/web@${DIGEST}`))).toBe("sha256:aaaaaaaaaaaa");
  });

  it.each([
    ["a tag in CI", "r.test/web:v2", true, false, /names a tag only/],
    ["a digest in CI", `r.test/web@${DIGEST}`, true, false, undefined],
    ["a tag and a digest in CI", `r.test/web:v2@${DIGEST}`, true, false, undefined],
    ["a tag in CI, allowed", "r.test/web:v2", true, true, undefined],
    ["a tag outside CI", "r.test/web:v2", false, false, undefined],
  ])("GIVEN %s WHEN checked THEN %s", (_name, raw, inCi, allowTag, refused) => {
    const check = () => requireDigestInCi(parseImageRef(raw), inCi as boolean, allowTag as boolean);
    if (refused) expect(check).toThrow(refused as RegExp);
    else expect(check).not.toThrow();
  });
});
