import { readFileSync } from "node:fs";
import { get } from "node:https";
import { LabPlan } from "../plan";
import { pebbleRootUrl } from "./pebble";

/**
 * Pebble's issuing root, over its management API, trusting only the lab CA (never certificate checks turned off):
 * undefined until Pebble answers, so it doubles as the readiness probe.
 */
export function fetchPebbleRoot(plan: LabPlan, timeoutMs = 2000): Promise<string | undefined> {
  const ca = readFileSync(plan.paths.acmeListenerCa);
  return new Promise((resolve) => {
    const req = get(pebbleRootUrl(plan), { ca, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && body.includes("-----BEGIN CERTIFICATE-----") ? body : undefined));
      res.on("error", () => resolve(undefined));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(undefined));
  });
}
