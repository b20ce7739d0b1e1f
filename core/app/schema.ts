import { z } from "zod";
import type { ConfigIssue } from "../errors";
import type { AppSpec } from "./spec";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]+$/;
/** Set by do-bluegreen itself (from APP_PORT): a definition may not override it. */
const RESERVED_NAMES = ["PORT"];
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const ROTATED_DRIVERS = ["json-file", "local"];
const DEFAULT_ROTATION = { "max-size": "10m", "max-file": "5" };
export const DEFAULT_STOP_GRACE_SECONDS = 30;
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 300;

/** Docker's size notation (binary units): 536870912, "512m", "1g", "256MiB". */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmg])?(?:i?b)?\s*$/i.exec(value);
  if (!m) return undefined;
  const unit = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "b").toLowerCase() as "b" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * unit);
}

const words = (what: string) =>
  z.array(z.string({ invalid_type_error: `${what} must be an array of strings` }).min(1, "an empty word"), { invalid_type_error: `${what} must be an array of strings` }).min(1, `${what} is empty`);

const hook = z
  .object({
    command: words("a hook command"),
    timeoutSeconds: z.number().positive().max(86_400).default(DEFAULT_HOOK_TIMEOUT_SECONDS),
  })
  .strict();

const volume = z
  .object({
    source: z.string().superRefine((s, ctx) => {
      if (s.startsWith("/")) {
        if (/[:\s]/.test(s) || /(^|\/)\.\.(\/|$)/.test(s)) ctx.addIssue({ code: "custom", message: "a host path may not contain `:`, spaces or `..`" });
      } else if (!VOLUME_NAME.test(s))
        ctx.addIssue({ code: "custom", message: /[/.]/.test(s) ? "a relative volume path: Docker would treat it as a volume name" : "not a volume name", params: { fix: "use an absolute host path such as /srv/app/data, or a volume name such as app-data" } });
    }),
    target: z.string().regex(/^\/[^:\s]*$/, "the target must be an absolute path inside the container, without `:` or spaces"),
    readOnly: z.boolean().default(false),
  })
  .strict();

const definition = z
  .object({
    env: z
      .object({
        clear: z.record(z.string({ invalid_type_error: "a clear value must be a string" })).default({}),
        secret: z.array(z.string()).default([]),
      })
      .strict()
      .default({}),
    volumes: z.array(volume).default([]),
    resources: z
      .object({
        memory: z.union([z.string(), z.number()]).optional(),
        cpus: z.number().positive().max(256).optional(),
      })
      .strict()
      .default({}),
    logging: z
      .object({
        driver: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "not a log driver name").default("json-file"),
        options: z.record(z.string()).optional(),
      })
      .strict()
      .default({}),
    command: words("command").optional(),
    stopGraceSeconds: z.number().int().min(0).max(3600).default(DEFAULT_STOP_GRACE_SECONDS),
    hooks: z.object({ preSwitch: hook.optional(), postSwitch: hook.optional() }).strict().default({}),
  })
  .strict()
  .superRefine((d, ctx) => {
    const problem = (path: (string | number)[], message: string, fix: string) => ctx.addIssue({ code: "custom", path, message, params: { fix } });
    for (const name of Object.keys(d.env.clear)) {
      if (!NAME.test(name)) problem(["env", "clear", name], "not a valid variable name", "use letters, digits and _, not starting with a digit, e.g. RAILS_ENV");
      if (RESERVED_NAMES.includes(name)) problem(["env", "clear", name], `${name} is set by do-bluegreen (APP_PORT)`, "remove it and set APP_PORT instead");
    }
    const seen = new Set<string>();
    d.env.secret.forEach((name, i) => {
      if (!NAME.test(name)) problem(["env", "secret", i], "not a valid variable name", "use letters, digits and _, not starting with a digit, e.g. DATABASE_URL");
      if (seen.has(name)) problem(["env", "secret", i], `${name} is listed twice`, "list each secret once");
      seen.add(name);
      if (name in d.env.clear) problem(["env", "secret", i], `${name} is both clear and secret`, `keep ${name} in env.secret only, and remove it from env.clear`);
      if (RESERVED_NAMES.includes(name)) problem(["env", "secret", i], `${name} is set by do-bluegreen (APP_PORT)`, "remove it and set APP_PORT instead");
    });
    const targets = new Set<string>();
    d.volumes.forEach((v, i) => {
      if (targets.has(v.target)) problem(["volumes", i, "target"], `${v.target} is mounted twice`, "mount each container path once");
      targets.add(v.target);
    });
    if (d.resources.memory !== undefined) {
      const bytes = parseSize(d.resources.memory);
      if (bytes === undefined) problem(["resources", "memory"], "not a size", 'use a size such as "512m" or "1g"');
      else if (bytes < MIN_MEMORY_BYTES) problem(["resources", "memory"], "below 6 MiB, Docker's minimum", 'use at least "6m"; most apps need "256m" or more');
    }
  });

