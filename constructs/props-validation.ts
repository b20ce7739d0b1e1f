import { Token } from "cdktf";
import { Construct } from "constructs";
import { UsageError } from "../core/errors";

/** One invalid construct prop: where, what, and how to fix it. */
export interface PropIssue {
  readonly path: string;
  readonly prop: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
}

/** All invalid props of a construct at once (aws-cdk-lib style), so one run shows every mistake. */
export class InvalidPropsError extends UsageError {
  readonly issues: readonly PropIssue[];
  constructor(issues: readonly PropIssue[]) {
    const lines = issues.map((i) => `${i.path}: ${i.prop}=${JSON.stringify(i.value)}: ${i.problem} — fix: ${i.fix}`);
    super(`invalid construct props (${issues.length} problem${issues.length === 1 ? "" : "s"}): ${lines.join("; ")}`, "");
    this.issues = issues;
  }

  override oneLine(): string {
    return this.message;
  }
}

/**
 * Collects prop problems for one construct and throws them together. Values that are unresolved
 * tokens (known only at apply time) cannot be judged at synth time and are accepted.
 */
export class PropsValidator {
  private readonly issues: PropIssue[] = [];

  constructor(private readonly scope: Construct) {}

  check(ok: boolean, prop: string, value: unknown, problem: string, fix: string): this {
    if (!ok && !(typeof value === "string" && Token.isUnresolved(value))) {
      this.issues.push({ path: this.scope.node.path, prop, value, problem, fix });
    }
    return this;
  }

  throwIfInvalid(): void {
    if (this.issues.length > 0) throw new InvalidPropsError(this.issues);
  }
}

// A droplet name becomes its hostname: letters, digits, dashes and dots, no leading or trailing dash.
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(12[0-8]|1[01]\d|\d?\d)$/;

export const isHostname = (s: string): boolean => HOSTNAME.test(s);
export const isIpv4Cidr = (s: string): boolean => IPV4_CIDR.test(s);
export const isCidr = (s: string): boolean => IPV4_CIDR.test(s) || IPV6_CIDR.test(s);
export const isPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
export const isNonEmpty = (s: string): boolean => s.trim().length > 0;
