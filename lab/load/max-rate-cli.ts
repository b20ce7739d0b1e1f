/**
 * Measures how fast the load generator itself can go: a trivial node http server in a child process
 * on 127.0.0.1 (so the two do not share an event loop), then one open-model run per rate.
 *   npx tsx lab/load/max-rate-cli.ts --rates 1000,1500,2000,3000,4000 --seconds 5
 * A rate counts as sustained when nothing failed, at least 99% of the target rate was issued and the median request
 * did not queue (p50 <= 2 ms). Tails (p99, max, schedule lag) are printed but not judged: on a shared 2-core machine
 * they measure whatever else is running. Latency, lag and CPU are taken after a 1 s warm-up (the first connections
 * compile undici's HTTP parser and the JIT warms up); the failure count covers the whole run.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { Command } from "commander";
import { asBlueGreenError } from "../../core/errors";
import { renderTable } from "../report/summary-table";
import { startLoad } from "./start-load";
import { percentile, summarize } from "./stats";

const TRIVIAL_SERVER = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.setHeader("content-type", "application/json");
    res.setHeader("x-app-version", "v1");
    res.end('{"version":"v1"}');
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

const WARM_UP_MS = 1_000;
const MAX_P50_MS = 2;
const MIN_ISSUED_SHARE = 0.99;

async function main(): Promise<void> {
  const options = new Command()
    .option("--rates <list>", "comma-separated request rates to try", "1000,1500,2000,3000,4000,6000")
    .option("--seconds <n>", "duration of each run", "5")
    .option("--post-ratio <r>", "share of POST requests", "0.3")
    .parse()
    .opts<{ rates: string; seconds: string; postRatio: string }>();
  const rates = options.rates.split(",").map(Number);
  const durationMs = Number(options.seconds) * 1000;

  const server = spawn(process.execPath, ["-e", TRIVIAL_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [portLine] = (await once(createInterface({ input: server.stdout! }), "line")) as [string];
    const url = `http://127.0.0.1:${Number(portLine)}/`;
    const rows = [];
    let best: number | undefined;
    for (const rate of rates) {
      const run = startLoad({ url, ratePerSecond: rate, postRatio: Number(options.postRatio), maxDurationMs: durationMs });
      await run.ready;
      await new Promise((resolve) => setTimeout(resolve, WARM_UP_MS));
      // This process only runs the generator (the server is a child), so its CPU time is the generator's.
      const cpuBefore = process.cpuUsage();
      const measuredFrom = performance.now();
      await run.settled;
      const cpu = process.cpuUsage(cpuBefore);
      const measuredMs = performance.now() - measuredFrom;
      const result = await run.stop();
      const whole = summarize(result.samples);
      const summary = summarize(result.samples, { fromMs: WARM_UP_MS });
      const lags = result.samples
        .map((s, i) => s.startMs - (i * 1000) / rate)
        .filter((_, i) => (i * 1000) / rate >= WARM_UP_MS)
        .sort((a, b) => a - b);
      const lagP99 = percentile(lags, 99) ?? 0;
      const cpuPercent = ((cpu.user + cpu.system) / 1000 / measuredMs) * 100;
      const sustained =
        whole.failed === 0 && (summary.rps ?? 0) >= rate * MIN_ISSUED_SHARE && (summary.p50Ms ?? Infinity) <= MAX_P50_MS;
      if (sustained) best = rate;
      rows.push([rate, whole.sent, summary.rps, whole.failed, summary.p50Ms, summary.p99Ms, summary.maxMs, lagP99, cpuPercent, sustained ? "yes" : "no"]);
    }
    process.stdout.write(
      renderTable(
        ["target req/s", "sent", "issued req/s", "failed", "p50 ms*", "p99 ms*", "max ms*", "p99 lag ms*", "generator CPU %*", "sustained"],
        rows,
      ),
    );
    console.log(`* after the first ${WARM_UP_MS} ms`);
    console.log(
      `highest sustained rate: ${best ?? "none"} req/s ` +
        `(no failures, >= ${MIN_ISSUED_SHARE * 100}% of the target issued, p50 <= ${MAX_P50_MS} ms); load average ${loadavg()[0].toFixed(1)}`,
    );
  } finally {
    server.kill();
  }
}

main().catch((error: unknown) => {
  console.error(asBlueGreenError(error).oneLine());
  process.exitCode = 1;
});
