/**
 * The end-to-end suite: ONE real lab shared by every scenario (starting a lab costs seconds,
 * a cutover more), scenarios run in order against it. Needs root; installs Debian packages if missing.
 */
import { Lab } from "../../lab/lab";
import { startTestLab, stopTestLab } from "./support/lab-fixture";
import { describeLabComponents } from "./scenarios/lab-components";

jest.setTimeout(120_000);

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

describeLabComponents(getLab);
