import { Domain } from "@cdktf/provider-digitalocean/lib/domain";
import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { Firewall } from "@cdktf/provider-digitalocean/lib/firewall";
import { Project } from "@cdktf/provider-digitalocean/lib/project";
import { ProjectResources } from "@cdktf/provider-digitalocean/lib/project-resources";
import { DigitaloceanProvider } from "@cdktf/provider-digitalocean/lib/provider";
import { Record as DnsRecord } from "@cdktf/provider-digitalocean/lib/record";
import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { Vpc } from "@cdktf/provider-digitalocean/lib/vpc";
import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { loadConfig } from "../../core/config";
import { ConfigError } from "../../core/errors";
import { HAPROXY_CONFIG_PATH } from "../../core/cloud-init";
import { BlueGreenStack, STACK_NAME } from "../../stacks/bluegreen-stack";
import { checkCloudConfig, checkHaproxyConfig, withTempDir, writeSelfSignedPem } from "../core/debian-validators";
import { evaluateUserData } from "../constructs/synth-helpers";
import { GUARDED_TYPES } from "../../infra/plan-guard";
import { DEPLOYABLE_ENV, RUNNERS } from "./deployable-env";

type Json = Record<string, any>;
const LAB_IP = "198.18.0.10";

/** The stack for a deployable environment (an SSH key and the runners' CIDR: a deploy refuses less), plus `env`. */
function synthStack(env: Record<string, string> = {}): { text: string; json: Json } {
  const text = Testing.synth(new BlueGreenStack(Testing.app(), STACK_NAME, loadConfig({ ...DEPLOYABLE_ENV, ...env }, "stack")));
  return { text, json: JSON.parse(text) };
}

function resourcesOf(json: Json, type: string): [string, Json][] {
  return Object.entries(json.resource[type] ?? {});
}

function dropletNamed(json: Json, name: string): [string, Json] {
  const found = resourcesOf(json, "digitalocean_droplet").find(([, droplet]) => droplet.name === name);
  if (!found) throw new Error(`no droplet named ${name}`);
  return found;
}

