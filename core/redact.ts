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
    this.secrets = [...new Set([...secrets].filter((s): s is string => !!s && s.length >= MIN_SECRET_LENGTH))]
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

export function isSecretVariable(name: string): boolean {
  return (SECRET_VARIABLES as readonly string[]).includes(name);
}

export function redactValue(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return isSecretVariable(name) ? MASK : value;
}
