export { defineApp } from "./define-app";
export type { AppDefinition, AppDefinitionSource, AppEnvironment, HookDefinition, VolumeDefinition } from "./define-app";
export type { AppSpec, HookPhase, HookSpec, VolumeSpec } from "./spec";
export { DEFAULT_APP_FILE, loadAppDefinition } from "./load";
export { parseAppDefinition, parseSize } from "./schema";
export { resolveSecrets } from "./secrets";
export { configFingerprint, fingerprintMatches, newSalt, saltOf, shortFingerprint } from "./fingerprint";
export type { ReleaseConfig } from "./fingerprint";
