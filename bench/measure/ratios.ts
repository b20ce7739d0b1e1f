/**
 * Ratios of a method's figure to the same figure of method (a), this project's switch, from the same run.
 * Lower is better for every figure compared here, so "12×" reads "twelve times worse than (a)".
 * Division by zero is reported, never hidden: 0/0 is "n/a", x/0 is "∞", and a missing figure is "n/a".
 */
export interface Ratio {
  /** method / baseline; null when not a finite number (see `display`). */
  readonly value: number | null;
  /** What a person reads: "3.2×", "1×", "∞", "n/a". */
  readonly display: string;
  /** Why there is no number, when there is none. */
  readonly reason?: string;
}

export function ratio(method: number | null | undefined, baseline: number | null | undefined): Ratio {
  if (method === null || method === undefined) return { value: null, display: "n/a", reason: "the method has no such figure" };
  if (baseline === null || baseline === undefined) return { value: null, display: "n/a", reason: "(a) has no such figure in this run" };
  if (baseline === 0 && method === 0) return { value: null, display: "n/a", reason: "both are 0" };
  if (baseline === 0) return { value: null, display: "∞", reason: `(a) is 0, the method ${formatPlain(method)}` };
  const value = method / baseline;
  return { value: Math.round(value * 100) / 100, display: `${formatRatio(value)}×` };
}

function formatRatio(value: number): string {
  if (value === 0) return "0";
  if (value >= 100) return String(Math.round(value));
  if (value >= 10) return value.toFixed(1).replace(/\.0$/, "");
  return value.toFixed(2).replace(/\.?0+$/, "");
}

function formatPlain(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** The figures every method is compared on. */
export interface ComparableFigures {
  readonly failed: number | null;
  readonly windowP99Ms: number | null;
  readonly windowMaxMs: number | null;
  readonly timeToNewVersionSeconds: number | null;
}

export interface MethodRatios {
  readonly failed: Ratio;
  readonly windowP99: Ratio;
  readonly windowMax: Ratio;
  readonly timeToNewVersion: Ratio;
}

export function ratiosAgainst(baseline: ComparableFigures | undefined, method: ComparableFigures): MethodRatios {
  return {
    failed: ratio(method.failed, baseline?.failed),
    windowP99: ratio(method.windowP99Ms, baseline?.windowP99Ms),
    windowMax: ratio(method.windowMaxMs, baseline?.windowMaxMs),
    timeToNewVersion: ratio(method.timeToNewVersionSeconds, baseline?.timeToNewVersionSeconds),
  };
}
