import { VARIABLES } from "./config/variables";

/**
 * Secrets must never reach output, errors or synthesized files. Rather than trusting every
 * call site, output paths pass text through a Redactor that knows the secret values in play.
 */

/** Read by Terraform and the Spaces backend straight from the environment, so not rows of the configuration table. */
const STACK_ONLY_SECRETS = ["DIGITALOCEAN_ACCESS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] as const;

/** Every secret variable: the configuration table's `secret: true` rows, plus the stack's provider credentials. */
export const SECRET_VARIABLES: readonly string[] = [
  ...Object.values(VARIABLES)
    .filter((spec) => "secret" in spec && spec.secret)
    .map((spec) => spec.name),
  ...STACK_ONLY_SECRETS,
];

export const MASK = "[redacted]";
// Short values (e.g. "x") would mask ordinary words; real secrets are long.
const MIN_SECRET_LENGTH = 6;

/**
 * Terminal control characters a hostile text could use to rewrite what a person or a CI log shows: C0 controls but
 * tab and newline (ESC starts ANSI sequences and GitLab's section markers, CR overwrites a line), DEL, C1 controls
 * (0x9b is a one-byte CSI) and the bidirectional overrides that reorder what is displayed ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` without terminal control characters (tab and newline stay). For text that comes from outside: commit titles, logs, messages. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, "");
}

export class Redactor {
  private readonly forms: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const forms = [...secrets].filter((s): s is string => !!s).flatMap(formsOf);
    this.forms = [...new Set(forms.filter((s) => s.length >= MIN_SECRET_LENGTH))];
  }

  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Redactor {
    return new Redactor(SECRET_VARIABLES.map((name) => env[name]));
  }

  /**
   * Every occurrence of every form of every secret becomes one mask. Occurrences are found in the original text and
   * merged where they overlap, so two secrets sharing characters (or one containing another) leave nothing of either.
   */
  redact(text: string): string {
    if (!text || this.forms.length === 0) return text;
    const spans: [number, number][] = [];
    for (const form of this.forms) for (let i = text.indexOf(form); i !== -1; i = text.indexOf(form, i + 1)) spans.push([i, i + form.length]);
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = "";
    let at = 0;
    let end = -1;
    for (const [start, stop] of spans) {
      if (start < end) {
        end = Math.max(end, stop);
        continue;
      }
      if (end >= 0) at = end;
      out += text.slice(at, start) + MASK;
      end = stop;
    }
    return out + text.slice(end);
  }

  /** Masked and stripped of terminal control characters: what every line the switch prints goes through. */
  clean(text: string): string {
    return stripControl(this.redact(text));
  }

  /**
   * A structured value with every string in it (keys included) cleaned, before it is serialised: JSON.stringify would
   * otherwise escape a quote or backslash inside a secret into a form the text pass no longer recognises.
   */
  redactData<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") return this.clean(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype)
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.clean(k), this.walk(v)]));
    return value;
  }
}

/**
 * The shapes a secret takes on its way to output: as is, each line of a multi-line value (a PEM key printed line by
 * line), JSON-escaped (inside an API error body), URL-encoded (upper- and lowercase escapes, `+` for spaces) and
 * base64 (standard and URL-safe), also at the two other byte offsets inside a longer base64 text (`user:password`
 * in a Basic auth header, a registry auth blob).
 */
function formsOf(secret: string): string[] {
  const lines = secret.split(/\r?\n/).filter((l) => l.trim() && !/^-----(BEGIN|END) /.test(l));
  const url = encodeURIComponent(secret);
  return [
    secret,
    ...(/\r?\n/.test(secret) ? lines.map((l) => l.trim()) : []),
    JSON.stringify(secret).slice(1, -1),
    url,
    url.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    url.replace(/%20/g, "+"),
    ...base64Forms(Buffer.from(secret)),
  ];
}

/** The base64 characters that depend on `bytes` alone, wherever they sit in a longer encoded text (offset 0, 1 or 2 mod 3). */
function base64Forms(bytes: Buffer): string[] {
  const forms = [bytes.toString("base64")];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    forms.push(encoded.slice(Math.ceil((8 * shift) / 6), Math.floor((8 * (shift + bytes.length)) / 6)));
  }
  return forms.flatMap((f) => [f, f.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")]);
}

export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLES.includes(name);
}

export function redactValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return isSecretVariable(name) ? MASK : value;
}
