/**
 * Injected failures, so tests can rehearse a DigitalOcean that throttles or breaks.
 * Faults are consumed in the order they were injected; each matching request uses one.
 */
import { z, ZodError } from "zod";
import { UsageError } from "../../core/errors";
import type { FaultSpec } from "./types";

export const INJECTABLE_STATUSES = [400, 401, 404, 422, 429, 500, 502, 503, 504] as const;

export const faultSpecSchema = z
  .object({
    status: z
      .number()
      .int()
      .refine((s) => (INJECTABLE_STATUSES as readonly number[]).includes(s), {
        message: `status must be one of ${INJECTABLE_STATUSES.join(", ")}`,
      }),
    count: z.number().int().positive(),
    method: z.string().min(1).optional(),
    pathPattern: z
      .string()
      .min(1)
      .refine(isValidRegExp, { message: "pathPattern must be a valid regular expression" })
      .optional(),
    retryAfterSeconds: z.number().int().positive().optional(),
  })
  .strict();

function isValidRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

export class InvalidFaultError extends UsageError {
  constructor(problems: string) {
    super(`invalid fault: ${problems}`, `use status ${INJECTABLE_STATUSES.join("|")}, a positive count, and optional method, pathPattern (a regular expression), retryAfterSeconds`);
  }
}

export function validateFaultSpec(spec: unknown): FaultSpec {
  try {
    return faultSpecSchema.parse(spec);
  } catch (error) {
    if (error instanceof ZodError) {
      throw new InvalidFaultError(error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "));
    }
    throw error;
  }
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
  pattern: RegExp | null;
}

export class FaultInjector {
  private active: ActiveFault[] = [];

  /** Throws InvalidFaultError naming the bad field when the spec is invalid. */
  add(spec: FaultSpec): void {
    const valid = validateFaultSpec(spec);
    this.active.push({
      spec: valid,
      remaining: valid.count,
      pattern: valid.pathPattern === undefined ? null : new RegExp(valid.pathPattern),
    });
  }

  /** The fault this request must suffer, if any; using it counts it down. */
  take(method: string, pathname: string): FaultSpec | null {
    const fault = this.active.find(
      (f) =>
        (f.spec.method === undefined || f.spec.method.toUpperCase() === method.toUpperCase()) &&
        (f.pattern === null || f.pattern.test(pathname)),
    );
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.active = this.active.filter((f) => f !== fault);
    return fault.spec;
  }

  pending(): FaultSpec[] {
    return this.active.map((f) => ({ ...f.spec, count: f.remaining }));
  }

  clear(): void {
    this.active = [];
  }
}
