import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, copyFileSync, symlinkSync, chmodSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { createGzip, constants as zlib } from "node:zlib";
import { spawn } from "node:child_process";
import { BuiltLayer } from "./oci";
import { CommandRunner } from "../runner";

/**
 * Builds the demo image's layers offline (Docker Hub is unreachable): a runtime layer with the
 * node binary that runs the lab, the shared libraries `ldd` names and busybox-static (for /bin/sh
 * and wget, so the image can declare a HEALTHCHECK), and a small app layer with server.js.
 * Layers are deterministic tarballs cached under the cache dir by the hash of their inputs, so a
 * second lab reuses them without re-reading or re-compressing 100 MB.
 */
const BUILDER_VERSION = "lab-layers-1";
const BUSYBOX_APPLETS = ["sh", "wget", "cat", "ls", "sleep", "env", "ps"];

export interface LayerFile {
  /** Path inside the image, absolute. */
  readonly target: string;
  /** File to copy from the host (its content, symlinks resolved). */
  readonly source?: string;
  readonly symlinkTo?: string;
  readonly content?: string;
  readonly mode?: number;
}

export interface LayerSpec {
  readonly name: string;
  readonly createdBy: string;
  readonly files: readonly LayerFile[];
  readonly directories?: readonly { path: string; mode: number }[];
}

/** `ldd` output lines "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)". */
export function parseLdd(output: string): string[] {
  const paths: string[] = [];
  for (const line of output.split("\n")) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    const path = arrow?.[1] ?? bare?.[1];
    if (path) paths.push(path);
  }
  return [...new Set(paths)];
}

export async function runtimeLayerSpec(runner: CommandRunner, nodeBinary: string, busybox: string): Promise<LayerSpec> {
  const ldd = await runner.run({ argv: ["ldd", nodeBinary] });
  const libraries = parseLdd(ldd.stdout);
  return {
    name: "runtime",
    createdBy: "do-bluegreen lab: node runtime + busybox-static",
    directories: [
      { path: "/tmp", mode: 0o1777 },
      { path: "/root", mode: 0o700 },
      { path: "/etc", mode: 0o755 },
    ],
    files: [
      { target: "/usr/local/bin/node", source: nodeBinary, mode: 0o755 },
      ...libraries.map((lib) => ({ target: lib, source: lib, mode: 0o755 })),
      { target: "/bin/busybox", source: busybox, mode: 0o755 },
      ...BUSYBOX_APPLETS.map((applet) => ({ target: `/bin/${applet}`, symlinkTo: "busybox" })),
      { target: "/etc/passwd", content: "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n", mode: 0o644 },
      { target: "/etc/group", content: "root:x:0:\nnogroup:x:65534:\n", mode: 0o644 },
    ],
  };
}

export function appLayerSpec(serverJs: string): LayerSpec {
  return { name: "app", createdBy: "do-bluegreen lab: demo app (lab/demo-app/server.js)", files: [{ target: "/app/server.js", source: serverJs, mode: 0o644 }] };
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** The cache key covers every input byte, so a changed node binary or server.js builds a new layer. */
export async function layerKey(spec: LayerSpec): Promise<string> {
  const hash = createHash("sha256").update(BUILDER_VERSION).update(JSON.stringify(spec.directories ?? []));
  for (const f of spec.files) {
    hash.update(JSON.stringify({ target: f.target, symlinkTo: f.symlinkTo, content: f.content, mode: f.mode }));
    if (f.source) hash.update(await fileHash(f.source));
  }
  return hash.digest("hex").slice(0, 32);
}

function stage(spec: LayerSpec, root: string): void {
  for (const d of spec.directories ?? []) {
    mkdirSync(join(root, d.path), { recursive: true });
    chmodSync(join(root, d.path), d.mode);
  }
  for (const f of spec.files) {
    const target = join(root, f.target);
    mkdirSync(dirname(target), { recursive: true });
    if (f.symlinkTo) symlinkSync(f.symlinkTo, target);
    else if (f.source) copyFileSync(realpathSync(f.source), target);
    else writeFileSync(target, f.content ?? "");
    if (f.mode !== undefined && !f.symlinkTo) chmodSync(target, f.mode);
  }
}

function hashing(hash: ReturnType<typeof createHash>, counter?: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      if (counter) counter.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

/** Deterministic tar (sorted names, fixed owner and mtime) piped through gzip, hashing both sides. */
async function packLayer(root: string, out: string): Promise<{ digest: string; diffId: string; size: number }> {
  const tar = spawn("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "--format=gnu", "-C", root, "-cf", "-", "."], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  tar.stderr.on("data", (c) => (stderr += c));
  const exited = new Promise<number>((resolve) => tar.on("close", (code) => resolve(code ?? 1)));
  const tarHash = createHash("sha256");
  const gzHash = createHash("sha256");
  const counter = { bytes: 0 };
  await pipeline(tar.stdout, hashing(tarHash), createGzip({ level: zlib.Z_BEST_SPEED }), hashing(gzHash, counter), createWriteStream(out));
  const code = await exited;
  if (code !== 0) throw new Error(`tar failed (${code}): ${stderr.trim()}`);
  return { digest: `sha256:${gzHash.digest("hex")}`, diffId: `sha256:${tarHash.digest("hex")}`, size: counter.bytes };
}

export async function buildLayer(spec: LayerSpec, cacheDir: string): Promise<BuiltLayer & { cached: boolean }> {
  const key = await layerKey(spec);
  const dir = join(cacheDir, "layers", `${spec.name}-${key}`);
  const metaPath = join(dir, "layer.json");
  const blobPath = join(dir, "layer.tar.gz");
  if (existsSync(metaPath) && existsSync(blobPath)) {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as Omit<BuiltLayer, "path" | "createdBy">;
    return { ...meta, path: blobPath, createdBy: spec.createdBy, cached: true };
  }
  // Build in a private temp dir and rename into place, so concurrent labs never see half a layer.
  const temp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(join(temp, "rootfs"), { recursive: true });
  try {
    stage(spec, join(temp, "rootfs"));
    const packed = await packLayer(join(temp, "rootfs"), join(temp, "layer.tar.gz"));
    writeFileSync(join(temp, "layer.json"), JSON.stringify(packed));
    rmSync(join(temp, "rootfs"), { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(temp, dir);
    } catch {
      // Another lab finished the same layer first; theirs is identical.
    }
    return { ...packed, path: blobPath, createdBy: spec.createdBy, cached: false };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
