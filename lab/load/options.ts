import { z } from "zod";
import { UsageError } from "../../core/errors";
import { assertLabTarget } from "./target";
import type { LoadOptions } from "./types";

export const DEFAULT_CONNECTIONS = 64;
export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_POST_PATH = "/echo";
/** The demo app's /slow default: long enough that a flip always happens while some are in flight. */
export const DEFAULT_SLOW_ANSWER_MS = 5_000;
export const DEFAULT_UPLOAD_BYTES = 1024 * 1024;

/** Upper bounds keep a typo from turning the lab into a flood or an endless run. */
const MAX_RATE_PER_SECOND = 20_000;
const MAX_DURATION_MS = 10 * 60_000;
/** Long-lived requests hold a socket each; at most 1 every 50 ms keeps them to a few hundred. */
const MIN_LONG_LIVED_EVERY_MS = 50;
/** The demo app holds a slow request at most 30 s. */
const MAX_SLOW_ANSWER_MS = 30_000;
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
const MAX_STREAMS = 256;

const longLivedSchema = z
  .object({
    slowEveryMs: z.number().int().min(MIN_LONG_LIVED_EVERY_MS).optional(),
    slowAnswerMs: z.number().int().positive().max(MAX_SLOW_ANSWER_MS).default(DEFAULT_SLOW_ANSWER_MS),
    uploadEveryMs: z.number().int().min(MIN_LONG_LIVED_EVERY_MS).optional(),
    uploadBytes: z.number().int().positive().max(MAX_UPLOAD_BYTES).default(DEFAULT_UPLOAD_BYTES),
    streams: z.number().int().min(0).max(MAX_STREAMS).default(0),
  })
  .strict();

const schema = z.object({
  url: z.string(),
  ratePerSecond: z.number().positive().max(MAX_RATE_PER_SECOND),
  postRatio: z.number().min(0).max(1),
  connections: z.number().int().min(1).max(1024).default(DEFAULT_CONNECTIONS),
  timeoutMs: z.number().int().positive().max(120_000).default(DEFAULT_TIMEOUT_MS),
  maxDurationMs: z.number().positive().max(MAX_DURATION_MS),
  postPath: z.string().startsWith("/").default(DEFAULT_POST_PATH),
  longLived: longLivedSchema.optional(),
  tls: z.object({ ca: z.string().includes("BEGIN CERTIFICATE"), servername: z.string().min(1) }).strict().optional(),
});

export type ResolvedLoadOptions = z.output<typeof schema>;
export type ResolvedLongLivedOptions = z.output<typeof longLivedSchema>;

export class InvalidLoadOptionsError extends UsageError {}

/** Validates every option at once (each problem names the option, the bad value and the fix), then the target. */
export function resolveLoadOptions(options: LoadOptions): ResolvedLoadOptions {
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const value = issue.path.reduce<unknown>((at, key) => (at && typeof at === "object" ? (at as Record<PropertyKey, unknown>)[key] : undefined), options);
      const key = issue.path.join(".");
      return issue.code === "unrecognized_keys" ? `${key || "options"}: ${issue.message}` : `${key}=${JSON.stringify(value)}: ${issue.message}`;
    });
    throw new InvalidLoadOptionsError(
      `invalid load options: ${problems.join("; ")}`,
      `pass ratePerSecond in (0, ${MAX_RATE_PER_SECOND}], postRatio in [0, 1], maxDurationMs in (0, ${MAX_DURATION_MS}], ` +
        "integer connections 1..1024, integer timeoutMs and a postPath starting with /; in longLived, integer " +
        `slowEveryMs and uploadEveryMs >= ${MIN_LONG_LIVED_EVERY_MS}, slowAnswerMs <= ${MAX_SLOW_ANSWER_MS}, ` +
        `uploadBytes <= ${MAX_UPLOAD_BYTES} and streams 0..${MAX_STREAMS}`,
    );
  }
  assertLabTarget(parsed.data.url);
  return parsed.data;
}