describe("BlueGreenStack", () => {
  const { text, json } = synthStack();
  const [vpcId] = resourcesOf(json, "digitalocean_vpc")[0];
  const [blueId] = dropletNamed(json, "web-production-blue");
  const [greenId] = dropletNamed(json, "web-production-green");
  const [haproxyId, haproxy] = dropletNamed(json, "web-production-haproxy");
  const reservedIpOn = (dropletId: string) => resourcesOf(json, "digitalocean_reserved_ip").find(([, ip]) => ip.droplet_id === `\${digitalocean_droplet.${dropletId}.id}`)!;
  const [reservedIpId] = reservedIpOn(blueId);
  const [entryIpId] = reservedIpOn(haproxyId);
  const floatingIpRef = `digitalocean_reserved_ip.${reservedIpId}.ip_address`;
  // What Terraform will send: the user_data expression evaluated, with the address the reserved IP gets.
  const applied = (userData: string) => evaluateUserData(userData, { [floatingIpRef]: LAB_IP });

  describe("resources", () => {
    it("GIVEN the defaults WHEN synthesized THEN exactly the expected resource types and counts are declared", () => {
      const counts = Object.fromEntries(Object.entries(json.resource).map(([type, all]) => [type, Object.keys(all as Json).length]));
      expect(counts).toEqual({
        digitalocean_vpc: 1,
        digitalocean_droplet: 3,
        digitalocean_reserved_ip: 2,
        digitalocean_firewall: 2,
        digitalocean_domain: 1,
        digitalocean_record: 1,
        digitalocean_project: 1,
        digitalocean_project_resources: 1,
      });
    });

    it("GIVEN the stack WHEN synthesized THEN no *_assignment resource exists", () => {
      expect(Object.keys(json.resource).filter((type) => type.includes("assignment"))).toEqual([]);
    });

    it("GIVEN the VPC range WHEN synthesized THEN the VPC uses it in the configured region", () => {
      expect(text).toHaveResourceWithProperties(Vpc, { name: "web-production-vpc", region: "nyc3", ip_range: loadConfig({}, "stack").digitalocean.vpcIpRange });
    });

    it.each([
      ["web-production-blue", "web-production-prod"],
      ["web-production-green", "web-production-fallback"],
    ])("GIVEN the workers WHEN synthesized THEN %s starts tagged %s in the VPC with ignore_changes on tags, user_data and ssh_keys", (name, tag) => {
      expect(text).toHaveResourceWithProperties(Droplet, {
        name,
        tags: [tag],
        vpc_uuid: `\${digitalocean_vpc.${vpcId}.id}`,
        lifecycle: { ignore_changes: ["tags", "user_data", "ssh_keys"], prevent_destroy: true },
      });
    });

    it("GIVEN the reserved IP WHEN synthesized THEN it starts on the PROD (blue) droplet and ignores droplet_id afterwards", () => {
      expect(text).toHaveResourceWithProperties(ReservedIp, {
        region: "nyc3",
        droplet_id: `\${digitalocean_droplet.${blueId}.id}`,
        lifecycle: { ignore_changes: ["droplet_id"], prevent_destroy: true },
      });
    });

    it("GIVEN the HAProxy droplet WHEN synthesized THEN it carries the balancer tag, sits in the VPC and has a reserved IP of its own whose droplet_id is not ignored", () => {
      expect(text).toHaveResourceWithProperties(Droplet, { name: "web-production-haproxy", tags: ["web-production-balancer"], size: "s-1vcpu-512mb-10gb", vpc_uuid: `\${digitalocean_vpc.${vpcId}.id}` });
      expect(json.resource.digitalocean_reserved_ip[entryIpId]).toMatchObject({ region: "nyc3", lifecycle: { prevent_destroy: true } });
      expect(json.resource.digitalocean_reserved_ip[entryIpId].lifecycle).not.toHaveProperty("ignore_changes");
    });

    it("GIVEN the domain WHEN synthesized THEN the A record points at the balancer's reserved IP (stable), not at the droplet's own address", () => {
      expect(text).toHaveResourceWithProperties(Domain, { name: "example.com" });
      expect(text).toHaveResourceWithProperties(DnsRecord, { type: "A", name: "@", value: `\${digitalocean_reserved_ip.${entryIpId}.ip_address}` });
    });

    it("GIVEN the firewalls WHEN synthesized THEN workers take the app port only from HAProxy and the VPC, SSH only from the CIDRs", () => {
      const { text: custom } = synthStack({ DO_SSH_ALLOWED_CIDRS: "198.51.100.0/24", APP_PORT: "3000" });
      expect(custom).toHaveResourceWithProperties(Firewall, {
        name: "web-production-workers",
        droplet_ids: `\${tolist([digitalocean_droplet.${blueId}.id, digitalocean_droplet.${greenId}.id])}`,
        inbound_rule: [
          { protocol: "tcp", port_range: "3000", source_droplet_ids: `\${tolist([digitalocean_droplet.${haproxyId}.id])}`, source_addresses: [loadConfig({}, "stack").digitalocean.vpcIpRange] },
          { protocol: "tcp", port_range: "22", source_addresses: ["198.51.100.0/24"] },
        ],
      });
      expect(custom).toHaveResourceWithProperties(Firewall, {
        name: "web-production-haproxy",
        inbound_rule: [
          { protocol: "tcp", port_range: "80", source_addresses: ["0.0.0.0/0", "::/0"] },
          { protocol: "tcp", port_range: "22", source_addresses: ["198.51.100.0/24"] },
        ],
      });
    });

    it("GIVEN both firewalls WHEN synthesized THEN outbound traffic is allowed (image pulls, apt)", () => {
      for (const [, firewall] of resourcesOf(json, "digitalocean_firewall")) {
        expect(firewall.outbound_rule).toEqual(expect.arrayContaining([expect.objectContaining({ protocol: "tcp", port_range: "1-65535", destination_addresses: ["0.0.0.0/0", "::/0"] })]));
      }
    });

    it("GIVEN the project WHEN synthesized THEN its members are exactly the three droplets and the domain, in a digitalocean_project_resources", () => {
      const [domainId] = resourcesOf(json, "digitalocean_domain")[0];
      const [projectId] = resourcesOf(json, "digitalocean_project")[0];
      expect(text).toHaveResourceWithProperties(Project, { name: "web-production", environment: "Production" });
      expect(text).toHaveResourceWithProperties(ProjectResources, {
        project: `\${digitalocean_project.${projectId}.id}`,
        resources: [
          `\${digitalocean_droplet.${blueId}.urn}`,
          `\${digitalocean_droplet.${greenId}.urn}`,
          `\${digitalocean_droplet.${haproxyId}.urn}`,
          `\${digitalocean_domain.${domainId}.urn}`,
        ],
      });
    });

    // The old form listed `${digitalocean_reserved_ip.<id>.urn}` (do:reservedip:<ip>): the Projects API reports
    // do:floatingip:<ip>, so every plan showed a change and the apply failed with 412 (provider issues #1031, #1264).
    it("GIVEN the project WHEN synthesized THEN no reserved IP is a member, by reference or by URN (an assigned one follows its droplet)", () => {
      const [members] = resourcesOf(json, "digitalocean_project_resources").map(([, p]) => p);
      expect(members.resources.filter((urn: string) => /digitalocean_(reserved|floating)_ip|do:(reservedip|floatingip):/.test(urn))).toEqual([]);
    });

    // digitalocean_project.resources is Optional+Computed and its Read stores every URN the API lists (provider 2.71
    // resource_project.go): set, it would diff against a reserved IP that followed its droplet into the project.
    it("GIVEN the project WHEN synthesized THEN the project itself sets no resources (only digitalocean_project_resources, which reads back its own URNs)", () => {
      const [project] = resourcesOf(json, "digitalocean_project").map(([, p]) => p);
      expect(project).not.toHaveProperty("resources");
    });

    it("GIVEN the provider WHEN synthesized THEN it is pinned to 2.71.0 and has no token (read from DIGITALOCEAN_TOKEN at plan time)", () => {
      expect(text).toHaveProvider(DigitaloceanProvider);
      expect(json.provider.digitalocean).toEqual([{}]);
      expect(json.terraform.required_providers.digitalocean).toEqual({ source: "digitalocean/digitalocean", version: "2.71.0" });
    });

    it("GIVEN the stack WHEN synthesized THEN the state lives on Spaces", () => {
      expect(json.terraform.backend.s3.endpoints).toEqual({ s3: "https://nyc3.digitaloceanspaces.com" });
    });
  });

  describe("outputs", () => {
    it("GIVEN the stack WHEN synthesized THEN it outputs the floating IP, HAProxy IP, droplet ids and names, and the domain", () => {
      expect(Object.keys(json.output).sort()).toEqual(["domain", "droplet_ids", "droplet_names", "entry_ip", "floating_ip", "haproxy_ip"]);
      expect(json.output.entry_ip.value).toBe(`\${digitalocean_reserved_ip.${entryIpId}.ip_address}`);
      expect(json.output.floating_ip.value).toBe(`\${${floatingIpRef}}`);
      expect(json.output.haproxy_ip.value).toBe(`\${digitalocean_droplet.${haproxyId}.ipv4_address}`);
      expect(json.output.droplet_ids.value).toEqual({
        blue: `\${digitalocean_droplet.${blueId}.id}`,
        green: `\${digitalocean_droplet.${greenId}.id}`,
        haproxy: `\${digitalocean_droplet.${haproxyId}.id}`,
      });
      expect(json.output.droplet_names.value).toEqual({
        blue: `\${digitalocean_droplet.${blueId}.name}`,
        green: `\${digitalocean_droplet.${greenId}.name}`,
        haproxy: `\${digitalocean_droplet.${haproxyId}.name}`,
      });
      expect(json.output.domain.value).toMatch(/^\$\{digitalocean_domain\..+\.name\}$/);
    });
  });

  describe("user data", () => {

    it("GIVEN the HAProxy droplet WHEN synthesized THEN its haproxy.cfg boots serving through the reserved IP (a Terraform interpolation, and nothing else) until the switch pins its slots", () => {
      expect(haproxy.user_data).toContain(`\${${floatingIpRef}}`);
      // evaluateUserData rejects any other reference or template syntax.
      expect(applied(haproxy.user_data)).toContain(`server blue blue.invalid:8080 check init-addr last,${LAB_IP}`);
    });

    it("GIVEN the HAProxy user data after interpolation THEN the real `cloud-init schema` accepts it", () => {
      const result = checkCloudConfig(applied(haproxy.user_data));
      expect(result.output).toMatch(/Valid cloud-config/);
    });

    it("GIVEN the haproxy.cfg inside the synthesized user data THEN the real `haproxy -c` accepts it with a real IP", () => {
      const cfg = parse(applied(haproxy.user_data)).write_files.find((f: Json) => f.path === HAPROXY_CONFIG_PATH).content;
      expect(cfg).toContain(`server blue blue.invalid:8080 check init-addr last,${LAB_IP}`);
      const result = checkHaproxyConfig(cfg);
      expect(result.output).toMatch(/Configuration file is valid/);
    });

    it("GIVEN the HAProxy user data THEN it installs haproxy and socat and creates the state and socket directories", () => {
      const doc = parse(applied(haproxy.user_data));
      expect(doc.packages).toEqual(expect.arrayContaining(["haproxy", "socat"]));
      const tmpfiles = doc.write_files.find((f: Json) => f.path === "/etc/tmpfiles.d/do-bluegreen.conf").content;
      expect(tmpfiles).toContain("d /var/lib/do-bluegreen 0755 deploy deploy -");
      expect(tmpfiles).toContain("d /run/haproxy 2775 haproxy haproxy -");
    });

    it.each(["web-production-blue", "web-production-green"])("GIVEN %s WHEN synthesized THEN its user data installs Docker, creates the deploy user and passes `cloud-init schema`", (name) => {
      const [, worker] = dropletNamed(json, name);
      const userData = evaluateUserData(worker.user_data);
      expect(parse(userData).packages).toEqual(["docker.io"]);
      expect(parse(userData).users.map((u: Json) => u.name)).toEqual(["deploy"]);
      expect(checkCloudConfig(userData).ok).toBe(true);
    });

    it("GIVEN SSH_USER WHEN synthesized THEN every droplet's cloud-init creates that user", () => {
      const { json: custom } = synthStack({ SSH_USER: "ops" });
      for (const [, droplet] of resourcesOf(custom, "digitalocean_droplet")) {
        expect(parse(evaluateUserData(droplet.user_data, { [floatingIpRef]: LAB_IP })).users.map((u: Json) => u.name)).toEqual(["ops"]);
      }
    });
  });

  describe("TLS", () => {
    it("GIVEN HAPROXY_TLS_CERT_PATH WHEN synthesized THEN HAProxy serves 443, the firewall opens it, and `haproxy -c` accepts the cfg with a real PEM", () => {
      withTempDir((dir) => {
        const pem = writeSelfSignedPem(dir);
        const { text: tls, json: tlsJson } = synthStack({ HAPROXY_TLS_CERT_PATH: pem });
        expect(tls).toHaveResourceWithProperties(Firewall, {
          name: "web-production-haproxy",
          inbound_rule: [
            { protocol: "tcp", port_range: "80", source_addresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", port_range: "443", source_addresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", port_range: "22", source_addresses: [RUNNERS] },
          ],
        });
        const [, tlsHaproxy] = dropletNamed(tlsJson, "web-production-haproxy");
        const userData = applied(tlsHaproxy.user_data);
        expect(checkCloudConfig(userData).ok).toBe(true);
        const cfg = parse(userData).write_files.find((f: Json) => f.path === HAPROXY_CONFIG_PATH).content;
        expect(cfg).toContain(`bind *:443 ssl crt ${pem}`);
        expect(checkHaproxyConfig(cfg).output).toMatch(/Configuration file is valid/);
      });
    });
  });

  describe("secrets", () => {
    const SECRETS: Record<string, string> = {
      DIGITALOCEAN_TOKEN: "dop_v1_" + "5ec7e7".repeat(10),
      AWS_ACCESS_KEY_ID: "DO00SPACESACCESSKEY42",
      AWS_SECRET_ACCESS_KEY: "spaces/secret+key/" + "s3cr3t".repeat(5),
      CI_REGISTRY_PASSWORD: "registry-password-" + "p4ss".repeat(4),
      SSH_PRIVATE_KEY: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-test-only\n-----END OPENSSH PRIVATE KEY-----\n",
      GITHUB_TOKEN: "ghp_" + "g1thub".repeat(6),
    };
    const saved = { ...process.env };
    afterAll(() => {
      process.env = saved;
    });

    it("GIVEN secrets in the environment WHEN the stack is synthesized THEN none of their values appears in the JSON", () => {
      Object.assign(process.env, SECRETS);
      const { text: synthesized } = synthStack({ ...SECRETS, GITHUB_REPOSITORY: "acme/shop" });
      for (const [name, value] of Object.entries(SECRETS)) {
        expect({ name, leaked: synthesized.includes(value) }).toEqual({ name, leaked: false });
      }
      expect(synthesized).not.toMatch(/"(token|access_key|secret_key|password)"\s*:/);
    });
  });
});

