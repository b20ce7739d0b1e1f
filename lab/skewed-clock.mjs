/**
 * A CI runner whose clock is off, for the lab's end-to-end tests only: lab/switch-process.ts preloads this module
 * (node --import) into a switch process when a test asks for `clockSkewMs`, and it shifts Date by LAB_CLOCK_SKEW_MS.
 * The switch itself reads no such setting; its lock takes every time from the balancer's clock, which is the point.
 */
const skew = Number(process.env.LAB_CLOCK_SKEW_MS ?? 0);
if (Number.isFinite(skew) && skew !== 0) {
  const RealDate = globalThis.Date;
  const now = () => RealDate.now() + skew;
  class SkewedDate extends RealDate {
    constructor(...args) {
      super(...(args.length === 0 ? [now()] : args));
    }
    static now() {
      return now();
    }
  }
  globalThis.Date = SkewedDate;
}
