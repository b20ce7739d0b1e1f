import { stringify } from "yaml";
import { LabPlan } from "../plan";
import { Command } from "../runner";

/** Debian's docker-registry (distribution 2.8) on the lab bridge, behind htpasswd (bcrypt) auth. */
export function registryPaths(plan: LabPlan) {
  return {
    config: `${plan.paths.stateDir}/registry/config.yml`,
    htpasswd: `${plan.paths.stateDir}/registry/htpasswd`,
    storage: `${plan.paths.dataDir}/registry`,
  };
}

export function registryConfig(plan: LabPlan): string {
  const paths = registryPaths(plan);
  return stringify({
    version: 0.1,
    log: { level: "warn", accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: paths.storage }, delete: { enabled: true } },
    http: { addr: plan.registry.address, headers: { "X-Content-Type-Options": ["nosniff"] } },
    auth: { htpasswd: { realm: `do-bluegreen-lab-${plan.index}`, path: paths.htpasswd } },
  });
}

/** `htpasswd -Bbn` prints "user:$2y$..." for the file; the password goes on argv only to this local tool. */
export function htpasswdCommand(user: string, password: string): Command {
  return { argv: ["htpasswd", "-Bbn", user, password], secrets: [password] };
}

export function registryArgv(plan: LabPlan): string[] {
  return ["docker-registry", "serve", registryPaths(plan).config];
}
