import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import type { ConfigIssue } from "../errors";
import { parseAppDefinition } from "./schema";
import type { AppEnvironment } from "./define-app";
import type { AppSpec } from "./spec";

export const DEFAULT_APP_FILE = "bluegreen.config.ts";

/**
 * Loads `bluegreen.config.ts` (or the file BLUEGREEN_CONFIG names). The default file may be absent: the app then has
 * no settings beyond PORT. A file that was named explicitly must exist. Runs under tsx and ts-jest, which both load
 * TypeScript through `require`.
 */
export function loadAppDefinition(
  file: string,
  explicit: boolean,
  cwd: string = process.cwd(),
  env: AppEnvironment = process.env,
): { app?: AppSpec; issues: ConfigIssue[] } {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  const source = relative(cwd, path) || file;
  const issue = (problem: string, fix: string) => ({ issues: [{ variable: "BLUEGREEN_CONFIG", value: file, problem, fix }] });
  if (!existsSync(path)) {
    if (explicit) return issue("no such file", "point BLUEGREEN_CONFIG at the app's bluegreen.config.ts, or unset it");
    return parseAppDefinition({}, "defaults");
  }
  let exported: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path) as { default?: unknown };
    const value = mod.default ?? mod;
    exported = typeof value === "function" ? (value as (e: AppEnvironment) => unknown)(env) : value;
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return issue(`cannot be loaded (${message})`, `fix ${source} so that it exports defineApp({...}) as its default export`);
  }
  return parseAppDefinition(exported, source);
}
