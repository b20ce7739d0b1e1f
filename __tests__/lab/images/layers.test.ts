import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { buildLayer, LayerSpec } from "../../../lab/images/layers";

describe("buildLayer", () => {
  const source = join(mkdtempSync(join(tmpdir(), "layer-src-")), "server.js");
  writeFileSync(source, "console.log('hi')\n");
  const spec: LayerSpec = { name: "app", createdBy: "test", files: [{ target: "/app/server.js", source, mode: 0o644 }, { target: "/bin/sh", symlinkTo: "busybox" }] };

  it("GIVEN the same inputs in two caches THEN both builds give the same digests (deterministic tar and gzip)", async () => {
    const a = await buildLayer(spec, mkdtempSync(join(tmpdir(), "cache-a-")));
    const b = await buildLayer(spec, mkdtempSync(join(tmpdir(), "cache-b-")));
    expect([a.cached, b.cached]).toEqual([false, false]);
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
  });

  it("GIVEN a built layer THEN its digest is the gzip's sha256, its diffId the tar's, and a second build comes from the cache", async () => {
    const cache = mkdtempSync(join(tmpdir(), "cache-c-"));
    const first = await buildLayer(spec, cache);
    const gz = readFileSync(first.path);
    expect(first.digest).toBe(`sha256:${createHash("sha256").update(gz).digest("hex")}`);
    expect(first.diffId).toBe(`sha256:${createHash("sha256").update(gunzipSync(gz)).digest("hex")}`);
    expect(first.size).toBe(gz.length);
    const second = await buildLayer(spec, cache);
    expect(second).toMatchObject({ cached: true, digest: first.digest });
  });

  it("GIVEN a changed source file THEN the layer is rebuilt with a new digest", async () => {
    const cache = mkdtempSync(join(tmpdir(), "cache-d-"));
    const before = await buildLayer(spec, cache);
    writeFileSync(source, "console.log('changed')\n");
    const after = await buildLayer(spec, cache);
    expect(after.cached).toBe(false);
    expect(after.digest).not.toBe(before.digest);
  });
});
