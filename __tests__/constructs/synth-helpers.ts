import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";
import { Construct } from "constructs";
import { InvalidPropsError } from "../../constructs";

/** Synthesizes constructs in a throwaway stack; returns the JSON text (for cdktf's matchers) and its parsed form. */
export function synth(build: (scope: Construct) => void): { text: string; resources: Record<string, Record<string, any>> } {
  const text = Testing.synthScope(build);
  return { text, resources: JSON.parse(text).resource ?? {} };
}

/** The single resource of a type, failing the test when there is not exactly one. */
export function only(resources: Record<string, Record<string, any>>, type: string): Record<string, any> {
  const all = Object.values(resources[type] ?? {});
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}

export function propsErrorOf(build: (scope: Construct) => void): InvalidPropsError {
  try {
    Testing.synthScope(build);
  } catch (error) {
    if (error instanceof InvalidPropsError) return error;
    throw error;
  }
  throw new Error("expected an InvalidPropsError");
}

// Terraform values the constructs receive from other resources in the real stack.
export const VPC_ID = "vpc-uuid-1";
export const CLOUD_CONFIG = "#cloud-config\npackages: []\n";
export const PLACEMENT = { region: "nyc3", size: "s-1vcpu-1gb", image: "debian-12-x64", vpcUuid: VPC_ID };

const SEGMENT = /\$\{base64decode\("([A-Za-z0-9+/=]*)"\)\}|\$\{([A-Za-z0-9_.-]+)\}/y;

/**
 * What Terraform hands the provider for a user_data expression built by withTerraformValues:
 * base64 segments decoded, references replaced by the given values. Anything else in the
 * expression fails the test, so an accidental template or a stray reference cannot hide.
 */
export function evaluateUserData(expression: string, references: Readonly<Record<string, string>> = {}): string {
  let out = "";
  SEGMENT.lastIndex = 0;
  while (SEGMENT.lastIndex < expression.length) {
    const at = SEGMENT.lastIndex;
    const match = SEGMENT.exec(expression);
    if (!match) throw new Error(`unexpected user_data syntax at offset ${at}: ${expression.slice(at, at + 60)}`);
    if (match[1] !== undefined) out += Buffer.from(match[1], "base64").toString("utf8");
    else if (match[2] in references) out += references[match[2]];
    else throw new Error(`unexpected reference \${${match[2]}} in user_data`);
  }
  return out;
}
