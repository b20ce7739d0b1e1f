import { imageConfig, imageManifest, MEDIA_TYPES, sha256Digest, BuiltLayer } from "../../../lab/images/oci";
import { parseLdd } from "../../../lab/images/layers";
import { IMAGE_VARIANTS, imageRefs } from "../../../lab/images/variants";

const layers: BuiltLayer[] = [
  { digest: "sha256:" + "a".repeat(64), diffId: "sha256:" + "b".repeat(64), size: 1000, path: "/x", createdBy: "runtime" },
  { digest: "sha256:" + "c".repeat(64), diffId: "sha256:" + "d".repeat(64), size: 20, path: "/y", createdBy: "app" },
];

describe("demo image config and manifest", () => {
  it("GIVEN the variants THEN they share layers but differ in config (so in digest)", () => {
    const configs = IMAGE_VARIANTS.map((v) => imageConfig(v, layers));
    expect(new Set(configs.map(sha256Digest)).size).toBe(IMAGE_VARIANTS.length);
    for (const c of configs) expect(JSON.parse(c).rootfs.diff_ids).toEqual([layers[0].diffId, layers[1].diffId]);
  });

  it.each(IMAGE_VARIANTS.map((v) => [v.tag, v] as const))("GIVEN variant %s THEN its env carries its version and mode, and it declares a HEALTHCHECK", (_tag, variant) => {
    const config = JSON.parse(imageConfig(variant, layers)).config;
    expect(config.Env).toEqual(expect.arrayContaining([`APP_VERSION=${variant.version}`, `APP_MODE=${variant.mode}`]));
    expect(config.Healthcheck.Test[0]).toBe("CMD-SHELL");
    expect(config.Healthcheck.Test[1]).toContain("/health");
  });

  it("GIVEN a config THEN the manifest references it by digest and size, with gzip layers", () => {
    const config = imageConfig(IMAGE_VARIANTS[0], layers);
    const manifest = JSON.parse(imageManifest(config, layers));
    expect(manifest.mediaType).toBe(MEDIA_TYPES.manifest);
    expect(manifest.config).toEqual({ mediaType: MEDIA_TYPES.config, size: Buffer.byteLength(config), digest: sha256Digest(config) });
    expect(manifest.layers).toEqual(layers.map((l) => ({ mediaType: MEDIA_TYPES.layer, size: l.size, digest: l.digest })));
  });

  it("GIVEN a registry address THEN each variant has a ref in the demo repository", () => {
    expect(imageRefs("198.18.3.1:5000", "demo")).toEqual({
      v1: "198.18.3.1:5000/demo:v1",
      v2: "198.18.3.1:5000/demo:v2",
      "health-fails": "198.18.3.1:5000/demo:health-fails",
      "exits-at-start": "198.18.3.1:5000/demo:exits-at-start",
      "fails-20-percent": "198.18.3.1:5000/demo:fails-20-percent",
    });
  });
});

describe("parseLdd", () => {
  it("GIVEN ldd output THEN it lists resolved libraries and the loader, skipping the vdso", () => {
    const out = [
      "\tlinux-vdso.so.1 (0x00007ffd)",
      "\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f)",
      "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)",
      "\t/lib64/ld-linux-x86-64.so.2 (0x00007f)",
    ].join("\n");
    expect(parseLdd(out)).toEqual(["/lib/x86_64-linux-gnu/libdl.so.2", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]);
  });
});
