import { createHash } from "node:crypto";
import { ImageVariant } from "./variants";

/** Docker image manifest v2 schema 2, the format Docker 20.10 and distribution 2.8 both speak natively. */
export const MEDIA_TYPES = {
  manifest: "application/vnd.docker.distribution.manifest.v2+json",
  config: "application/vnd.docker.container.image.v1+json",
  layer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

export interface BuiltLayer {
  /** sha256 of the gzip blob (what the registry stores). */
  readonly digest: string;
  /** sha256 of the uncompressed tar (what the image config lists). */
  readonly diffId: string;
  readonly size: number;
  readonly path: string;
  readonly createdBy: string;
}

const EPOCH = "1970-01-01T00:00:00Z";
const SECOND_NS = 1_000_000_000;

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** The image config: where the variant's behaviour comes from (APP_VERSION, APP_MODE). */
export function imageConfig(variant: ImageVariant, layers: readonly BuiltLayer[]): string {
  return JSON.stringify({
    architecture: "amd64",
    os: "linux",
    created: EPOCH,
    config: {
      Env: ["PATH=/usr/local/bin:/bin", `APP_VERSION=${variant.version}`, `APP_MODE=${variant.mode}`],
      Cmd: ["/usr/local/bin/node", "/app/server.js"],
      WorkingDir: "/app",
      ExposedPorts: { "8080/tcp": {} },
      StopSignal: "SIGTERM",
      // busybox wget; ${PORT:-8080} because the switch sets PORT and the shell form expands it.
      Healthcheck: {
        Test: ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:${PORT:-8080}/health || exit 1"],
        Interval: 1 * SECOND_NS,
        Timeout: 2 * SECOND_NS,
        Retries: 3,
        StartPeriod: 0,
      },
      Labels: { "org.opencontainers.image.title": "do-bluegreen lab demo app", "org.opencontainers.image.description": variant.description },
    },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: EPOCH, created_by: l.createdBy })),
  });
}

export function imageManifest(config: string, layers: readonly BuiltLayer[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: { mediaType: MEDIA_TYPES.config, size: Buffer.byteLength(config), digest: sha256Digest(config) },
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.layer, size: l.size, digest: l.digest })),
  });
}
