/**
 * The lab's DigitalOcean API simulator as a detached process (`lab up` returns to the shell).
 * Usage: node --import tsx lab/processes/simulator-main.ts <lab index>
 * It serves the lab's droplets and reserved IP, and moves the IP between namespaces for real.
 */
import { readFileSync } from "node:fs";
import { startSimulator } from "../simulator";
import { planLab } from "../plan";
import { NamespaceAddressMover } from "../network/address-mover";
import { ExecRunner } from "../runner";
import { LAB_ACTION_DELAY_MS, simulatedDroplets, simulatedReservedIps } from "../simulated-cloud";
import { SECRET_FILES } from "../switch-env";

async function main(): Promise<void> {
  const plan = planLab(Number(process.argv[2]));
  const token = readFileSync(`${plan.paths.secretsDir}/${SECRET_FILES.DIGITALOCEAN_TOKEN}`, "utf8").trim();
  const simulator = await startSimulator({
    token,
    droplets: simulatedDroplets(plan),
    reservedIps: simulatedReservedIps(plan),
    mover: new NamespaceAddressMover(plan, new ExecRunner()),
    actionDelayMs: Number(process.env.LAB_ACTION_DELAY_MS ?? LAB_ACTION_DELAY_MS),
    host: plan.simulator.host,
    port: plan.simulator.port,
    requestLogFile: `${plan.paths.logDir}/simulator-requests.jsonl`,
  });
  console.log(`simulator for lab ${plan.index} listening on ${simulator.url}`);
  const stop = (signal: string) => {
    console.log(`simulator: ${signal}, stopping`);
    void simulator.stop().finally(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(`simulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