describe("BlueGreenStack lifecycle rules (nothing routine replaces a droplet or moves the entry)", () => {
  const { json } = synthStack();
  const lifecycles = Object.fromEntries(
    Object.entries<Json>(json.resource).flatMap(([type, all]) => Object.entries<Json>(all).map(([name, r]) => [`${type}.${name}`, r.lifecycle ?? null])),
  );

  it("GIVEN the stack WHEN synthesized THEN every resource's lifecycle is exactly the pinned one", () => {
    expect(lifecycles).toEqual({
      "digitalocean_vpc.network_vpc_4E8F0223": { prevent_destroy: true },
      "digitalocean_droplet.workers_blue_E84A8D04": { ignore_changes: ["tags", "user_data", "ssh_keys"], prevent_destroy: true },
      "digitalocean_droplet.workers_green_5A8A2750": { ignore_changes: ["tags", "user_data", "ssh_keys"], prevent_destroy: true },
      "digitalocean_reserved_ip.floating-ip_reserved-ip_F32D358E": { ignore_changes: ["droplet_id"], prevent_destroy: true },
      "digitalocean_droplet.haproxy_droplet_7059612A": { ignore_changes: ["user_data", "ssh_keys"], prevent_destroy: true },
      "digitalocean_reserved_ip.entry-ip_reserved-ip_EAC0CC4D": { prevent_destroy: true },
      "digitalocean_firewall.firewalls_workers_F8815A0D": null,
      "digitalocean_firewall.firewalls_haproxy_45F847A5": null,
      "digitalocean_domain.dns_domain_CE934588": { prevent_destroy: true },
      "digitalocean_record.dns_a-record_09DFB2EC": null,
      "digitalocean_project.project_22F52B9F": null,
      "digitalocean_project_resources.project_resources_718CD71D": null,
    });
  });

  it("GIVEN every resource of a type the plan guard protects THEN it carries prevent_destroy (one list: infra/plan-guard.ts GUARDED_TYPES)", () => {
    const guarded = Object.entries(lifecycles).filter(([address]) => GUARDED_TYPES.includes(address.split(".")[0]));
    expect(guarded).toHaveLength(7);
    expect(guarded.filter(([, lifecycle]) => lifecycle?.prevent_destroy !== true).map(([address]) => address)).toEqual([]);
  });

  it("GIVEN every droplet THEN it is shut down gracefully before any delete", () => {
    expect(Object.values<Json>(json.resource.digitalocean_droplet).map((d) => d.graceful_shutdown)).toEqual([true, true, true]);
  });

  it("GIVEN DO_DROPLET_SIZE_GREEN WHEN synthesized THEN only the green worker changes size (one hard power-off at a time)", () => {
    const { json: resized } = synthStack({ DO_DROPLET_SIZE_GREEN: "s-2vcpu-2gb" });
    expect(Object.fromEntries(Object.values<Json>(resized.resource.digitalocean_droplet).map((d) => [d.name, d.size]))).toEqual({
      "web-production-blue": "s-1vcpu-1gb",
      "web-production-green": "s-2vcpu-2gb",
      "web-production-haproxy": "s-1vcpu-512mb-10gb",
    });
  });
});

