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
