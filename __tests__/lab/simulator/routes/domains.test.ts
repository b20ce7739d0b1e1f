import { startSimulator, type RunningSimulator } from "../../../../lab/simulator";
import { baseOptions, call, FakeMover, FLOATING_IP } from "../fixtures";

describe("domain routes", () => {
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

  it("GIVEN a valid A record WHEN POSTed THEN 201 with a new id, and listing by name finds it", async () => {
    const created = await call(sim, "POST", "/v2/domains/example.test/records", { body: { type: "a", name: "api", data: "198.18.7.2" } });
    expect(created.status).toBe(201);
    expect(created.json.domain_record).toEqual(expect.objectContaining({ type: "A", name: "api", data: "198.18.7.2", ttl: 1800 }));
    const listed = await call(sim, "GET", "/v2/domains/example.test/records?type=A&name=api.example.test");
    expect(listed.json.domain_records.map((r: { id: number }) => r.id)).toEqual([created.json.domain_record.id]);
    await call(sim, "DELETE", `/v2/domains/example.test/records/${created.json.domain_record.id}`);
  });

  it.each([
    ["an unknown type", { type: "SRV", name: "x", data: "198.18.7.2" }, /type must be/],
    ["an A record with a host name", { type: "A", name: "x", data: "balancer.example.test" }, /data is not a valid A/],
    ["an AAAA record with an IPv4 address", { type: "AAAA", name: "x", data: "198.18.7.2" }, /data is not a valid AAAA/],
    ["a name with a space", { type: "A", name: "a b", data: "198.18.7.2" }, /name must be/],
    ["a TTL below 30", { type: "A", name: "x", data: "198.18.7.2", ttl: 5 }, /ttl must be/],
    ["no body", undefined, /JSON object/],
    ["a wildcard name (the lab's DNS matches names literally)", { type: "A", name: "*", data: "198.18.7.2" }, /name must be/],
    ["a CNAME at the apex", { type: "CNAME", name: "@", data: "elsewhere.test." }, /not allowed at the apex/],
    ["a CNAME beside the A record of www", { type: "CNAME", name: "www", data: "example.test." }, /cannot share the name www/],
  ])("GIVEN %s WHEN POSTed THEN 422 naming the field, and nothing is created", async (_, body, message) => {
    const res = await call(sim, "POST", "/v2/domains/example.test/records", { body });
    expect(res.status).toBe(422);
    expect(res.json.message).toMatch(message);
    expect((await call(sim, "GET", "/v2/domains/example.test/records")).json.meta).toEqual({ total: 3 });
  });

  it("GIVEN a CNAME at a name WHEN an A record is added at that name THEN 422, and the CNAME stays the only record there", async () => {
    const cname = (await call(sim, "POST", "/v2/domains/example.test/records", { body: { type: "CNAME", name: "alias", data: "www" } })).json.domain_record.id;
    const res = await call(sim, "POST", "/v2/domains/example.test/records", { body: { type: "A", name: "alias", data: "198.18.7.2" } });
    expect({ status: res.status, message: res.json.message }).toEqual({ status: 422, message: "alias has a CNAME record, which must be the only record at its name." });
    expect((await call(sim, "GET", "/v2/domains/example.test/records?name=alias.example.test")).json.domain_records.map((r: { type: string }) => r.type)).toEqual(["CNAME"]);
    await call(sim, "DELETE", `/v2/domains/example.test/records/${cname}`);
  });

  it("GIVEN a created record WHEN PUT with new data, read, then DELETEd THEN each answer follows, and a second DELETE is 404", async () => {
    const id = (await call(sim, "POST", "/v2/domains/example.test/records", { body: { type: "A", name: "tmp", data: "198.18.7.2", ttl: 60 } })).json.domain_record.id;
    const updated = await call(sim, "PUT", `/v2/domains/example.test/records/${id}`, { body: { data: "198.18.7.3" } });
    expect(updated.json.domain_record).toEqual(expect.objectContaining({ id, name: "tmp", data: "198.18.7.3", ttl: 60 }));
    expect((await call(sim, "GET", `/v2/domains/example.test/records/${id}`)).json.domain_record.data).toBe("198.18.7.3");
    expect((await call(sim, "DELETE", `/v2/domains/example.test/records/${id}`)).status).toBe(204);
    expect((await call(sim, "DELETE", `/v2/domains/example.test/records/${id}`)).status).toBe(404);
  });

  it("GIVEN an A record WHEN PATCHed to type CNAME THEN 422 (a record's type is fixed) and it is unchanged", async () => {
    const res = await call(sim, "PATCH", "/v2/domains/example.test/records/3", { body: { type: "CNAME", data: "example.test." } });
    expect(res.status).toBe(422);
    expect((await call(sim, "GET", "/v2/domains/example.test/records/3")).json.domain_record).toEqual(expect.objectContaining({ type: "A", data: FLOATING_IP }));
  });

  it.each([
    ["POST", "/v2/domains/other.test/records"],
    ["GET", "/v2/domains/example.test/records/999"],
    ["PUT", "/v2/domains/example.test/records/abc"],
  ])("GIVEN no such domain or record WHEN %s %s THEN 404", async (method, path) => {
    const body = method === "GET" ? undefined : { type: "A", name: "x", data: "198.18.7.2" };
    expect((await call(sim, method, path, { body })).status).toBe(404);
  });
});
