import type { Config } from "../core/config";
import { ReleaseConfig, fingerprintMatches } from "../core/app";
import { AppContainer, LABEL } from "./model";
import type { RuntimeSpec } from "./ports";

/**
 * A release is the image plus its configuration: a new clear value, a rotated secret or a new volume is a release
 * as much as a new image is, and goes through the same gate, flip and verification.
 */
export interface Release {
  readonly image: string;
  readonly config: ReleaseConfig;
}

export function releaseOf(config: Pick<Config, "app" | "appSpec">, image: string, secrets: Readonly<Record<string, string>>): Release {
  return { image, config: { app: config.appSpec, port: config.app.port, secrets } };
}

/** The container's whole environment: PORT, the clear variables, then the secrets. Only the engine ever sees it. */
export function runtimeSpecOf(release: Release): RuntimeSpec {
  const { app, port, secrets } = release.config;
  return {
    image: release.image,
    env: [`PORT=${port}`, ...Object.entries(app.clearEnv).map(([k, v]) => `${k}=${v}`), ...app.secretNames.map((n) => `${n}=${secrets[n] ?? ""}`)],
    mounts: app.volumes,
    memoryBytes: app.memoryBytes,
    cpus: app.cpus,
    log: app.log,
  };
}

/** Same image reference and same configuration: deploying it again only verifies. */
export function isSameRelease(container: AppContainer | undefined, release: Release): boolean {
  return !!container && container.image === release.image && fingerprintMatches(container.labels[LABEL.config], release.config);
}
