import { DigitaloceanProvider } from "@cdktf/provider-digitalocean/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Config, recordHostName } from "../core/config";
import { renderBalancerUserData, renderWorkerUserData } from "../core/cloud-init";
import { renderBalancerHaproxyConfig } from "../core/haproxy";
import { BalancerDroplet, Dns, EntryIp, Firewalls, FloatingIp, Network, Project, WorkerDroplets } from "../constructs";
import { allowDestroyOf } from "./allow-destroy";
import { checkDeploySafety } from "./deploy-safety";
import { useSpacesBackend } from "./state-backend";

export const STACK_NAME = "do-bluegreen";

// Stands in for the reserved IP while haproxy.cfg is rendered; replaced by the resource's token.
const FLOATING_IP_PLACEHOLDER = "DO_BLUEGREEN_FLOATING_IP";

/** DigitalOcean's project environments; DEPLOY_ENV picks one. */
export function projectEnvironmentOf(deployEnv: string): "Production" | "Staging" | "Development" {
  if (deployEnv === "production" || deployEnv === "prod") return "Production";
  if (deployEnv === "staging" || deployEnv === "stage") return "Staging";
  return "Development";
}

/**
 * The whole deployment of one environment (DEPLOY_ENV): VPC, two workers (blue starts PROD, green FALLBACK), the
 * reserved IP on the PROD worker, HAProxy in front of it with its own reserved IP as the public entry, firewalls, DNS
 * and a project, with state on Spaces. Every account-wide name starts with `<APP_NAME>-<DEPLOY_ENV>`.
 *
 * Everything the switch changes at run time (droplet tags, the workers' reserved IP's droplet) is ignored
 * by Terraform, so `npm run deploy` after a cutover never undoes it. Nothing routine replaces a droplet: user data and
 * SSH keys are first-boot only, and droplets, reserved IPs, the domain and the VPC carry prevent_destroy.
 */
export class BlueGreenStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    const { app, digitalocean: d, tags, haproxy, namespace } = config;
    checkDeploySafety(this, config);

    // No token here: the provider reads DIGITALOCEAN_TOKEN (and DIGITALOCEAN_API_URL) at plan time.
    new DigitaloceanProvider(this, "digitalocean", {});
    useSpacesBackend(this, config.spaces);

    const network = new Network(this, "network", { name: `${namespace}-vpc`, region: d.region, ipRange: d.vpcIpRange });
    const placement = { region: d.region, image: d.dropletImage, vpcUuid: network.vpc.id, sshKeys: d.sshKeys };
    const ssh = { sshPort: config.ssh.port, deployUser: config.ssh.user };

    const workers = new WorkerDroplets(this, "workers", {
      ...placement,
      size: d.dropletSize,
      sizes: d.workerSizes,
      namePrefix: namespace,
      prodTag: tags.prod,
      fallbackTag: tags.fallback,
      userData: renderWorkerUserData(ssh),
    });

    const floatingIp = new FloatingIp(this, "floating-ip", { region: d.region, initialDropletId: workers.initialProd.id });

    const balancerUserData = renderBalancerUserData({
      // The same function `balancer apply` renders with: what the first boot writes is what a later apply compares.
      haproxyConfig: renderBalancerHaproxyConfig(config, FLOATING_IP_PLACEHOLDER),
      adminSocket: haproxy.adminSocket,
      stateDir: config.stateDir,
      tls: config,
      tlsCommonName: config.tls.names[0] ?? recordHostName(app),
      ...ssh,
    });
    const balancer = new BalancerDroplet(this, "haproxy", {
      ...placement,
      size: d.haproxySize,
      name: `${namespace}-haproxy`,
      tag: tags.balancer,
      userData: balancerUserData,
      userDataValues: { [FLOATING_IP_PLACEHOLDER]: floatingIp.ipAddress },
    });
    const entryIp = new EntryIp(this, "entry-ip", { region: d.region, balancerDropletId: balancer.droplet.id });

    new Firewalls(this, "firewalls", {
      namePrefix: namespace,
      workerDropletIds: workers.all.map((droplet) => droplet.id),
      balancerDropletId: balancer.droplet.id,
      appPort: app.port,
      vpcIpRange: network.ipRange,
      sshAllowedCidrs: d.sshAllowedCidrs,
      sshPort: config.ssh.port,
      https: config.tls.mode !== "off",
    });

    const dns = new Dns(this, "dns", { domain: app.domain, recordName: app.recordName, ipv4Address: entryIp.ipAddress });

    // Members: droplets and the domain, never a reserved IP (an assigned one follows its droplet; decision 0110).
    new Project(this, "project", {
      name: d.projectName,
      environment: projectEnvironmentOf(config.deployEnv),
      resources: [...workers.all.map((droplet) => droplet.urn), balancer.droplet.urn, dns.domain.urn],
    });

    const droplets = { blue: workers.initialProd, green: workers.initialFallback, haproxy: balancer.droplet };
    new TerraformOutput(this, "entry_ip", { value: entryIp.ipAddress, description: "The public entry: the HAProxy droplet's own reserved IP; the A record points here" });
    new TerraformOutput(this, "floating_ip", { value: floatingIp.ipAddress, description: "Reserved IP HAProxy forwards to (FLOATING_IP for the switch)" });
    new TerraformOutput(this, "haproxy_ip", { value: balancer.droplet.ipv4Address, description: "The HAProxy droplet's own public IPv4 (SSH, and the switch's default check URL)" });
    new TerraformOutput(this, "droplet_ids", { value: mapValues(droplets, (droplet) => droplet.id), description: "Droplet ids by role at creation" });
    new TerraformOutput(this, "droplet_names", { value: mapValues(droplets, (droplet) => droplet.name), description: "Droplet names by role at creation" });
    new TerraformOutput(this, "domain", { value: dns.domain.name, description: "Domain served by HAProxy" });

    allowDestroyOf(this, config.safety.allowDestroy);
  }
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}
