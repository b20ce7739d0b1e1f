import { startSimulator, type RunningSimulator } from "../../../../lab/simulator";
import { baseOptions, BLUE, call, FakeMover, GREEN } from "../fixtures";

const resources = (...ids: number[]) => ({ resources: ids.map((id) => ({ resource_id: String(id), resource_type: "droplet" })) });
const tagsOf = (sim: RunningSimulator, id: number) => sim.state().droplets.find((d) => d.id === id)!.tags;

describe("tag routes", () => {
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator(baseOptions(new FakeMover()));
  });
  afterEach(async () => {
    await sim.stop();
  });

  it("GIVEN a new tag name WHEN POST /v2/tags THEN 201 with the tag and no resources", async () => {
    const res = await call(sim, "POST", "/v2/tags", { body: { name: "canary" } });
    expect(res.status).toBe(201);
    expect(res.json.tag).toMatchObject({ name: "canary", resources: { count: 0, droplets: { count: 0 } } });
    expect(sim.state().tags).toContain("canary");
  });

  it.each([["PROD"], ["prod"]])(
    "GIVEN tag PROD exists WHEN POST /v2/tags {name:%s} THEN 201 with the existing tag in its original case",
    async (name) => {
      const res = await call(sim, "POST", "/v2/tags", { body: { name } });
      expect(res.status).toBe(201);
      expect(res.json.tag).toMatchObject({ name: "PROD", resources: { count: 1, droplets: { count: 1, last_tagged_uri: "/v2/droplets/101" } } });
      expect(sim.state().tags.filter((t) => t.toLowerCase() === "prod")).toEqual(["PROD"]);
    },
  );

  it.each([[{}], [{ name: "" }], [{ name: "has space" }], [{ name: 7 }]])(
    "GIVEN the body %j WHEN POST /v2/tags THEN 400 bad_request",
    async (body) => {
      const res = await call(sim, "POST", "/v2/tags", { body });
      expect(res.status).toBe(400);
      expect(res.json.id).toBe("bad_request");
    },
  );

  it("GIVEN tag PROD WHEN GET /v2/tags/PROD THEN 200; GET /v2/tags/nope THEN 404", async () => {
    expect((await call(sim, "GET", "/v2/tags/PROD")).json.tag.name).toBe("PROD");
    expect((await call(sim, "GET", "/v2/tags/nope")).status).toBe(404);
  });

  it("GIVEN blue is PROD and green FALLBACK WHEN the switch retags (tag green PROD, untag blue) THEN listing by tag follows", async () => {
    const tagged = await call(sim, "POST", "/v2/tags/PROD/resources", { body: resources(GREEN.id) });
    const untagged = await call(sim, "DELETE", "/v2/tags/PROD/resources", { body: resources(BLUE.id) });
    expect([tagged.status, untagged.status]).toEqual([204, 204]);
    expect(tagged.json).toBeUndefined();
    const prod = await call(sim, "GET", "/v2/droplets?tag_name=PROD");
    expect(prod.json.droplets.map((d: { id: number }) => d.id)).toEqual([GREEN.id]);
    expect(tagsOf(sim, GREEN.id)).toEqual(["FALLBACK", "PROD"]);
    expect(tagsOf(sim, BLUE.id)).toEqual([]);
  });

  it("GIVEN a droplet already tagged WHEN tagged again or untagged twice THEN 204 and no duplicates (idempotent)", async () => {
    await call(sim, "POST", "/v2/tags/PROD/resources", { body: resources(BLUE.id) });
    expect(tagsOf(sim, BLUE.id)).toEqual(["PROD"]);
    await call(sim, "DELETE", "/v2/tags/PROD/resources", { body: resources(BLUE.id) });
    const again = await call(sim, "DELETE", "/v2/tags/PROD/resources", { body: resources(BLUE.id) });
    expect(again.status).toBe(204);
    expect(tagsOf(sim, BLUE.id)).toEqual([]);
  });

  it("GIVEN tag PROD WHEN tagging through /v2/tags/prod/resources THEN 404 naming the canonical case", async () => {
    const res = await call(sim, "POST", "/v2/tags/prod/resources", { body: resources(GREEN.id) });
    expect(res.status).toBe(404);
    expect(res.json.message).toContain('"PROD"');
    expect(tagsOf(sim, GREEN.id)).toEqual(["FALLBACK"]);
  });

  it.each([
    ["a numeric resource_id", { resources: [{ resource_id: 102, resource_type: "droplet" }] }, "resource_id"],
    ["an unsupported resource_type", { resources: [{ resource_id: "102", resource_type: "volume" }] }, "resource_type"],
    ["an unknown droplet", { resources: [{ resource_id: "999", resource_type: "droplet" }] }, "999"],
    ["an empty list", { resources: [] }, "resources"],
    ["no resources key", {}, "resources"],
  ])("GIVEN %s WHEN POST /v2/tags/PROD/resources THEN 422 naming %s and nothing changes", async (_, body, mention) => {
    const res = await call(sim, "POST", "/v2/tags/PROD/resources", { body: { ...body } });
    expect(res.status).toBe(422);
    expect(res.json.id).toBe("unprocessable_entity");
    expect(res.json.message).toContain(mention);
    expect(tagsOf(sim, GREEN.id)).toEqual(["FALLBACK"]);
  });

  it("GIVEN one valid and one invalid resource WHEN tagging THEN 422 and the valid one is not tagged either", async () => {
    const res = await call(sim, "POST", "/v2/tags/PROD/resources", {
      body: { resources: [{ resource_id: "102", resource_type: "droplet" }, { resource_id: "999", resource_type: "droplet" }] },
    });
    expect(res.status).toBe(422);
    expect(tagsOf(sim, GREEN.id)).toEqual(["FALLBACK"]);
  });

  it("GIVEN a tag created over the API WHEN used to tag a droplet THEN listing by it finds the droplet", async () => {
    await call(sim, "POST", "/v2/tags", { body: { name: "Canary" } });
    expect((await call(sim, "POST", "/v2/tags/Canary/resources", { body: resources(GREEN.id) })).status).toBe(204);
    const res = await call(sim, "GET", "/v2/droplets?tag_name=Canary");
    expect(res.json.droplets.map((d: { id: number }) => d.id)).toEqual([GREEN.id]);
  });
});
