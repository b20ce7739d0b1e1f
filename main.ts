import { App } from "cdktf";
import { loadConfig } from "./core/config";
import { reportFailure } from "./core/cli/entry";
import { BlueGreenStack, STACK_NAME } from "./stacks/bluegreen-stack";
import { refuseUnsafeDeploy } from "./stacks/deploy-safety";

/**
 * Entry point of `cdktf synth|diff|deploy`: validate the configuration and the deploy's safety (SSH keys, SSH sources,
 * the deploy user), then synthesize. Nothing is written before both pass. The only place that exits.
 */
function main(): void {
  try {
    const config = loadConfig(process.env, "stack");
    refuseUnsafeDeploy(config);
    const app = new App();
    new BlueGreenStack(app, STACK_NAME, config);
    app.synth();
  } catch (error) {
    process.exit(reportFailure(error, { prefix: "do-bluegreen", verbose: process.argv.includes("--verbose") }));
  }
}

main();
