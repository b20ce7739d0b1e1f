import { readFileSync } from "node:fs";
import { Agent, fetch } from "undici";
import type { LoadTlsOptions } from "./load/types";
import { LabPlan } from "./plan";

/**
 * The lab's public entry as users reach it: HTTPS on the balancer's address, for the app's domain, trusting the root of
 * the lab's Pebble (it changes at every Pebble start, so it is read from the running lab). Plain HTTP there is
 * redirected once `lab up` has the certificate.
 */
export interface PublicEntry {
  readonly url: string;
  readonly tls: LoadTlsOptions;
}

export function publicEntry(plan: LabPlan): PublicEntry {
  return { url: `https://${plan.balancer.publicIp}/`, tls: { ca: readFileSync(plan.paths.acmeRootCa, "utf8"), servername: plan.domain } };
}

/** An undici Agent that checks the entry's certificate against its CA, for its name. The caller closes it. */
export function entryDispatcher(entry: PublicEntry): Agent {
  return new Agent({ connect: { ca: entry.tls.ca, servername: entry.tls.servername } });
}

/** One request to the public entry over HTTPS, the certificate checked against Pebble's root for the app's domain. */
export async function publicFetch(plan: LabPlan, path: string, init: { headers?: Record<string, string>; timeoutMs?: number; redirect?: "manual" | "follow" } = {}) {
  const entry = publicEntry(plan);
  const dispatcher = entryDispatcher(entry);
  try {
    const res = await fetch(new URL(path, entry.url), { headers: init.headers, redirect: init.redirect ?? "manual", signal: AbortSignal.timeout(init.timeoutMs ?? 5000), dispatcher });
    return { status: res.status, headers: res.headers, body: await res.text() };
  } finally {
    await dispatcher.close();
  }
}