const FIXES: [RegExp, string][] = [
  [/^env\.clear/, 'use NAME: "value" pairs of strings, e.g. clear: { RAILS_ENV: "production" }'],
  [/^env\.secret/, 'list secret names, e.g. secret: ["DATABASE_URL"], and set their values in the runner environment'],
  [/^env/, "use env: { clear: {...}, secret: [...] }"],
  [/^volumes/, 'use { source: "app-data" or "/srv/app/data", target: "/app/data", readOnly?: true }'],
  [/^resources\.cpus/, "use a number of CPUs such as 0.5 or 2"],
  [/^resources/, 'use resources: { memory: "512m", cpus: 1 }'],
  [/^logging/, 'use logging: { driver: "json-file", options: { "max-size": "10m" } }'],
  [/^command/, 'use an array of strings, e.g. ["node", "server.js"]'],
  [/^stopGraceSeconds/, "use whole seconds from 0 to 3600, e.g. 30"],
  [/^hooks\.\w+\.command/, 'use an array of strings, e.g. command: ["npm", "run", "migrate"]'],
  [/^hooks\.\w+\.timeoutSeconds/, "use seconds from 1 to 86400, e.g. 300"],
  [/^hooks/, 'use hooks: { preSwitch: { command: [...] }, postSwitch: { command: [...] } }'],
];

function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = raw;
  for (const key of path) v = v && typeof v === "object" ? (v as Record<string | number, unknown>)[key] : undefined;
  return v;
}

function shown(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Validates a definition; every problem is reported with its path in `source`, the bad value and the fix. */
export function parseAppDefinition(raw: unknown, source: string): { app?: AppSpec; issues: ConfigIssue[] } {
  const result = definition.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i): ConfigIssue => {
      const path = i.path.join(".");
      const explicit = i.code === "custom" ? (i.params as { fix?: string } | undefined)?.fix : undefined;
      const unknownKeys = i.code === "unrecognized_keys" ? `unknown setting ${i.keys.join(", ")}` : undefined;
      const value = path.startsWith("env.clear") ? "[not shown]" : shown(valueAt(raw, i.path));
      return {
        variable: `${source} → ${path || "(the exported value)"}`,
        value,
        problem: unknownKeys ?? i.message,
        fix: explicit ?? FIXES.find(([re]) => re.test(path))?.[1] ?? "see the AppDefinition props in core/app/define-app.ts",
      };
    });
    return { issues };
  }
  const d = result.data;
  const rotated = ROTATED_DRIVERS.includes(d.logging.driver);
  return {
    issues: [],
    app: {
      source,
      clearEnv: d.env.clear,
      secretNames: d.env.secret,
      volumes: d.volumes,
      memoryBytes: d.resources.memory === undefined ? undefined : parseSize(d.resources.memory),
      cpus: d.resources.cpus,
      log: { driver: d.logging.driver, options: d.logging.options ?? (rotated ? DEFAULT_ROTATION : {}) },
      command: d.command,
      stopGraceSeconds: d.stopGraceSeconds,
      hooks: Object.fromEntries(Object.entries(d.hooks).filter(([, h]) => h).map(([phase, h]) => [phase, { command: h!.command, timeoutMs: h!.timeoutSeconds * 1000 }])),
    },
  };
}
