import { resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../core/errors";
import type { BenchOptions } from "./run-bench";

export class InvalidBenchOptionsError extends UsageError {}

export const METHODS = ["a", "b", "c", "d", "e"] as const;
export type MethodChoice = (typeof METHODS)[number];

const schema = z.object({
  rate: z.coerce.number().positive().max(5000),
  postRatio: z.coerce.number().min(0).max(1),
  connections: z.coerce.number().int().min(1).max(1024),
  timeoutMs: z.coerce.number().int().min(100).max(60_000),
  methods: z.string().transform((s) => s.split(",").map((m) => m.trim()).filter(Boolean)).pipe(z.array(z.enum(METHODS)).min(1)),
  tooling: z.boolean(),
  out: z.string().min(1),
  chartDir: z.string().min(1),
});

/** Every bad option at once, each with its value and the fix. */
export function parseBenchOptions(raw: Record<string, unknown>, command: string): BenchOptions {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}=${JSON.stringify(raw[String(i.path[0])])}: ${i.message}`);
    throw new InvalidBenchOptionsError(`invalid options: ${problems.join("; ")}`, `see \`npm run bench -- --help\`: --rate in (0, 5000], --post-ratio in [0, 1], --methods from ${METHODS.join(",")}`);
  }
  const o = parsed.data;
  return {
    profile: { ratePerSecond: o.rate, postRatio: o.postRatio, connections: o.connections, timeoutMs: o.timeoutMs },
    methods: o.methods,
    timeTooling: o.tooling,
    markdownPath: resolve(o.out),
    chartDir: resolve(o.chartDir),
    command,
  };
}

