/**
 * The end-to-end suite: ONE real lab shared by every scenario (starting a lab costs seconds,
 * a cutover more), scenarios run in order against it. Needs root; installs Debian packages if missing.
 */
import { Lab } from "../../lab/lab";
import { startTestLab, stopTestLab } from "./support/lab-fixture";
import { describeLabComponents } from "./scenarios/lab-components";
import { describeCutover } from "./scenarios/switch-cutover";
import { describeRefusals } from "./scenarios/switch-refusals";
import { describeApiFaults } from "./scenarios/switch-api-faults";
import { describeConcurrency } from "./scenarios/switch-concurrency";
import { describeCrashRecovery } from "./scenarios/switch-crash";
import { describeHandBack } from "./scenarios/switch-hand-back";
import { describeErrorRateRollback } from "./scenarios/switch-error-rate";
import { describeRealApps } from "./scenarios/switch-real-apps";
import { describeBalancerApply } from "./scenarios/balancer-apply";
import { describeRepair, describeSecondEnvironment } from "./scenarios/switch-repair";
import { SuiteContext } from "./support/context";
import { describeHttps } from "./scenarios/https";
import { describeFirstDeployHostKeys } from "./scenarios/first-deploy-host-keys";

// Above the switch-run limit (SWITCH_RUN_LIMIT_MS) twice over: a crash test runs the switch twice.
jest.setTimeout(240_000);

let lab: Lab | undefined;
const getLab = (): Lab => {
  if (!lab) throw new Error("the lab did not start (see beforeAll)");
  return lab;
};

beforeAll(async () => {
  lab = await startTestLab();
}, 300_000);

afterAll(async () => {
  await stopTestLab(lab);
}, 120_000);

const ctx: SuiteContext = { lab: getLab, current: undefined, cutoverSteps: [] };

// Order matters: each scenario starts from the state the previous one left (ctx.current).
describeLabComponents(getLab);
describeCutover(ctx);
describeHttps(ctx);
describeRefusals(ctx);
describeApiFaults(ctx);
describeConcurrency(ctx);
describeErrorRateRollback(ctx);
describeHandBack(ctx);
describeCrashRecovery(ctx);
describeRealApps(ctx);
describeBalancerApply(ctx);
describeRepair(ctx);
describeSecondEnvironment(ctx);
describeFirstDeployHostKeys(ctx);
