import { runCutover, runRollback } from "../../switch/cutover";
import type { Droplet } from "../../switch/model";
import { balancerAmong } from "../../switch/observe";
import { runRepair } from "../../switch/repair";
import { runStatus } from "../../switch/status";
import { captureReporter, deps } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

/** No TAG_* override: the tags come from APP_NAME and DEPLOY_ENV (web-production-prod, ...), as in a real account. */
const NAMESPACED = { TAG_PROD: "", TAG_FALLBACK: "", TAG_BALANCER: "" };

const STAGING: Droplet[] = [
  { id: 21, name: "web-staging-blue", tags: ["web-staging-prod"], region: "nyc3", publicIp: "198.18.1.21", privateIp: "198.18.2.21" },
  { id: 22, name: "web-staging-green", tags: ["web-staging-fallback"], region: "nyc3", publicIp: "198.18.1.22", privateIp: "198.18.2.22" },
  { id: 29, name: "web-staging-haproxy", tags: ["web-staging-balancer"], region: "nyc3", publicIp: "198.18.1.29" },
];

/** One account, two environments: the fake world's three droplets are production's, beside staging's three. */
function account(): FakeWorld {
  const world = new FakeWorld();
  const role: Record<string, string> = { PROD: "web-production-prod", FALLBACK: "web-production-fallback", BALANCER: "web-production-balancer" };
  world.droplets = [...world.droplets.map((d) => ({ ...d, tags: d.tags.map((t) => role[t] ?? t) })), ...STAGING.map((d) => ({ ...d, tags: [...d.tags] }))];
  return world;
}

const touching = (world: FakeWorld, droplet: Droplet) =>
  world.calls.filter((c) => new RegExp(`^do (tag|untag) \\S+ ${droplet.id}$|^do assign \\S+ ${droplet.id}$|^docker ${droplet.name} `).test(c));

describe("staging and production in one account", () => {
  it("GIVEN staging's droplets beside production's WHEN production cuts over, rolls back and repairs THEN no call touches a staging droplet and their tags are unchanged", async () => {
    const world = account();
    const run = () => deps(world, captureReporter().reporter, 100, NAMESPACED);
    expect((await runCutover(run(), { image: "registry.test/web:v2", secrets: {} })).outcome).toBe("deployed");
    expect((await runRollback(run())).outcome).toBe("rolled-back");
    // Two PROD tags in production (a replaced worker): the repair retags production's droplets only.
    world.droplets = world.droplets.map((d) => (d.id === 2 ? { ...d, tags: ["web-production-prod"] } : d));
    expect((await runRepair(run())).outcome).toBe("repaired");

    for (const droplet of STAGING) expect({ droplet: droplet.name, calls: touching(world, droplet) }).toEqual({ droplet: droplet.name, calls: [] });
    expect(world.droplets.filter((d) => d.id > 20)).toEqual(STAGING);
    expect(world.snapshot()).toMatchObject({ ipOn: 1, tags: { 1: ["web-production-prod"], 2: ["web-production-fallback"] } });
    expect(world.calls.filter((c) => /^do (tag|untag)/.test(c)).every((c) => / web-production-(prod|fallback) [12]$/.test(c))).toBe(true);
  });

  it("GIVEN both environments WHEN production's status runs THEN it reports production's droplets only, consistent", async () => {
    const world = account();
    const { config, ports, self } = deps(world, captureReporter().reporter, 100, NAMESPACED);
    const report = await runStatus(ports, config, self);
    expect([report.prod?.droplet, report.fallback?.droplet]).toEqual(["web-blue", "web-green"]);
    expect(report.findings).toEqual([]);
  });

  it("GIVEN both environments WHEN a switch is configured for staging THEN it finds staging's balancer and workers, never production's", async () => {
    const world = account();
    const { config, ports } = deps(world, captureReporter().reporter, 100, { ...NAMESPACED, DEPLOY_ENV: "staging" });
    const droplets = await ports.digitalocean.listDroplets();
    expect(balancerAmong(droplets, config).name).toBe("web-staging-haproxy");
    expect(droplets.filter((d) => d.tags.includes(config.tags.prod) || d.tags.includes(config.tags.fallback)).map((d) => d.name)).toEqual(["web-staging-blue", "web-staging-green"]);
  });
});
