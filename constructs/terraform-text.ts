import { Fn } from "cdktf";
import { InternalError } from "../core/errors";

/**
 * Turns rendered text (cloud-init user data) into a one-line Terraform string that may carry
 * apply-time values. Renderers stay pure: they write a placeholder where a value such as the
 * reserved IP's address belongs, and the cdktf token is spliced in there.
 *
 * The literal parts travel as `${base64decode("...")}`, for two reasons:
 * - `cdktf synth --hcl` renders any multi-line string as a heredoc, which adds a trailing newline.
 *   User data that differs by one byte replaces the droplet, so leaving CDKTF for plain Terraform
 *   would replace all three droplets. A one-line string renders identically in JSON and HCL.
 * - No literal text is parsed as a Terraform template, so `${` or `%{` in a file needs no escaping.
 * Terraform evaluates the expression before the provider sees it: the droplet receives the plain text.
 */
export function withTerraformValues(text: string, values: Readonly<Record<string, string>> = {}): string {
  const placeholders = Object.keys(values);
  for (const placeholder of placeholders) {
    if (!text.includes(placeholder)) throw new InternalError(`placeholder ${placeholder} not found in the rendered text`);
  }
  const parts = placeholders.length === 0 ? [text] : text.split(new RegExp(`(${placeholders.map(escapeRegExp).join("|")})`));
  return parts
    .map((part, index) => (index % 2 === 1 ? values[part] : part === "" ? "" : Fn.base64decode(Buffer.from(part, "utf8").toString("base64"))))
    .join("");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