describe("ALLOW_DESTROY at synth time", () => {
  const BLUE = "digitalocean_droplet.workers_blue_E84A8D04";

  it("GIVEN ALLOW_DESTROY naming one droplet WHEN synthesized THEN exactly that droplet loses prevent_destroy, so Terraform can plan its replacement", () => {
    const { json } = synthStack({ ALLOW_DESTROY: BLUE });
    const withoutProtection = Object.entries<Json>(json.resource.digitalocean_droplet).filter(([, d]) => d.lifecycle.prevent_destroy !== true);
    expect(withoutProtection.map(([name, d]) => [name, d.lifecycle])).toEqual([["workers_blue_E84A8D04", { ignore_changes: ["tags", "user_data", "ssh_keys"], prevent_destroy: false }]]);
  });

  it("GIVEN an address of an unguarded type WHEN synthesized THEN it is refused with the addresses that can be named", () => {
    expect(() => synthStack({ ALLOW_DESTROY: "digitalocean_firewall.firewalls_workers_F8815A0D" })).toThrow(
      /ALLOW_DESTROY="digitalocean_firewall.firewalls_workers_F8815A0D": names no protected resource.*fix: use exact addresses as the plan guard prints them, e.g\. digitalocean_domain\.dns_domain_CE934588, /,
    );
  });

  it("GIVEN a guarded address that is not in the stack (a resource removed from the code) WHEN synthesized THEN it is warned about, for the plan guard alone", () => {
    const stack = new BlueGreenStack(Testing.app(), STACK_NAME, loadConfig({ ...DEPLOYABLE_ENV, ALLOW_DESTROY: "digitalocean_domain.old_domain_1234ABCD" }, "stack"));
    const warnings = stack.node.metadata.filter((entry) => entry.type === "@cdktf/warn").map((entry) => String(entry.data));
    expect(warnings).toEqual(["ALLOW_DESTROY names digitalocean_domain.old_domain_1234ABCD, which is not in this stack: only the plan guard will let its delete through"]);
  });
});

