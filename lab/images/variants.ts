/**
 * The demo images, as data. They share every layer and differ only in their image config (env),
 * so the ~100 MB Node runtime layer is built and uploaded once per lab.
 */
export type AppMode = "ok" | "health-fails" | "exits-at-start" | "fails-20-percent";

export interface ImageVariant {
  /** Tag in the lab registry's demo repository. */
  readonly tag: string;
  /** What the app reports as its version (X-App-Version, JSON "version"). */
  readonly version: string;
  readonly mode: AppMode;
  readonly description: string;
}

export const IMAGE_VARIANTS: readonly ImageVariant[] = [
  { tag: "v1", version: "v1", mode: "ok", description: "healthy demo app, version v1" },
  { tag: "v2", version: "v2", mode: "ok", description: "healthy demo app, version v2" },
  { tag: "health-fails", version: "health-fails", mode: "health-fails", description: "starts, but its health path answers 500" },
  { tag: "exits-at-start", version: "exits-at-start", mode: "exits-at-start", description: "exits 1 as soon as it starts" },
  { tag: "fails-20-percent", version: "fails-20-percent", mode: "fails-20-percent", description: "healthy health path, but every 5th real request answers 500" },
];

export type DemoImages = { readonly [tag: string]: string };

export function imageRefs(registryAddress: string, repository: string): DemoImages {
  return Object.fromEntries(IMAGE_VARIANTS.map((v) => [v.tag, `${registryAddress}/${repository}:${v.tag}`]));
}
