import { Annotations } from "cdktf";
import { Construct } from "constructs";
import { Config, VARIABLES } from "../core/config";
import { ConfigError, ConfigIssue } from "../core/errors";

const WORLD = ["0.0.0.0/0", "::/0"];
// A Linux login name that useradd accepts everywhere (Debian's default NAME_REGEX, without the trailing $).
const LOGIN_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/**
 * What a deploy refuses about SSH, every problem at once: the droplets it creates must be reachable by key only, from
 * known addresses, as a non-root user. ALLOW_OPEN_SSH=true lets world-open SSH and a missing DO_SSH_KEYS through (they
 * are warned about instead); nothing lets an empty CIDR list or root through, since the switch could not log in.
 * Checked by the stack, not by loadConfig, because the switch and the lab read the same settings for other droplets.
 */
export function deploySafetyIssues(config: Config): ConfigIssue[] {
  const { sshKeys, sshAllowedCidrs } = config.digitalocean;
  const { allowOpenSsh } = config.safety;
  const user = config.ssh.user;
  const issues: ConfigIssue[] = [];
  const issue = (variable: string, value: string, problem: string, fix: string) => issues.push({ variable, value, problem, fix });
  if (sshAllowedCidrs.length === 0)
    issue(VARIABLES.sshAllowedCidrs.name, "", "empty: nobody could reach SSH, so the switch could not work", "list your CI runners' and admins' CIDRs, e.g. 203.0.113.0/24");
  const open = sshAllowedCidrs.filter((cidr) => WORLD.includes(cidr));
  if (open.length > 0 && !allowOpenSsh)
    issue(VARIABLES.sshAllowedCidrs.name, sshAllowedCidrs.join(","), `${open.join(" and ")} opens SSH to the whole internet`, "list only your CI runners' and admins' CIDRs, or set ALLOW_OPEN_SSH=true (e.g. for shared runners)");
  if (sshKeys.length === 0 && !allowOpenSsh)
    issue(VARIABLES.sshKeys.name, "", "empty: the droplets would get no key, so nobody could log in", "list your key fingerprints (`doctl compute ssh-key list`)");
  if (user === "root")
    issue(VARIABLES.sshUser.name, user, "root login is off on the droplets", "unset SSH_USER (default deploy) or name another user");
  else if (!LOGIN_NAME.test(user))
    issue(VARIABLES.sshUser.name, user, "not a Linux login name", "use lowercase letters, digits, _ and -, starting with a letter, e.g. deploy");
  return issues;
}

/** Refuses an unsafe deploy: one ConfigError (exit 2, one line) with every problem and its fix. */
export function refuseUnsafeDeploy(config: Config): void {
  const issues = deploySafetyIssues(config);
  if (issues.length > 0) throw new ConfigError(issues);
}

/** What the stack does: refuses an unsafe deploy, and warns about what ALLOW_OPEN_SSH let through. */
export function checkDeploySafety(stack: Construct, config: Config): void {
  refuseUnsafeDeploy(config);
  const { sshKeys, sshAllowedCidrs } = config.digitalocean;
  if (sshKeys.length === 0)
    Annotations.of(stack).addWarning("DO_SSH_KEYS is empty (ALLOW_OPEN_SSH=true): the droplets get no key and password login is off, so nobody can log in — fix: list your key fingerprints in DO_SSH_KEYS");
  if (sshAllowedCidrs.some((cidr) => WORLD.includes(cidr)))
    Annotations.of(stack).addWarning("DO_SSH_ALLOWED_CIDRS lets the whole internet reach SSH (ALLOW_OPEN_SSH=true): keys only, no root — fix: list only your CI runners' and admins' CIDRs");
}
