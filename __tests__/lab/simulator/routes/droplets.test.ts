import { startSimulator, type RunningSimulator, type SimulatedDroplet } from "../../../../lab/simulator";
import { baseOptions, BLUE, call, FakeMover, withSimulator } from "../fixtures";

describe("droplet routes", () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator(baseOptions(new FakeMover()));
  });
  afterAll(async () => {
    await sim.stop();
  });

  it.each([
    ["PROD", [101]],
    ["FALLBACK", [102]],
    ["BALANCER", [103]],
    ["prod", []],
    ["nobody", []],
  ])("GIVEN the seeded droplets WHEN listing with tag_name=%s THEN ids %j come back", async (tag, ids) => {
    const res = await call(sim, "GET", `/v2/droplets?tag_name=${tag}&per_page=200`);
    expect(res.status).toBe(200);
    expect(res.json.droplets.map((d: { id: number }) => d.id)).toEqual(ids);
    expect(res.json.meta).toEqual({ total: ids.length });
  });

  it("GIVEN a droplet WHEN fetched by id THEN it has DigitalOcean's shape with public and private networks", async () => {
    const res = await call(sim, "GET", `/v2/droplets/${BLUE.id}`);
    expect(res.status).toBe(200);
    expect(res.json.droplet).toMatchObject({
      id: 101,
      name: "blue",
      status: "active",
      tags: ["PROD"],
      region: { slug: "fra1", name: "Frankfurt 1" },
      size_slug: "s-1vcpu-1gb",
      networks: {
        v4: expect.arrayContaining([
          expect.objectContaining({ ip_address: BLUE.publicIpv4, type: "public" }),
          expect.objectContaining({ ip_address: BLUE.privateIpv4, type: "private" }),
        ]),
      },
    });
  });

  it.each([["999"], ["abc"]])("GIVEN no droplet %s WHEN fetched THEN 404 not_found", async (id) => {
    const res = await call(sim, "GET", `/v2/droplets/${id}`);
    expect(res.status).toBe(404);
    expect(res.json.id).toBe("not_found");
  });

  it("GIVEN 25 droplets WHEN listing pages of 10 THEN pages hold 10, 10, 5 with DigitalOcean's links", async () => {
    const many: SimulatedDroplet[] = Array.from({ length: 25 }, (_, i) => ({
      id: i + 1,
      name: `d${i + 1}`,
      tags: ["WEB"],
      region: "fra1",
      publicIpv4: `198.18.10.${i + 1}`,
      privateIpv4: `198.19.10.${i + 1}`,
    }));
    await withSimulator({ ...baseOptions(new FakeMover()), droplets: many, reservedIps: [] }, async (big) => {
      const pages = [];
      for (const page of [1, 2, 3]) pages.push((await call(big, "GET", `/v2/droplets?tag_name=WEB&per_page=10&page=${page}`)).json);
      expect(pages.map((p) => p.droplets.length)).toEqual([10, 10, 5]);
      expect(pages.map((p) => p.meta.total)).toEqual([25, 25, 25]);
      expect(Object.keys(pages[0].links.pages)).toEqual(["next", "last"]);
      expect(Object.keys(pages[1].links.pages)).toEqual(["first", "prev", "next", "last"]);
      expect(Object.keys(pages[2].links.pages)).toEqual(["first", "prev"]);
      expect(new URL(pages[0].links.pages.next).searchParams.get("page")).toBe("2");
      expect(new URL(pages[0].links.pages.next).searchParams.get("tag_name")).toBe("WEB");
      const defaultPage = (await call(big, "GET", "/v2/droplets")).json;
      expect(defaultPage.droplets).toHaveLength(20);
    });
  });

  it.each([["per_page=201"], ["per_page=0"], ["page=-1"], ["page=x"]])(
    "GIVEN the paging parameter %s WHEN listing THEN 400 bad_request",
    async (query) => {
      const res = await call(sim, "GET", `/v2/droplets?${query}`);
      expect(res.status).toBe(400);
      expect(res.json.id).toBe("bad_request");
    },
  );
});
