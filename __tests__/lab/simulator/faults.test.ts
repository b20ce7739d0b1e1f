import { FaultInjector, InvalidFaultError } from "../../../lab/simulator/faults";

describe("FaultInjector", () => {
  it("GIVEN a fault with count 2 WHEN three requests match THEN the first two take it and it is then gone", () => {
    const faults = new FaultInjector();
    faults.add({ status: 500, count: 2 });
    const taken = [1, 2, 3].map(() => faults.take("GET", "/v2/droplets")?.status ?? null);
    expect(taken).toEqual([500, 500, null]);
    expect(faults.pending()).toEqual([]);
  });

  it.each([
    [{ method: "POST" }, "GET", "/v2/tags", false],
    [{ method: "post" }, "POST", "/v2/tags", true],
    [{ pathPattern: "^/v2/reserved_ips/.*/actions" }, "POST", "/v2/reserved_ips/198.18.0.100/actions", true],
    [{ pathPattern: "^/v2/reserved_ips/.*/actions" }, "GET", "/v2/reserved_ips/198.18.0.100", false],
    [{ method: "GET", pathPattern: "droplets" }, "GET", "/v2/droplets", true],
  ])("GIVEN filter %j WHEN %s %s arrives THEN it matches: %s", (filter, method, path, matches) => {
    const faults = new FaultInjector();
    faults.add({ status: 503, count: 1, ...filter });
    expect(faults.take(method, path) !== null).toBe(matches);
  });

  it("GIVEN two faults WHEN a request matches both THEN the one injected first is used", () => {
    const faults = new FaultInjector();
    faults.add({ status: 429, count: 1 });
    faults.add({ status: 500, count: 1 });
    expect([faults.take("GET", "/x")?.status, faults.take("GET", "/x")?.status]).toEqual([429, 500]);
  });

  it.each([
    [{ status: 200, count: 1 }, "status"],
    [{ status: 500, count: 1.5 }, "count"],
    [{ status: 500, count: 1, retryAfterSeconds: -1 }, "retryAfterSeconds"],
  ])("GIVEN %j WHEN added THEN InvalidFaultError names %s", (spec, field) => {
    expect(() => new FaultInjector().add(spec)).toThrow(InvalidFaultError);
    expect(() => new FaultInjector().add(spec)).toThrow(field);
  });

  it("GIVEN faults WHEN cleared THEN none fire", () => {
    const faults = new FaultInjector();
    faults.add({ status: 500, count: 5 });
    faults.clear();
    expect(faults.take("GET", "/v2/droplets")).toBeNull();
  });
});
