import { startSimulator, type RunningSimulator } from "../../../../lab/simulator";
import { baseOptions, call, FakeMover, FLOATING_IP } from "../fixtures";

describe("domain routes (read only)", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator(baseOptions(new FakeMover()));
  });
  afterAll(async () => {
    await sim.stop();
  });

  it("GIVEN one domain WHEN listing domains THEN it is returned with ttl and a zone file", async () => {
    const res = await call(sim, "GET", "/v2/domains");
    expect(res.json.domains).toEqual([{ name: "example.test", ttl: 1800, zone_file: expect.stringContaining(`www 300 IN A ${FLOATING_IP}`) }]);
    expect(res.json.meta).toEqual({ total: 1 });
  });

  it.each([
    ["example.test", 200],
    ["EXAMPLE.test", 200],
    ["other.test", 404],
  ])("GIVEN domain example.test WHEN GET /v2/domains/%s THEN %i", async (name, status) => {
    expect((await call(sim, "GET", `/v2/domains/${name}`)).status).toBe(status);
  });

  it.each([
    ["", [1, 2, 3]],
    ["?type=A", [2, 3]],
    ["?type=A&name=www.example.test", [3]],
    ["?name=example.test", [1, 2]],
  ])("GIVEN three records WHEN listing records%s THEN ids %j", async (query, ids) => {
    const res = await call(sim, "GET", `/v2/domains/example.test/records${query}`);
    expect(res.json.domain_records.map((r: { id: number }) => r.id)).toEqual(ids);
  });

  it("GIVEN a record WHEN listed THEN it has DigitalOcean's fields", async () => {
    const res = await call(sim, "GET", "/v2/domains/example.test/records?type=A&name=www.example.test");
    expect(res.json.domain_records[0]).toEqual({ id: 3, type: "A", name: "www", data: FLOATING_IP, priority: null, port: null, ttl: 300, weight: null, flags: null, tag: null });
  });

  it.each([["POST"], ["DELETE"], ["PUT"]])("GIVEN domains are read only WHEN %s /v2/domains/example.test/records THEN 404", async (method) => {
    expect((await call(sim, method, "/v2/domains/example.test/records", { body: {} })).status).toBe(404);
  });
});
