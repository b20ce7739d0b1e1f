/**
 * The lab's DigitalOcean API simulator as a detached process (`lab up` returns to the shell).
 * Usage: node --import tsx lab/processes/simulator-main.ts <lab index>
 * It serves the lab's droplets, reserved IP and domain, moves the IP between namespaces for real, and answers DNS for
 * the domain (UDP, plan.dns), so Pebble resolves the app's name from the simulated DigitalOcean's records.
 */
import { readFileSync } from "node:fs";
import { startSimulator } from "../simulator";
import { startDnsServer } from "../simulator/dns-server";
import { planLab } from "../plan";
import { NamespaceAddressMover } from "../network/address-mover";
import { ExecRunner } from "../runner";
import { LAB_ACTION_DELAY_MS, simulatedDomains, simulatedDroplets, simulatedReservedIps } from "../simulated-cloud";
import { SECRET_FILES } from "../switch-env";

async function main(): Promise<void> {
  const plan = planLab(Number(process.argv[2]));
  const token = readFileSync(`${plan.paths.secretsDir}/${SECRET_FILES.DIGITALOCEAN_TOKEN}`, "utf8").trim();
  const domains = simulatedDomains(plan);
  // Bound before the API listens, so the lab's readiness probe (the API) also means DNS answers; from then on it
  // answers from the simulator's live records, so a record created or changed through the API is what Pebble resolves.
  let liveDomains = () => domains;
  const dns = await startDnsServer({ domains: () => liveDomains(), host: plan.dns.host, port: plan.dns.port });
  const simulator = await startSimulator({
    token,
    droplets: simulatedDroplets(plan),
    reservedIps: simulatedReservedIps(plan),
    domains,
    mover: new NamespaceAddressMover(plan, new ExecRunner()),
    actionDelayMs: Number(process.env.LAB_ACTION_DELAY_MS ?? LAB_ACTION_DELAY_MS),
    host: plan.simulator.host,
    port: plan.simulator.port,
    requestLogFile: `${plan.paths.logDir}/simulator-requests.jsonl`,
  });
  liveDomains = () => simulator.domains();
  console.log(`simulator for lab ${plan.index} listening on ${simulator.url}, DNS for ${plan.domain} on ${dns.host}:${dns.port}/udp`);
  const stop = (signal: string) => {
    console.log(`simulator: ${signal}, stopping`);
    void Promise.all([simulator.stop(), dns.stop()]).finally(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(`simulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
