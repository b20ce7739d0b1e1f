import { z } from "zod";
import { UsageError } from "../../core/errors";
import { assertLabTarget } from "./target";
import type { LoadOptions } from "./types";

export const DEFAULT_CONNECTIONS = 64;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_POST_PATH = "/echo";

/** Upper bounds keep a typo from turning the lab into a flood or an endless run. */
const MAX_RATE_PER_SECOND = 20_000;
const MAX_DURATION_MS = 10 * 60_000;

const schema = z.object({
  url: z.string(),
  ratePerSecond: z.number().positive().max(MAX_RATE_PER_SECOND),
  postRatio: z.number().min(0).max(1),
  connections: z.number().int().min(1).max(1024).default(DEFAULT_CONNECTIONS),
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
  maxDurationMs: z.number().positive().max(MAX_DURATION_MS),
  postPath: z.string().startsWith("/").default(DEFAULT_POST_PATH),
  longLived: z
    .object({
      slowEveryMs: z.number().int().min(50).optional(),
      uploadEveryMs: z.number().int().min(50).optional(),
      uploadBytes: z.number().int().positive().max(64 * 1024 * 1024).optional(),
      streams: z.number().int().min(0).max(256).optional(),
    })
    .optional(),
});

export type ResolvedLoadOptions = z.output<typeof schema>;

export class InvalidLoadOptionsError extends UsageError {}

/** Validates every option at once (each problem names the option, the bad value and the fix), then the target. */
export function resolveLoadOptions(options: LoadOptions): ResolvedLoadOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = issue.path.join(".");
      const value = (options as unknown as Record<string, unknown>)[key];
      return `${key}=${JSON.stringify(value)}: ${issue.message}`;
    });
    throw new InvalidLoadOptionsError(
      `invalid load options: ${problems.join("; ")}`,
      `pass ratePerSecond in (0, ${MAX_RATE_PER_SECOND}], postRatio in [0, 1], maxDurationMs in (0, ${MAX_DURATION_MS}], ` +
        "integer connections 1..1024, integer timeoutMs and a postPath starting with /",
    );
  }
  assertLabTarget(parsed.data.url);
  return parsed.data;
}