describe("DEPLOY_ENV: environments share an account without sharing a name", () => {
  const namesOf = (json: Json): string[] =>
    Object.entries<Json>(json.resource)
      .filter(([type]) => ["digitalocean_vpc", "digitalocean_droplet", "digitalocean_firewall", "digitalocean_project"].includes(type))
      .flatMap(([, all]) => Object.values<Json>(all).map((r) => r.name));
  const tagsOf = (json: Json): string[] => Object.values<Json>(json.resource.digitalocean_droplet).flatMap((d) => d.tags);

  it("GIVEN DEPLOY_ENV=staging WHEN synthesized THEN names, tags, the project's environment and the state key are staging's", () => {
    const { text, json } = synthStack({ DEPLOY_ENV: "staging" });
    expect(namesOf(json).sort()).toEqual(["web-staging", "web-staging-blue", "web-staging-green", "web-staging-haproxy", "web-staging-haproxy", "web-staging-vpc", "web-staging-workers"]);
    expect(tagsOf(json).sort()).toEqual(["web-staging-balancer", "web-staging-fallback", "web-staging-prod"]);
    expect(text).toHaveResourceWithProperties(Project, { name: "web-staging", environment: "Staging" });
    expect(json.terraform.backend.s3.key).toBe("do-bluegreen/web-staging/terraform.tfstate");
  });

  it("GIVEN staging and production WHEN both are synthesized THEN no account-wide name, tag or state key is shared (the domain must differ: APP_DOMAIN per environment)", () => {
    const staging = synthStack({ DEPLOY_ENV: "staging", APP_DOMAIN: "staging-example.com" }).json;
    const production = synthStack().json;
    const all = (json: Json) => [...namesOf(json), ...tagsOf(json), json.terraform.backend.s3.key, ...Object.values<Json>(json.resource.digitalocean_domain).map((d) => d.name)];
    expect(all(staging).filter((value) => all(production).includes(value))).toEqual([]);
  });
});

