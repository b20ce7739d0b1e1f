import { parse } from "@cdktf/hcl2json";
import { Testing } from "cdktf";
import { loadConfig } from "../../core/config";
import { BlueGreenStack, STACK_NAME } from "../../stacks/bluegreen-stack";
import { DEPLOYABLE_ENV } from "./deployable-env";

type Json = Record<string, any>;

/** hcl2json writes every block as a list of objects; cdktf's JSON writes single blocks as objects and drops no metadata. */
function normalise(fromJson: unknown, fromHcl: unknown): unknown {
  if (Array.isArray(fromJson)) return fromJson.map((item, i) => normalise(item, Array.isArray(fromHcl) ? fromHcl[i] : undefined));
  if (fromJson && typeof fromJson === "object") {
    const hclObject = Array.isArray(fromHcl) && fromHcl.length === 1 ? fromHcl[0] : fromHcl;
    return Object.fromEntries(
      Object.entries(fromJson)
        .filter(([key]) => key !== "//")
        .map(([key, value]) => [key, normalise(value, (hclObject as Json | undefined)?.[key])]),
    );
  }
  return fromJson;
}

function unwrapBlocks(fromHcl: unknown, shape: unknown): unknown {
  if (Array.isArray(shape)) return (fromHcl as unknown[]).map((item, i) => unwrapBlocks(item, shape[i]));
  if (shape && typeof shape === "object") {
    const object = Array.isArray(fromHcl) && fromHcl.length === 1 ? fromHcl[0] : fromHcl;
    return Object.fromEntries(Object.entries(object as Json).map(([key, value]) => [key, unwrapBlocks(value, (shape as Json)[key])]));
  }
  return fromHcl;
}

// The way out after the CDKTF sunset is `npm run synth:hcl` plus plain Terraform, so the HCL must be
// valid HCL (checked with HashiCorp's own parser, @cdktf/hcl2json) and mean the same as the JSON.
describe("HCL synthesis (the exit path to plain Terraform)", () => {
  const env = { ...DEPLOYABLE_ENV, HAPROXY_TLS_CERT_PATH: "/etc/haproxy/certs/site.pem" };
  let hcl: Json;
  let json: Json;

  beforeAll(async () => {
    const stack = () => new BlueGreenStack(Testing.app(), STACK_NAME, loadConfig(env, "stack"));
    json = JSON.parse(Testing.synth(stack()));
    hcl = await parse("cdk.tf", Testing.synthHcl(stack()));
  });

  it("GIVEN the stack WHEN synthesized as HCL THEN HashiCorp's HCL parser accepts it with the same resources", () => {
    const countsOf = (resources: Json) => Object.fromEntries(Object.entries(resources).map(([type, all]) => [type, Object.keys(all).sort()]));
    expect(countsOf(hcl.resource)).toEqual(countsOf(json.resource));
  });

  it("GIVEN the HCL THEN every resource has exactly the JSON's attributes and values (so the first plain-Terraform plan is empty)", () => {
    for (const [type, resources] of Object.entries<Json>(json.resource)) {
      for (const [name, fromJson] of Object.entries<Json>(resources)) {
        const expected = normalise(fromJson, undefined);
        const actual = unwrapBlocks(hcl.resource[type][name], expected);
        expect({ address: `${type}.${name}`, value: actual }).toEqual({ address: `${type}.${name}`, value: expected });
      }
    }
  });

  it("GIVEN the HCL THEN the outputs are the JSON's", () => {
    for (const [name, output] of Object.entries<Json>(json.output)) {
      expect({ name, value: unwrapBlocks(hcl.output[name], output) }).toEqual({ name, value: output });
    }
  });

  it("GIVEN the HCL THEN the Spaces backend is exactly the JSON's", () => {
    expect(hcl.terraform[0].backend.s3).toEqual([json.terraform.backend.s3]);
  });

  it("GIVEN the HCL THEN every lifecycle rule survives: ignore_changes and prevent_destroy, resource by resource", () => {
    const lifecycles = (resources: Json, unwrap: (value: any) => Json | undefined) =>
      Object.fromEntries(Object.entries<Json>(resources).flatMap(([type, all]) => Object.entries<any>(all).map(([name, r]) => [`${type}.${name}`, unwrap(r)])));
    const fromHcl = lifecycles(hcl.resource, ([r]) => r.lifecycle?.[0]);
    expect(fromHcl).toEqual(lifecycles(json.resource, (r) => r.lifecycle));
    expect(Object.values(fromHcl).filter((l) => l?.prevent_destroy === true)).toHaveLength(7);
    expect(Object.values(fromHcl).filter((l) => l?.ignore_changes?.includes("user_data"))).toHaveLength(3);
  });

  it("GIVEN the HCL THEN every droplet's user data is byte for byte the JSON's, the reserved IP interpolation included", () => {
    for (const [name, [droplet]] of Object.entries<Json[]>(hcl.resource.digitalocean_droplet)) {
      expect({ name, userData: droplet.user_data }).toEqual({ name, userData: json.resource.digitalocean_droplet[name].user_data });
    }
  });

  it("GIVEN the HCL THEN the firewalls keep their droplet ids and rules", () => {
    for (const [name, [firewall]] of Object.entries<Json[]>(hcl.resource.digitalocean_firewall)) {
      const original = json.resource.digitalocean_firewall[name];
      expect({ name, ids: firewall.droplet_ids, inbound: firewall.inbound_rule }).toEqual({ name, ids: original.droplet_ids, inbound: original.inbound_rule });
    }
  });
});
