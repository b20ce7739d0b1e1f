import { DigitaloceanProvider } from "@cdktf/provider-digitalocean/lib/provider";
import { Annotations, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Config } from "../core/config";
import { renderBalancerUserData, renderWorkerUserData } from "../core/cloud-init";
import { renderHaproxyConfig } from "../core/haproxy";
import { BalancerDroplet, Dns, Firewalls, FloatingIp, Network, Project, WorkerDroplets } from "../constructs";
import { useSpacesBackend } from "./state-backend";

export const STACK_NAME = "do-bluegreen";

// Stands in for the reserved IP while haproxy.cfg is rendered; replaced by the resource's token.
const FLOATING_IP_PLACEHOLDER = "DO_BLUEGREEN_FLOATING_IP";

/**
 * The whole deployment: VPC, two workers (blue starts PROD, green FALLBACK), the reserved IP on
 * the PROD worker, HAProxy in front of it, firewalls, DNS and a project, with state on Spaces.
 *
 * Everything the switch changes at run time (droplet tags, the reserved IP's droplet) is ignored
 * by Terraform, so `npm run deploy` after a cutover never undoes it.
 */
export class BlueGreenStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    const { app, digitalocean: d, tags, haproxy } = config;
    warnAboutRiskyDefaults(this, config);

    // No token here: the provider reads DIGITALOCEAN_TOKEN (and DIGITALOCEAN_API_URL) at plan time.
    new DigitaloceanProvider(this, "digitalocean", {});
    useSpacesBackend(this, config.spaces);

    const network = new Network(this, "network", { name: `${app.name}-vpc`, region: d.region, ipRange: d.vpcIpRange });
    const placement = { region: d.region, image: d.dropletImage, vpcUuid: network.vpc.id, sshKeys: d.sshKeys };

    const workers = new WorkerDroplets(this, "workers", {
      ...placement,
      size: d.dropletSize,
      namePrefix: app.name,
      prodTag: tags.prod,
      fallbackTag: tags.fallback,
      userData: renderWorkerUserData({ sshPort: config.ssh.port }),
    });

    const floatingIp = new FloatingIp(this, "floating-ip", { region: d.region, initialDropletId: workers.initialProd.id });

    const balancerUserData = renderBalancerUserData({
      haproxyConfig: renderHaproxyConfig(config, { floatingIp: FLOATING_IP_PLACEHOLDER }),
      adminSocket: haproxy.adminSocket,
      stateDir: config.stateDir,
      tlsCertificatePath: haproxy.tlsCertificatePath,
      tlsCommonName: app.domain,
      sshPort: config.ssh.port,
    });
    const balancer = new BalancerDroplet(this, "haproxy", {
      ...placement,
      size: d.haproxySize,
      name: `${app.name}-haproxy`,
      tag: tags.balancer,
      userData: balancerUserData,
      userDataValues: { [FLOATING_IP_PLACEHOLDER]: floatingIp.ipAddress },
    });

    new Firewalls(this, "firewalls", {
      namePrefix: app.name,
      workerDropletIds: workers.all.map((droplet) => droplet.id),
      balancerDropletId: balancer.droplet.id,
      appPort: app.port,
      vpcIpRange: network.ipRange,
      sshAllowedCidrs: d.sshAllowedCidrs,
      sshPort: config.ssh.port,
      https: haproxy.tlsCertificatePath !== "",
    });

    const dns = new Dns(this, "dns", { domain: app.domain, recordName: app.recordName, ipv4Address: balancer.droplet.ipv4Address });

    new Project(this, "project", {
      name: d.projectName,
      resources: [...workers.all.map((droplet) => droplet.urn), balancer.droplet.urn, floatingIp.reservedIp.urn, dns.domain.urn],
    });

    const droplets = { blue: workers.initialProd, green: workers.initialFallback, haproxy: balancer.droplet };
    new TerraformOutput(this, "floating_ip", { value: floatingIp.ipAddress, description: "Reserved IP HAProxy forwards to (FLOATING_IP for the switch)" });
    new TerraformOutput(this, "haproxy_ip", { value: balancer.droplet.ipv4Address, description: "Public IPv4 of the HAProxy droplet; the A record points here" });
    new TerraformOutput(this, "droplet_ids", { value: mapValues(droplets, (droplet) => droplet.id), description: "Droplet ids by role at creation" });
    new TerraformOutput(this, "droplet_names", { value: mapValues(droplets, (droplet) => droplet.name), description: "Droplet names by role at creation" });
    new TerraformOutput(this, "domain", { value: dns.domain.name, description: "Domain served by HAProxy" });
  }
}

/** Legal settings that are still likely mistakes in production: synth prints them, deploy goes ahead. */
function warnAboutRiskyDefaults(stack: Construct, config: Config): void {
  const { sshKeys, sshAllowedCidrs } = config.digitalocean;
  if (sshKeys.length === 0) {
    Annotations.of(stack).addWarning("DO_SSH_KEYS is empty: the droplets get no SSH key, so the switch cannot reach them — fix: list your key fingerprints in DO_SSH_KEYS");
  }
  if (sshAllowedCidrs.some((cidr) => cidr === "0.0.0.0/0" || cidr === "::/0")) {
    Annotations.of(stack).addWarning("DO_SSH_ALLOWED_CIDRS lets the whole internet reach SSH — fix: list only your CI runners' and admins' CIDRs");
  }
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}
