import { Domain } from "@cdktf/provider-digitalocean/lib/domain";
import { Droplet } from "@cdktf/provider-digitalocean/lib/droplet";
import { Firewall } from "@cdktf/provider-digitalocean/lib/firewall";
import { Project } from "@cdktf/provider-digitalocean/lib/project";
import { DigitaloceanProvider } from "@cdktf/provider-digitalocean/lib/provider";
import { Record as DnsRecord } from "@cdktf/provider-digitalocean/lib/record";
import { ReservedIp } from "@cdktf/provider-digitalocean/lib/reserved-ip";
import { Vpc } from "@cdktf/provider-digitalocean/lib/vpc";
import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";
import { parse } from "yaml";
import { loadConfig } from "../../core/config";
import { HAPROXY_CONFIG_PATH } from "../../core/cloud-init";
import { BlueGreenStack, STACK_NAME } from "../../stacks/bluegreen-stack";
import { checkCloudConfig, checkHaproxyConfig, withTempDir, writeSelfSignedPem } from "../core/debian-validators";
import { evaluateUserData } from "../constructs/synth-helpers";

type Json = Record<string, any>;
const LAB_IP = "198.18.0.10";

function synthStack(env: Record<string, string> = {}): { text: string; json: Json } {
  const text = Testing.synth(new BlueGreenStack(Testing.app(), STACK_NAME, loadConfig(env, "stack")));
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
  const [reservedIpId] = resourcesOf(json, "digitalocean_reserved_ip")[0];
  const [vpcId] = resourcesOf(json, "digitalocean_vpc")[0];
  const [blueId] = dropletNamed(json, "web-blue");
  const [greenId] = dropletNamed(json, "web-green");
  const [haproxyId, haproxy] = dropletNamed(json, "web-haproxy");
  const floatingIpRef = `digitalocean_reserved_ip.${reservedIpId}.ip_address`;
  // What Terraform will send: the user_data expression evaluated, with the address the reserved IP gets.
  const applied = (userData: string) => evaluateUserData(userData, { [floatingIpRef]: LAB_IP });

  describe("resources", () => {
    it("GIVEN the defaults WHEN synthesized THEN exactly the expected resource types and counts are declared", () => {
      const counts = Object.fromEntries(Object.entries(json.resource).map(([type, all]) => [type, Object.keys(all as Json).length]));
      expect(counts).toEqual({
        digitalocean_vpc: 1,
        digitalocean_droplet: 3,
        digitalocean_reserved_ip: 1,
        digitalocean_firewall: 2,
        digitalocean_domain: 1,
        digitalocean_record: 1,
        digitalocean_project: 1,
      });
    });

    it("GIVEN the stack WHEN synthesized THEN no *_assignment resource exists", () => {
      expect(Object.keys(json.resource).filter((type) => type.includes("assignment"))).toEqual([]);
    });

    it("GIVEN the VPC range WHEN synthesized THEN the VPC uses it in the configured region", () => {
      expect(text).toHaveResourceWithProperties(Vpc, { name: "web-vpc", region: "nyc3", ip_range: loadConfig({}, "stack").digitalocean.vpcIpRange });
    });

    it.each([
      ["web-blue", "PROD"],
      ["web-green", "FALLBACK"],
    ])("GIVEN the workers WHEN synthesized THEN %s starts tagged %s in the VPC with ignore_changes on tags", (name, tag) => {
      expect(text).toHaveResourceWithProperties(Droplet, {
        name,
        tags: [tag],
        vpc_uuid: `\${digitalocean_vpc.${vpcId}.id}`,
        lifecycle: { ignore_changes: ["tags"] },
      });
    });

    it("GIVEN the reserved IP WHEN synthesized THEN it starts on the PROD (blue) droplet and ignores droplet_id afterwards", () => {
      expect(text).toHaveResourceWithProperties(ReservedIp, {
        region: "nyc3",
        droplet_id: `\${digitalocean_droplet.${blueId}.id}`,
        lifecycle: { ignore_changes: ["droplet_id"] },
      });
    });

    it("GIVEN the HAProxy droplet WHEN synthesized THEN it carries the BALANCER tag and sits in the VPC", () => {
      expect(text).toHaveResourceWithProperties(Droplet, { name: "web-haproxy", tags: ["BALANCER"], size: "s-1vcpu-512mb-10gb", vpc_uuid: `\${digitalocean_vpc.${vpcId}.id}` });
    });

    it("GIVEN the domain WHEN synthesized THEN an A record points at the HAProxy droplet", () => {
      expect(text).toHaveResourceWithProperties(Domain, { name: "example.com" });
      expect(text).toHaveResourceWithProperties(DnsRecord, { type: "A", name: "@", value: `\${digitalocean_droplet.${haproxyId}.ipv4_address}` });
    });

    it("GIVEN the firewalls WHEN synthesized THEN workers take the app port only from HAProxy and the VPC, SSH only from the CIDRs", () => {
      const { text: custom } = synthStack({ DO_SSH_ALLOWED_CIDRS: "203.0.113.0/24", APP_PORT: "3000" });
      expect(custom).toHaveResourceWithProperties(Firewall, {
        name: "web-workers",
        droplet_ids: `\${tolist([digitalocean_droplet.${blueId}.id, digitalocean_droplet.${greenId}.id])}`,
        inbound_rule: [
          { protocol: "tcp", port_range: "3000", source_droplet_ids: `\${tolist([digitalocean_droplet.${haproxyId}.id])}`, source_addresses: [loadConfig({}, "stack").digitalocean.vpcIpRange] },
          { protocol: "tcp", port_range: "22", source_addresses: ["203.0.113.0/24"] },
        ],
      });
      expect(custom).toHaveResourceWithProperties(Firewall, {
        name: "web-haproxy",
        inbound_rule: [
          { protocol: "tcp", port_range: "80", source_addresses: ["0.0.0.0/0", "::/0"] },
          { protocol: "tcp", port_range: "22", source_addresses: ["203.0.113.0/24"] },
        ],
      });
    });

    it("GIVEN both firewalls WHEN synthesized THEN outbound traffic is allowed (image pulls, apt)", () => {
      for (const [, firewall] of resourcesOf(json, "digitalocean_firewall")) {
        expect(firewall.outbound_rule).toEqual(expect.arrayContaining([expect.objectContaining({ protocol: "tcp", port_range: "1-65535", destination_addresses: ["0.0.0.0/0", "::/0"] })]));
      }
    });

    it("GIVEN the project WHEN synthesized THEN it groups the three droplets, the reserved IP and the domain", () => {
      const [domainId] = resourcesOf(json, "digitalocean_domain")[0];
      expect(text).toHaveResourceWithProperties(Project, {
        name: "do-bluegreen",
        resources: [
          `\${digitalocean_droplet.${blueId}.urn}`,
          `\${digitalocean_droplet.${greenId}.urn}`,
          `\${digitalocean_droplet.${haproxyId}.urn}`,
          `\${digitalocean_reserved_ip.${reservedIpId}.urn}`,
          `\${digitalocean_domain.${domainId}.urn}`,
        ],
      });
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
      expect(Object.keys(json.output).sort()).toEqual(["domain", "droplet_ids", "droplet_names", "floating_ip", "haproxy_ip"]);
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

    it("GIVEN the HAProxy droplet WHEN synthesized THEN its haproxy.cfg targets the reserved IP through a Terraform interpolation, and nothing else", () => {
      expect(haproxy.user_data).toContain(`\${${floatingIpRef}}`);
      // evaluateUserData rejects any other reference or template syntax.
      expect(applied(haproxy.user_data)).toContain(`server floating ${LAB_IP}:8080 check`);
    });

    it("GIVEN the HAProxy user data after interpolation THEN the real `cloud-init schema` accepts it", () => {
      const result = checkCloudConfig(applied(haproxy.user_data));
      expect(result.output).toMatch(/Valid cloud-config/);
    });

    it("GIVEN the haproxy.cfg inside the synthesized user data THEN the real `haproxy -c` accepts it with a real IP", () => {
      const cfg = parse(applied(haproxy.user_data)).write_files.find((f: Json) => f.path === HAPROXY_CONFIG_PATH).content;
      expect(cfg).toContain(`server floating ${LAB_IP}:8080 check`);
      const result = checkHaproxyConfig(cfg);
      expect(result.output).toMatch(/Configuration file is valid/);
    });

    it("GIVEN the HAProxy user data THEN it installs haproxy and socat and creates the state and socket directories", () => {
      const doc = parse(applied(haproxy.user_data));
      expect(doc.packages).toEqual(expect.arrayContaining(["haproxy", "socat"]));
      const tmpfiles = doc.write_files.find((f: Json) => f.path === "/etc/tmpfiles.d/do-bluegreen.conf").content;
      expect(tmpfiles).toContain("d /var/lib/do-bluegreen 0700 root root -");
      expect(tmpfiles).toContain("d /run/haproxy 2775 haproxy haproxy -");
    });

    it.each(["web-blue", "web-green"])("GIVEN %s WHEN synthesized THEN its user data installs Docker and passes `cloud-init schema`", (name) => {
      const [, worker] = dropletNamed(json, name);
      const userData = evaluateUserData(worker.user_data);
      expect(parse(userData).packages).toEqual(["docker.io"]);
      expect(checkCloudConfig(userData).ok).toBe(true);
    });
  });

  describe("TLS", () => {
    it("GIVEN HAPROXY_TLS_CERT_PATH WHEN synthesized THEN HAProxy serves 443, the firewall opens it, and `haproxy -c` accepts the cfg with a real PEM", () => {
      withTempDir((dir) => {
        const pem = writeSelfSignedPem(dir);
        const { text: tls, json: tlsJson } = synthStack({ HAPROXY_TLS_CERT_PATH: pem });
        expect(tls).toHaveResourceWithProperties(Firewall, {
          name: "web-haproxy",
          inbound_rule: [
            { protocol: "tcp", port_range: "80", source_addresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", port_range: "443", source_addresses: ["0.0.0.0/0", "::/0"] },
            { protocol: "tcp", port_range: "22", source_addresses: ["0.0.0.0/0", "::/0"] },
          ],
        });
        const [, tlsHaproxy] = dropletNamed(tlsJson, "web-haproxy");
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

describe("BlueGreenStack warnings", () => {
  function warningsFor(env: Record<string, string>): string[] {
    const stack = new BlueGreenStack(Testing.app(), STACK_NAME, loadConfig(env, "stack"));
    return stack.node.metadata.filter((entry) => entry.type === "@cdktf/warn").map((entry) => String(entry.data));
  }

  it("GIVEN no SSH keys and SSH open to the internet (the defaults) WHEN synthesized THEN both are warned about, with the fix", () => {
    const warnings = warningsFor({});
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^DO_SSH_KEYS is empty.*fix: list your key fingerprints/);
    expect(warnings[1]).toMatch(/^DO_SSH_ALLOWED_CIDRS lets the whole internet reach SSH.*fix: /);
  });

  it("GIVEN SSH keys and restricted CIDRs WHEN synthesized THEN there is no warning", () => {
    expect(warningsFor({ DO_SSH_KEYS: "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa", DO_SSH_ALLOWED_CIDRS: "203.0.113.0/24" })).toEqual([]);
  });
});