describe("BlueGreenStack deploy safety (SSH closed by default)", () => {
  function stackFor(env: Record<string, string>) {
    return new BlueGreenStack(Testing.app(), STACK_NAME, loadConfig(env, "stack"));
  }
  function refusalOf(env: Record<string, string>): ConfigError {
    try {
      stackFor(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error("expected the stack to refuse the deploy");
  }
  const warningsOf = (env: Record<string, string>) => stackFor(env).node.metadata.filter((entry) => entry.type === "@cdktf/warn").map((entry) => String(entry.data));

  it("GIVEN the defaults (no key, no SSH source) WHEN synthesized THEN the deploy is refused in one line naming both, with the fix", () => {
    const error = refusalOf({});
    expect(error.issues.map((i) => i.variable)).toEqual(["DO_SSH_ALLOWED_CIDRS", "DO_SSH_KEYS"]);
    expect(error.oneLine()).toMatch(/^invalid configuration \(2 problems\): DO_SSH_ALLOWED_CIDRS="": empty: nobody could reach SSH.*fix: list your CI runners' and admins' CIDRs.*DO_SSH_KEYS="": empty.*fix: list your key fingerprints/);
    expect(error.exitCode).toBe(2);
  });

  it.each(["0.0.0.0/0", "::/0", "203.0.113.0/24,0.0.0.0/0"])("GIVEN DO_SSH_ALLOWED_CIDRS=%s WHEN synthesized THEN the deploy is refused, naming ALLOW_OPEN_SSH as the way out", (cidrs) => {
    const error = refusalOf({ ...DEPLOYABLE_ENV, DO_SSH_ALLOWED_CIDRS: cidrs });
    expect(error.issues).toEqual([expect.objectContaining({ variable: "DO_SSH_ALLOWED_CIDRS", problem: expect.stringMatching(/opens SSH to the whole internet$/), fix: expect.stringContaining("ALLOW_OPEN_SSH=true") })]);
  });

  it("GIVEN no DO_SSH_KEYS WHEN synthesized THEN the deploy is refused", () => {
    expect(refusalOf({ ...DEPLOYABLE_ENV, DO_SSH_KEYS: "" }).issues.map((i) => i.variable)).toEqual(["DO_SSH_KEYS"]);
  });

  it.each([
    ["root", /root login is off on the droplets.*fix: unset SSH_USER/],
    ["Deploy User", /not a Linux login name/],
  ])("GIVEN SSH_USER=%s WHEN synthesized THEN the deploy is refused (cloud-init could not give that user the keys)", (user, message) => {
    expect(refusalOf({ ...DEPLOYABLE_ENV, SSH_USER: user }).oneLine()).toMatch(message);
  });

  it("GIVEN ALLOW_OPEN_SSH=true with world-open SSH and no key WHEN synthesized THEN the deploy goes ahead, with both warned about", () => {
    const warnings = warningsOf({ ALLOW_OPEN_SSH: "true", DO_SSH_ALLOWED_CIDRS: "0.0.0.0/0,::/0" });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^DO_SSH_KEYS is empty \(ALLOW_OPEN_SSH=true\).*fix: list your key fingerprints/);
    expect(warnings[1]).toMatch(/^DO_SSH_ALLOWED_CIDRS lets the whole internet reach SSH \(ALLOW_OPEN_SSH=true\).*fix: /);
  });

  it("GIVEN ALLOW_OPEN_SSH=true and no SSH source at all WHEN synthesized THEN it is still refused: the switch could not log in", () => {
    expect(refusalOf({ ALLOW_OPEN_SSH: "true", DO_SSH_KEYS: DEPLOYABLE_ENV.DO_SSH_KEYS }).issues.map((i) => i.variable)).toEqual(["DO_SSH_ALLOWED_CIDRS"]);
  });

  it("GIVEN an SSH key and restricted CIDRs WHEN synthesized THEN there is no warning", () => {
    expect(warningsOf(DEPLOYABLE_ENV)).toEqual([]);
  });
});
