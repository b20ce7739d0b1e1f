/**
 * Secrets must never reach output, errors or synthesized files. Rather than trusting every
 * call site, output paths pass text through a Redactor that knows the secret values in play.
 */
export const SECRET_VARIABLES = [
  "DIGITALOCEAN_TOKEN",
  "DIGITALOCEAN_ACCESS_TOKEN",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "CI_REGISTRY_PASSWORD",
  "SSH_PRIVATE_KEY",
  "GITHUB_TOKEN",
] as const;

const MASK = "[redacted]";
// Short values (e.g. "x") would mask ordinary words; real secrets are long.
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const forms = [...secrets].filter((s): s is string => !!s).flatMap(formsOf);
    this.secrets = [...new Set(forms.filter((s) => s.length >= MIN_SECRET_LENGTH))]
      // Longest first so a secret containing another is masked whole.
      .sort((a, b) => b.length - a.length);
  }

  static fromEnv(env: NodeJS.ProcessEnv = process.env): Redactor {
    return new Redactor(SECRET_VARIABLES.map((name) => env[name]));
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join(MASK);
    return out;
  }
}

/**
 * The shapes a secret takes on its way to output: as is, each line of a multi-line value (a PEM key printed line by
 * line), JSON-escaped (inside --json or an API error body), URL-encoded and base64 (in a URL or an auth header).
 */
function formsOf(secret: string): string[] {
  const lines = secret.split(/\r?\n/).filter((l) => l.trim() && !/^-----(BEGIN|END) /.test(l));
  return [secret, ...(/\r?\n/.test(secret) ? lines : []), JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), Buffer.from(secret).toString("base64")];
}

export function isSecretVariable(name: string): boolean {
  return (SECRET_VARIABLES as readonly string[]).includes(name);
}

export function redactValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return isSecretVariable(name) ? MASK : value;
}
