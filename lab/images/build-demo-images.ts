import { join, resolve } from "node:path";
import { CommandRunner } from "../runner";
import { appLayerSpec, buildLayer, runtimeLayerSpec } from "./layers";
import { imageConfig, imageManifest, sha256Digest } from "./oci";
import { RegistryClient } from "./registry-client";
import { IMAGE_VARIANTS } from "./variants";

export const DEMO_APP_SOURCE = resolve(__dirname, "..", "demo-app", "server.js");
const BUSYBOX = "/bin/busybox";

export interface PushedImage {
  readonly tag: string;
  readonly ref: string;
  readonly digest: string;
}

export interface DemoImagesReport {
  readonly images: PushedImage[];
  /** How many layers came from the cache rather than being built now. */
  readonly cachedLayers: number;
  readonly builtLayers: number;
}

/** Builds (or reuses) the two layers, then pushes every demo variant to the lab registry. */
export async function buildAndPushDemoImages(options: {
  runner: CommandRunner;
  cacheDir: string;
  registry: RegistryClient;
  registryAddress: string;
  repository: string;
  nodeBinary?: string;
}): Promise<DemoImagesReport> {
  const nodeBinary = options.nodeBinary ?? process.execPath;
  const specs = [await runtimeLayerSpec(options.runner, nodeBinary, BUSYBOX), appLayerSpec(DEMO_APP_SOURCE)];
  const layers = await Promise.all(specs.map((spec) => buildLayer(spec, join(options.cacheDir))));
  for (const layer of layers) await options.registry.pushLayer(options.repository, layer);
  const images: PushedImage[] = [];
  for (const variant of IMAGE_VARIANTS) {
    const config = imageConfig(variant, layers);
    await options.registry.pushBlob(options.repository, sha256Digest(config), Buffer.from(config));
    const digest = await options.registry.pushManifest(options.repository, variant.tag, imageManifest(config, layers));
    images.push({ tag: variant.tag, ref: `${options.registryAddress}/${options.repository}:${variant.tag}`, digest });
  }
  const cachedLayers = layers.filter((l) => l.cached).length;
  return { images, cachedLayers, builtLayers: layers.length - cachedLayers };
}
