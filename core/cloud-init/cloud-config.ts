import { Document, isSeq, YAMLSeq } from "yaml";

/**
 * The subset of cloud-init's #cloud-config that do-bluegreen writes.
 * Kept as data so the renderers stay pure and the tests can read the documents back.
 */
export interface CloudConfig {
  /** false keeps the account's SSH keys in root's authorized_keys as plain lines (no "login as" command), so they can be copied. */
  readonly disable_root?: boolean;
  /** false: sshd refuses passwords (cloud-init's set_passwords module). */
  readonly ssh_pwauth?: boolean;
  readonly users?: readonly CloudUser[];
  readonly package_update?: boolean;
  readonly packages?: readonly string[];
  readonly write_files?: readonly WriteFile[];
  readonly runcmd?: readonly (readonly string[])[];
}

/** A user cloud-init creates (its users_groups module), before packages are installed. */
export interface CloudUser {
  readonly name: string;
  readonly shell?: string;
  /** true: the account has no usable password. */
  readonly lock_passwd?: boolean;
  /** A sudoers rule, e.g. "ALL=(ALL) NOPASSWD:ALL". */
  readonly sudo?: string;
}

export interface WriteFile {
  readonly path: string;
  readonly content: string;
  readonly owner?: string;
  readonly permissions?: string;
  /** Write in cloud-init's final stage, after packages are installed (their users exist, their default files are in place). */
  readonly defer?: boolean;
}

/**
 * Serialises a cloud-config document. `lineWidth: 0` stops YAML from folding long lines, so file
 * contents (e.g. haproxy.cfg) reach the droplet byte for byte, with any embedded Terraform reference intact.
 */
export function renderCloudConfig(document: CloudConfig): string {
  const doc = new Document(document);
  // One command per line (`- [systemctl, enable, --now, docker]`) reads like the shell it replaces.
  const runcmd = doc.get("runcmd");
  if (isSeq(runcmd)) for (const command of runcmd.items) if (isSeq(command)) (command as YAMLSeq).flow = true;
  return "#cloud-config\n" + doc.toString({ lineWidth: 0, blockQuote: "literal" });
}
