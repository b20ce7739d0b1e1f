import { App } from "cdktf";
import { loadConfig } from "./core/config";
import { asBlueGreenError } from "./core/errors";
import { Redactor } from "./core/redact";
import { BlueGreenStack, STACK_NAME } from "./stacks/bluegreen-stack";

/** Entry point of `cdktf synth|diff|deploy`: validate the configuration, then synthesize. The only place that exits. */
function main(): void {
  try {
    const config = loadConfig(process.env, "stack");
    const app = new App();
    new BlueGreenStack(app, STACK_NAME, config);
    app.synth();
  } catch (error) {
    const failure = asBlueGreenError(error);
    const redactor = Redactor.fromEnv(process.env);
    process.stderr.write(redactor.redact(`do-bluegreen: ${failure.oneLine()}`) + "\n");
    if (process.argv.includes("--verbose") && failure.stack) process.stderr.write(redactor.redact(failure.stack) + "\n");
    process.exit(failure.exitCode);
  }
}

main();
