import { TerraformResourceLifecycle } from "cdktf";

/**
 * `prevent_destroy`: Terraform refuses any plan that deletes or replaces the resource. Put on everything whose loss
 * a team feels at once: the droplets (and what runs on them), both reserved IPs (the public entry and the address
 * HAProxy forwards to), the domain (its records) and the VPC. ALLOW_DESTROY lifts it for the named addresses only
 * (stacks/allow-destroy.ts), and the deploy job's plan guard (infra/plan-guard.ts) checks the same list, which also
 * catches the destroys prevent_destroy cannot see: a resource removed from the code takes its lifecycle with it.
 */
export const PROTECTED: Pick<TerraformResourceLifecycle, "preventDestroy"> = { preventDestroy: true };

/**
 * Droplet attributes that would replace the droplet but only matter at creation: cloud-init reads `user_data` on the
 * first boot only, and DigitalOcean installs `ssh_keys` once. Later changes are applied live (`npm run switch --
 * balancer apply` renders and reloads HAProxy's configuration and manages the deploy user's keys), never by a new droplet.
 */
export const FIRST_BOOT_ONLY = ["user_data", "ssh_keys"] as const;
