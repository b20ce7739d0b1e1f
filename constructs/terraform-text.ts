import { InternalError } from "../core/errors";

/**
 * Turns rendered text (e.g. cloud-init user data) into a Terraform string that carries
 * apply-time values. Renderers stay pure: they write a placeholder where a value such as the
 * reserved IP's address belongs, and this swaps in the cdktf token, which synthesizes to a
 * `${resource.attr}` interpolation. Any literal `${` or `%{` in the text is escaped first, so
 * Terraform never mistakes file contents for template syntax.
 */
export function withTerraformValues(text: string, values: Readonly<Record<string, string>>): string {
  let out = text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
  for (const [placeholder, value] of Object.entries(values)) {
    if (!out.includes(placeholder)) throw new InternalError(`placeholder ${placeholder} not found in the rendered text`);
    out = out.split(placeholder).join(value);
  }
  return out;
}
