import { InconsistentStateError } from "../../switch/errors";
import { AppContainer, Droplet, HaproxyServer, LABEL, ObservedState, Plan, RepairPlan, Step, planSteps } from "../../switch/model";
import { diagnose, planCutover, planRepair, planRollback, previousImageOf } from "../../switch/plan";
import type { AuditEntry } from "../../switch/ports";
import { testConfig } from "./fakes/config";
import { configFingerprint } from "../../core/app";
import { Release, releaseOf } from "../../switch/release";

const config = testConfig();
const SALT = "0123456789abcdef0123456789abcdef";
/** The configuration every container below was started with: equal to V2's, so only the image tells them apart. */
const CONFIG_LABEL = configFingerprint(releaseOf(config, "any", {}).config, SALT);
const blue: Droplet = { id: 1, name: "blue", tags: ["PROD"], region: "nyc3", publicIp: "198.18.1.11", privateIp: "198.18.2.11" };
const green: Droplet = { id: 2, name: "green", tags: ["FALLBACK"], region: "nyc3", publicIp: "198.18.1.12" };
const lb: Droplet = { id: 9, name: "lb", tags: ["BALANCER"], region: "nyc3", publicIp: "198.18.1.10" };

const container = (image: string, running = true): AppContainer => ({
  id: `id-${image}-${running}`,
  name: `web-${image.split(":")[1]}`,
  image,
  imageId: `sha256:${image}`,
  digest: `d-${image}`,
  version: image.split(":")[1],
  running,
  state: running ? "running" : "exited",
  createdAt: "2026-11-22T00:00:00Z",
  labels: { [LABEL.app]: "web", [LABEL.config]: CONFIG_LABEL },
});

const steady: HaproxyServer[] = [
  // Pinned to PROD blue's own (private) address, serving.
  { name: "blue", address: "198.18.2.11", port: 8080, status: "UP", admin: "ready", currentSessions: 3 },
  // Armed: FALLBACK green's own address (it has no private one), drained, passing HAProxy's checks.
  { name: "green", address: "198.18.1.12", port: 8080, status: "DRAIN", admin: "drain", currentSessions: 0, checkStatus: "L7OK" },
];
/** A balancer's first boot: blue through the reserved IP, green disabled on its placeholder. */
const newBalancer: HaproxyServer[] = [
  { ...steady[0], address: "198.18.1.100" },
  { ...steady[1], address: "127.0.0.1", admin: "maint", status: "MAINT", checkStatus: undefined },
];
const names = (plan: Plan) => planSteps(plan).map((s) => s.name);
const watched = (plan: Plan) => plan.groups.find((g) => g.watched)!;

interface World {
  prodTags?: string[];
  fallbackTags?: string[];
  ipOn?: number | null;
  ipRegion?: string;
  prodRuns?: string | null;
  fallbackRuns?: string | null;
  haproxy?: HaproxyServer[];
  extraWorker?: boolean;
  /** FALLBACK keeps no stopped app container either (a replaced worker starts empty). */
  fallbackEmpty?: boolean;
}

/** GIVEN a world described in a few words. */
function observed(w: World = {}): ObservedState {
  const b = { ...blue, tags: w.prodTags ?? blue.tags };
  const g = { ...green, tags: w.fallbackTags ?? green.tags };
  const extra: Droplet = { id: 3, name: "stray", tags: ["FALLBACK"], region: "nyc3", publicIp: "198.18.1.13" };
  const all = [b, g, ...(w.extraWorker ? [extra] : [])];
  const runs = (image: string | null | undefined, fallback: string) => (image === null ? [] : [container(image ?? fallback)]);
  return {
    taggedProd: all.filter((d) => d.tags.includes("PROD")),
    taggedFallback: all.filter((d) => d.tags.includes("FALLBACK")),
    balancer: lb,
    reservedIp: { ip: "198.18.1.100", region: w.ipRegion ?? "nyc3", dropletId: w.ipOn === undefined ? 1 : w.ipOn, locked: false },
    workers: {
      1: { droplet: b, containers: runs(w.prodRuns, "registry.test/web:v1") },
      2: { droplet: g, containers: [...runs(w.fallbackRuns, "registry.test/web:v0"), ...(w.fallbackEmpty ? [] : [container("registry.test/web:old", false)])] },
      ...(w.extraWorker ? { 3: { droplet: extra, containers: [] as AppContainer[] } } : ({} as Record<number, never>)),
    },
    haproxy: w.haproxy ?? steady,
    lock: null,
  };
}

const V2 = releaseOf(config, "registry.test/web:v2", {});
const PREPARE = ["pull", "drain", "start", "arm", "gate"];
const FLIP = ["hand-over", "move-ip", "retag", "verify"];
const HAND_BACK = ["hand-back", "move-ip", "drain", "restore-fallback", "arm", "retag"];
const midFlip = [
  { ...steady[0], admin: "drain" as const },
  { ...steady[1], admin: "ready" as const, status: "UP" },
];

describe("planCutover", () => {
  it.each([
    ["a steady world", {}, [...PREPARE, ...FLIP, "finish", "prune"]],
    ["the IP on the FALLBACK-tagged droplet (crash after move-ip)", { ipOn: 2 }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
    ["HAProxy left mid-flip (crash after hand-over)", { haproxy: midFlip }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
    ["a new balancer (slots not pinned yet)", { haproxy: newBalancer }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
    ["the old PROD tagged PROD and FALLBACK (crash after retag's 1st call)", { prodTags: ["PROD", "FALLBACK"], ipOn: 2 }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
    ["both droplets tagged FALLBACK (crash after retag's 2nd call)", { prodTags: ["FALLBACK"], ipOn: 2 }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
    [
      "the new PROD tagged FALLBACK and PROD (crash after retag's 3rd call)",
      { prodTags: ["FALLBACK"], fallbackTags: ["FALLBACK", "PROD"], ipOn: 2 },
      ["repair", ...PREPARE, ...FLIP, "finish", "prune"],
    ],
    ["REF already live on PROD", { prodRuns: "registry.test/web:v2" }, ["verify", "finish"]],
    ["REF already live on PROD, HAProxy mid-flip", { prodRuns: "registry.test/web:v2", haproxy: midFlip }, ["repair", "verify", "finish"]],
    ["PROD runs nothing", { prodRuns: null }, [...PREPARE, ...FLIP, "finish", "prune"]],
    ["two droplets tagged PROD (a replaced worker came back with its creation tag)", { fallbackTags: ["PROD"] }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
    ["the IP unassigned (its droplet was replaced), PROD serving", { ipOn: null }, ["repair", ...PREPARE, ...FLIP, "finish", "prune"]],
  ])("GIVEN %s WHEN planning a cutover THEN the steps are as expected", (_name, world, steps) => {
    expect(names(planCutover(observed(world as World), config, V2))).toEqual(steps);
  });

  it("GIVEN a steady world WHEN planning THEN the new image goes to FALLBACK, its slot is re-armed for the fresh container, the hand-over swaps the slots, and the IP moves there", () => {
    const plan = planCutover(observed(), config, V2);
    const steps = planSteps(plan);
    expect(plan.to.droplet.id).toBe(2);
    expect(plan.from.droplet.id).toBe(1);
    expect(steps).toContainEqual({ name: "pull", dropletId: 2, image: V2.image });
    expect(steps).toContainEqual({ name: "drain", slot: "green" });
    // green has no private address: its slot uses its public one; a fresh container resets the health verdict
    expect(steps).toContainEqual({ name: "arm", slot: "green", dropletId: 2, address: "198.18.1.12", port: 8080, fresh: true });
    expect(steps).toContainEqual({ name: "hand-over", dropletId: 2, slot: "green", from: "blue" });
    expect(steps).toContainEqual({ name: "move-ip", ip: "198.18.1.100", toDropletId: 2 });
    expect(steps).toContainEqual({ name: "retag", prodId: 2, fallbackId: 1 });
    expect(steps).toContainEqual({ name: "verify", dropletId: 2, url: "http://198.18.1.10/health", bake: true });
  });

  it.each([
    // The disabled slot is pinned to PROD first (it carries no request), then blue, once its requests through the IP end.
    ["a new balancer: blue through the reserved IP", newBalancer, "green", "blue", /not pinned to the workers yet: blue sends traffic through reserved IP 198.18.1.100/],
    ["a replaced FALLBACK: green's slot on its old address", [steady[0], { ...steady[1], address: "198.18.1.99" }], "blue", "green", /not armed \(drain\) on FALLBACK green/],
    // The armed slot (no request on it) moves to PROD; blue's, serving a droplet that is gone, becomes FALLBACK's.
    ["a replaced PROD: blue's slot on its old address, green armed", [{ ...steady[0], address: "198.18.2.99" }, steady[1]], "green", "blue", /no HAProxy slot targets PROD blue \(198.18.2.11:8080\)/],
    ["the slots swapped by a cutover, then the IP moved back by hand", [{ ...steady[0], admin: "drain" as const, status: "DRAIN" }, { ...steady[1], admin: "ready" as const, status: "UP" }], "blue", "green", /mid-flip/],
  ])("GIVEN %s WHEN diagnosing THEN one settle-slots repair pins PROD's and FALLBACK's slots", (_name, haproxy, prodSlot, fallbackSlot, why) => {
    const d = diagnose(observed({ haproxy: haproxy as HaproxyServer[] }), config);
    expect(d.repairs).toEqual([{ kind: "settle-slots", prodSlot, fallbackSlot, prodAddress: "198.18.2.11", fallbackAddress: "198.18.1.12", port: 8080, why: expect.stringMatching(why) }]);
    expect(d.slots).toEqual({ prod: prodSlot, fallback: fallbackSlot });
  });

  it("GIVEN the IP on the FALLBACK-tagged droplet WHEN planning THEN the IP holder is PROD and the new image goes to the other droplet", () => {
    const plan = planCutover(observed({ ipOn: 2 }), config, V2);
    expect(planSteps(plan)[0]).toEqual({
      name: "repair",
      actions: [expect.objectContaining({ kind: "retag", prodId: 2, fallbackId: 1 }), expect.objectContaining({ kind: "settle-slots", prodSlot: "green", fallbackSlot: "blue", fallbackAddress: "198.18.2.11" })],
    });
    expect(plan.to.droplet.id).toBe(1);
  });

  it("GIVEN the same world WHEN planning twice THEN the plans are equal (pure)", () => {
    const world = observed({ ipOn: 2 });
    expect(planCutover(world, config, V2)).toEqual(planCutover(world, config, V2));
  });

  it("GIVEN SWITCH_PUBLIC_URL WHEN planning THEN verify asks its health path, else the balancer address health path", () => {
    const verifyUrl = (c: typeof config) => planSteps(planCutover(observed(), c, V2)).find((s) => s.name === "verify") as { url: string };
    expect(verifyUrl(config).url).toBe("http://198.18.1.10/health");
    expect(verifyUrl(testConfig({ SWITCH_PUBLIC_URL: "https://example.com/" })).url).toBe("https://example.com/health");
    expect(verifyUrl(testConfig({ SWITCH_PUBLIC_URL: "https://example.com/app" })).url).toBe("https://example.com/app/health");
  });
});

describe("a release is the image plus its configuration", () => {
  const withApp = (appSpec: Partial<typeof config.appSpec>, secrets: Record<string, string> = {}) =>
    releaseOf({ ...config, appSpec: { ...config.appSpec, ...appSpec } }, V2.image, secrets);
  const live = observed({ prodRuns: V2.image });

  it.each([
    ["the same image and configuration", true, V2],
    ["the same image with a new clear value", false, withApp({ clearEnv: { FEATURE: "on" } })],
    ["the same image with a rotated secret", false, withApp({ secretNames: ["API_KEY"] }, { API_KEY: "rotated-value-1" })],
    ["the same image with a new volume", false, withApp({ volumes: [{ source: "data", target: "/data", readOnly: false }] })],
    ["the same image with a memory limit", false, withApp({ memoryBytes: 512 * 1024 * 1024 })],
    ["the same image with a new command", false, withApp({ command: ["node", "other.js"] })],
  ])("GIVEN v2 live WHEN deploying %s THEN noop is %s", (_name, noop, release) => {
    expect(planCutover(live, config, release).noop).toBe(noop);
  });

  it("GIVEN a live container with no configuration label (deployed before fingerprints) WHEN deploying its image THEN it is a release, not a noop", () => {
    const world = observed({ prodRuns: V2.image });
    const bare = { ...world, workers: { ...world.workers, 1: { ...world.workers[1], containers: world.workers[1].containers.map((c) => ({ ...c, labels: { [LABEL.app]: "web" } })) } } };
    expect(planCutover(bare, config, V2).noop).toBe(false);
  });

  it("GIVEN a preSwitch hook WHEN planning THEN it runs on FALLBACK after the pull and before the start, in the group that restores FALLBACK", () => {
    const plan = planCutover(observed(), config, withApp({ hooks: { preSwitch: { command: ["migrate"], timeoutMs: 1000 } } }));
    expect(names(plan).slice(0, 4)).toEqual(["pull", "hook", "drain", "start"]);
    expect(plan.groups[0].steps[1]).toEqual({ name: "hook", phase: "preSwitch", dropletId: 2 });
    expect(plan.groups[0].undo).toEqual([{ name: "restore-fallback", dropletId: 2 }]);
  });

  it("GIVEN a postSwitch hook WHEN planning THEN it runs after verification in a group that reports instead of undoing", () => {
    const plan = planCutover(observed(), config, withApp({ hooks: { postSwitch: { command: ["notify"], timeoutMs: 1000 } } }));
    const index = plan.groups.findIndex((g) => g.steps.some((s) => s.name === "hook"));
    // After the watched hand-over group and the finish that records the release as served.
    expect(plan.groups[index - 2].watched).toBe(true);
    expect(plan.groups[index - 1].steps.map((s) => s.name)).toEqual(["finish"]);
    expect(plan.groups[index]).toEqual({ steps: [{ name: "hook", phase: "postSwitch", dropletId: 2 }], undo: [], watched: false, onFailure: "report" });
  });

  it("GIVEN hooks WHEN the release is already live THEN no hook runs (only verification)", () => {
    const hooked = withApp({ hooks: { preSwitch: { command: ["m"], timeoutMs: 1 }, postSwitch: { command: ["n"], timeoutMs: 1 } } });
    const label = configFingerprint(hooked.config, SALT);
    const world = observed({ prodRuns: V2.image });
    const same = { ...world, workers: { ...world.workers, 1: { ...world.workers[1], containers: world.workers[1].containers.map((c) => ({ ...c, labels: { ...c.labels, [LABEL.config]: label } })) } } };
    expect(names(planCutover(same, config, hooked))).toEqual(["verify", "finish"]);
  });
});

describe("failure paths are plan data: each group carries its undo", () => {
  const cutover = planCutover(observed(), config, V2);
  const rollback = planRollback(observed(), config);
  const groupOf = (plan: Plan, step: string) => plan.groups.find((g) => g.steps.some((s) => s.name === step))!;

  it.each([
    ["cutover", "pull", cutover, ["restore-fallback"], false],
    ["cutover", "start", cutover, ["restore-fallback"], false],
    ["cutover", "gate", cutover, ["restore-fallback"], false],
    ["cutover", "hand-over", cutover, HAND_BACK, true],
    ["cutover", "move-ip", cutover, HAND_BACK, true],
    ["cutover", "retag", cutover, HAND_BACK, true],
    ["cutover", "verify", cutover, HAND_BACK, true],
    ["cutover", "prune", cutover, [], false],
    ["rollback", "hand-over", rollback, ["hand-back", "move-ip", "retag"], true],
    ["rollback", "verify", rollback, ["hand-back", "move-ip", "retag"], true],
  ])("GIVEN a %s WHEN its step %s fails THEN its group's undo is the planned one", (_kind, step, plan, undo, isWatched) => {
    const group = groupOf(plan as Plan, step as string);
    expect(group.undo.map((s) => s.name)).toEqual(undo);
    expect(group.watched).toBe(isWatched);
  });

  it("GIVEN a cutover from blue to green WHEN its hand-over is undone THEN every new request goes back to blue's slot, still armed on it, and the IP back to blue", () => {
    const undo = watched(cutover).undo;
    expect(undo[0]).toEqual({ name: "hand-back", dropletId: 1, slot: "blue", from: "green" });
    expect(undo).toContainEqual({ name: "move-ip", ip: "198.18.1.100", toDropletId: 1 });
    expect(undo).toContainEqual({ name: "retag", prodId: 1, fallbackId: 2 });
    expect(undo).toContainEqual({ name: "arm", slot: "green", dropletId: 2, address: "198.18.1.12", port: 8080, fresh: true });
  });
});

describe("refusals: nothing is planned", () => {
  it.each([
    ["no worker is tagged", { prodTags: [], fallbackTags: [] }, /no droplet is tagged PROD or FALLBACK/],
    ["two droplets are tagged PROD among three workers", { fallbackTags: ["PROD"], extraWorker: true }, /more than one droplet is tagged PROD/],
    ["only one worker exists", { fallbackTags: [] }, /no droplet is tagged FALLBACK/],
    ["three workers exist", { extraWorker: true }, /more than one droplet is tagged FALLBACK/],
    ["the IP is unassigned and no PROD-tagged worker serves", { ipOn: null, prodRuns: null }, /is not assigned to any droplet, and no PROD-tagged worker runs a healthy web container/],
    ["the IP is unassigned and both workers are tagged PROD and serve", { ipOn: null, fallbackTags: ["PROD"] }, /is not assigned to any droplet, and 2 PROD-tagged workers run one/],
    ["the IP points elsewhere", { ipOn: 42 }, /points to droplet 42/],
    ["the IP is in another region", { ipRegion: "ams3" }, /is in region ams3, not nyc3/],
    ["HAProxy lacks a slot (an older haproxy.cfg)", { haproxy: [steady[0]] }, /lacks the server green \(the balancer runs an older haproxy.cfg\)/],
  ])("GIVEN %s WHEN planning THEN it refuses with a one-line reason", (_name, world, message) => {
    expect(() => planCutover(observed(world as World), config, V2)).toThrow(InconsistentStateError);
    expect(() => planCutover(observed(world as World), config, V2)).toThrow(message);
  });

  it("GIVEN FALLBACK runs nothing WHEN planning a rollback THEN it refuses: the previous version is missing", () => {
    expect(() => planRollback(observed({ fallbackRuns: null }), config)).toThrow(/previous version is missing/);
  });
});

describe("planRollback", () => {
  const unfinished = (world: ObservedState, replaced: boolean): ObservedState => {
    const old = container("registry.test/web:v0", false);
    const fresh = { ...container("registry.test/web:v2"), labels: { [LABEL.app]: "web", [LABEL.deployedAt]: "2026-11-22T12:00:00.000Z", [LABEL.replaces]: old.id } };
    return { ...world, lastAuditAt: "2026-11-22T11:00:00.000Z", workers: { ...world.workers, 2: { droplet: green, containers: [fresh, ...(replaced ? [old] : [])] } } };
  };

  it("GIVEN FALLBACK runs a container from an interrupted cutover WHEN planning a rollback THEN it first restores the container it replaced", () => {
    const plan = planRollback(unfinished(observed(), true), config);
    expect(planSteps(plan)[0]).toEqual({ name: "restore-previous", dropletId: 2, remove: "id-registry.test/web:v2-true", start: ["id-registry.test/web:v0-false"] });
    expect(plan.to.image).toBe("registry.test/web:v0");
    expect(diagnose(unfinished(observed(), true), config).findings).toEqual([expect.stringMatching(/started by a cutover that never finished/)]);
  });

  it("GIVEN that container's predecessor is gone WHEN planning a rollback THEN it refuses", () => {
    expect(() => planRollback(unfinished(observed(), false), config)).toThrow(/interrupted cutover, and the container it replaced is gone/);
  });

  it("GIVEN a steady world (FALLBACK's slot armed and passing) WHEN planning a rollback THEN the hand-over to FALLBACK is the first step, and nothing waits on a drain or a bake", () => {
    const plan = planRollback(observed(), config);
    expect(names(plan)).toEqual([...FLIP, "finish"]);
    expect(planSteps(plan)[0]).toEqual({ name: "hand-over", dropletId: 2, slot: "green", from: "blue" });
    expect(planSteps(plan).find((s) => s.name === "verify")).toMatchObject({ bake: false });
  });

  it("GIVEN FALLBACK's slot not armed WHEN planning a rollback THEN the repair arms it before the hand-over", () => {
    const plan = planRollback(observed({ haproxy: [steady[0], { ...steady[1], admin: "maint" as const, status: "MAINT" }] }), config);
    expect(names(plan)).toEqual(["repair", ...FLIP, "finish"]);
    expect(planSteps(plan)[0]).toMatchObject({ actions: [{ kind: "settle-slots", fallbackSlot: "green" }] });
  });

  it("GIVEN a steady world WHEN planning a rollback THEN it targets FALLBACK's previous version", () => {
    const plan = planRollback(observed(), config);
    expect(plan.to.droplet.id).toBe(2);
    expect(plan.to.image).toBe("registry.test/web:v0");
  });
});

describe("diagnose", () => {
  it.each([
    ["a steady world", {}, []],
    ["the IP on FALLBACK", { ipOn: 2 }, [/interrupted retag/, /mid-flip: green \(PROD green\) is drain/]],
    ["FALLBACK runs nothing", { fallbackRuns: null }, [/previous version is missing/]],
    ["PROD runs nothing", { prodRuns: null }, [/its slot serves nothing healthy/]],
    ["HAProxy mid-flip", { haproxy: midFlip }, [/mid-flip/]],
    ["FALLBACK's slot unarmed", { haproxy: [steady[0], { ...steady[1], admin: "maint" as const, status: "MAINT" }] }, [/rollback is not ready: .* not armed/]],
    ["FALLBACK's slot on another address", { haproxy: [steady[0], { ...steady[1], address: "198.18.1.99" }] }, [/rollback is not ready: .* not armed/]],
    ["a new balancer", { haproxy: newBalancer }, [/not pinned to the workers yet/]],
    ["two droplets tagged PROD", { fallbackTags: ["PROD"] }, [/^two droplets are tagged PROD: blue holds reserved IP 198.18.1.100 and keeps PROD; green \(tagged \[PROD\]\) becomes FALLBACK/]],
    ["the IP unassigned", { ipOn: null }, [/^reserved IP 198.18.1.100 is not assigned to any droplet .*: it goes back to blue, tagged PROD, which runs registry.test\/web:v1$/]],
    ["FALLBACK failing HAProxy's checks", { haproxy: [steady[0], { ...steady[1], status: "DOWN", checkStatus: "L4CON", lastCheck: "Connection refused" }] }, [/rollback is not ready: HAProxy's checks of FALLBACK green fail \(DOWN, check L4CON: Connection refused\)/]],
  ])("GIVEN %s WHEN diagnosing THEN the findings explain it", (_name, world, expected) => {
    const findings = diagnose(observed(world as World), config).findings;
    expect(findings).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(findings[i]).toMatch(re));
  });
});

describe("planRepair: what a replaced worker leaves converges from the observed state", () => {
  const actions = (plan: RepairPlan) => plan.groups.flatMap((g) => g.steps.flatMap((st) => (st.name === "repair" ? st.actions.map((a) => a.kind) : [])));
  const steps = (plan: RepairPlan) => plan.groups.flatMap((g) => g.steps.map((st) => st.name));
  const CUTOVER_V0_V1: AuditEntry[] = [
    { at: "2026-11-22T10:00:00.000Z", who: "ci", command: "cutover", outcome: "deployed", from: { droplet: "green", image: "registry.test/web:v0" }, to: { droplet: "blue", image: "registry.test/web:v1" }, durationMs: 1 },
    { at: "2026-11-22T10:05:00.000Z", who: "ci", command: "maintenance on", outcome: "done", durationMs: 1 },
  ];
  const V0 = releaseOf(config, "registry.test/web:v0", {});

  it.each<[string, World, AuditEntry[], Release | undefined, string[], string[], RegExp | undefined]>([
    ["a steady world", {}, [], undefined, [], [], undefined],
    ["the IP unassigned, PROD serving", { ipOn: null }, [], undefined, ["assign-ip"], ["repair"], undefined],
    ["two droplets tagged PROD, the IP on one", { fallbackTags: ["PROD"] }, [], undefined, ["retag"], ["repair"], undefined],
    [
      "the IP unassigned and both tagged PROD, only green serving (blue was replaced)",
      { ipOn: null, fallbackTags: ["PROD"], prodRuns: null },
      [],
      undefined,
      ["assign-ip", "retag", "settle-slots"],
      ["repair"],
      /repair --image <ref>/,
    ],
    ["FALLBACK's container stopped (kept)", { fallbackRuns: null }, [], undefined, ["start-previous"], ["repair"], undefined],
    ["FALLBACK empty, nothing in the audit log", { fallbackRuns: null, fallbackEmpty: true }, [], undefined, [], [], /repair --image <ref>/],
    ["FALLBACK empty, the audit log names the image the last cutover replaced", { fallbackRuns: null, fallbackEmpty: true }, CUTOVER_V0_V1, undefined, [], [], /npm run switch -- repair --image registry.test\/web:v0 /],
    ["FALLBACK empty and --image", { fallbackRuns: null, fallbackEmpty: true }, CUTOVER_V0_V1, V0, [], ["pull", "start", "gate", "arm", "finish"], undefined],
    [
      "a replaced FALLBACK worker: two PRODs, FALLBACK empty",
      { fallbackTags: ["PROD"], fallbackRuns: null, fallbackEmpty: true },
      CUTOVER_V0_V1,
      undefined,
      ["retag"],
      ["repair"],
      /repair --image registry.test\/web:v0/,
    ],
  ])("GIVEN %s WHEN planning a repair THEN its actions, steps and what is left to a person are as expected", (_name, world, audit, release, kinds, stepNames, unresolvedFix) => {
    const plan = planRepair(observed(world), config, { audit, release });
    expect(actions(plan)).toEqual(kinds);
    expect(steps(plan)).toEqual(stepNames);
    if (unresolvedFix) {
      expect(plan.unresolved?.message).toMatch(/^rollback is unavailable: FALLBACK (green|blue) runs no web container \(the previous version is missing/);
      expect(plan.unresolved?.fix).toMatch(unresolvedFix);
    } else expect(plan.unresolved).toBeUndefined();
  });

  it("GIVEN the IP unassigned WHEN planning THEN it goes to the PROD-tagged worker that serves, and nothing else changes", () => {
    const [group] = planRepair(observed({ ipOn: null }), config, { audit: [] }).groups;
    expect(group.steps).toEqual([{ name: "repair", actions: [{ kind: "assign-ip", ip: "198.18.1.100", dropletId: 1, why: expect.stringMatching(/goes back to blue/) }] }]);
  });

  it("GIVEN two PRODs WHEN planning THEN the IP holder keeps PROD and the other becomes FALLBACK", () => {
    const [group] = planRepair(observed({ fallbackTags: ["PROD"] }), config, { audit: [] }).groups;
    expect(group.steps[0]).toEqual({ name: "repair", actions: [expect.objectContaining({ kind: "retag", prodId: 1, fallbackId: 2 })] });
  });

  it("GIVEN the IP unassigned and only green serves, tagged PROD beside an empty PROD-tagged blue WHEN planning THEN green gets the IP and PROD, blue FALLBACK, and the slots are settled for them", () => {
    const [group] = planRepair(observed({ ipOn: null, fallbackTags: ["PROD"], prodRuns: null }), config, { audit: [] }).groups;
    const step = group.steps[0] as Extract<Step, { name: "repair" }>;
    expect(step.actions.map(({ why: _why, ...a }) => a)).toEqual([
      { kind: "assign-ip", ip: "198.18.1.100", dropletId: 2 },
      { kind: "retag", prodId: 2, fallbackId: 1 },
      // green's slot is armed (no request on it): it is pinned to the new PROD green, and blue's becomes FALLBACK's.
      { kind: "settle-slots", prodSlot: "green", fallbackSlot: "blue", prodAddress: "198.18.1.12", fallbackAddress: "198.18.2.11", port: 8080 },
    ]);
  });

  it("GIVEN FALLBACK's container stopped WHEN planning THEN that container starts again and its slot is armed on green's own address", () => {
    const [group] = planRepair(observed({ fallbackRuns: null }), config, { audit: [] }).groups;
    expect(group.steps[0]).toEqual({
      name: "repair",
      actions: [{ kind: "start-previous", dropletId: 2, containerId: "id-registry.test/web:old-false", slot: "green", address: "198.18.1.12", port: 8080, why: expect.stringMatching(/previous one \(web-old, registry.test\/web:old\) is only stopped/) }],
    });
  });

  it("GIVEN --image for an empty FALLBACK WHEN planning THEN it is pulled, started, gated and armed there, undone by restore-fallback; no hook runs and PROD is not touched", () => {
    const hooked = releaseOf({ ...config, appSpec: { ...config.appSpec, hooks: { preSwitch: { command: ["migrate"], timeoutMs: 1 } } } }, V0.image, {});
    const plan = planRepair(observed({ fallbackRuns: null, fallbackEmpty: true }), config, { audit: [], release: hooked });
    expect(plan.groups).toEqual([
      {
        steps: [
          { name: "pull", dropletId: 2, image: V0.image },
          { name: "start", dropletId: 2, image: V0.image },
          { name: "gate", dropletId: 2 },
          { name: "arm", slot: "green", dropletId: 2, address: "198.18.1.12", port: 8080, fresh: false },
        ],
        undo: [{ name: "restore-fallback", dropletId: 2 }],
        watched: false,
      },
      // The operator names it the previous version, so rollback may flip to it.
      { steps: [{ name: "finish", dropletIds: [2] }], undo: [], watched: false, onFailure: "report" },
    ]);
  });

  it.each<[string, World, AuditEntry[], Release | undefined, RegExp]>([
    ["--image while FALLBACK runs the previous version", {}, [], V0, /FALLBACK green already runs registry.test\/web:v0: --image only redeploys a FALLBACK that lost the previous version/],
    ["the IP pointing at a stranger", { ipOn: 42 }, [], undefined, /points to droplet 42/],
    ["the IP unassigned and nobody serving", { ipOn: null, prodRuns: null, fallbackRuns: null }, [], undefined, /not assigned to any droplet/],
  ])("GIVEN %s WHEN planning a repair THEN it refuses, changing nothing", (_name, world, audit, release, message) => {
    expect(() => planRepair(observed(world), config, { audit, release })).toThrow(message);
  });

  it("GIVEN FALLBACK runs an interrupted cutover's container WHEN planning a repair THEN it refuses: its audit line would make that container look finished", () => {
    const world = observed();
    const fresh = { ...container("registry.test/web:v2"), labels: { [LABEL.app]: "web", [LABEL.deployedAt]: "2026-11-22T12:00:00.000Z" } };
    const unfinished = { ...world, lastAuditAt: "2026-11-22T11:00:00.000Z", workers: { ...world.workers, 2: { droplet: green, containers: [fresh] } } };
    expect(() => planRepair(unfinished, config, { audit: [] })).toThrow(/green runs registry.test\/web:v2, started by a cutover that never finished/);
  });

  it.each<[string, World, string]>([
    ["nobody serves", { ipOn: null, prodRuns: null, fallbackRuns: null }, "assign it to either worker (doctl compute reserved-ip-action assign 198.18.1.100 <droplet id>), then deploy a release: npm run switch -- --image <ref>"],
    ["only the FALLBACK-tagged worker serves", { ipOn: null, prodRuns: null }, "to serve registry.test/web:v0 from green: doctl compute reserved-ip-action assign 198.18.1.100 2, then run `npm run switch -- repair`"],
    ["both PROD-tagged workers serve", { ipOn: null, fallbackTags: ["PROD"] }, "assign it to the worker whose release should serve: doctl compute reserved-ip-action assign 198.18.1.100 1 or 2, then run `npm run switch -- repair`"],
  ])("GIVEN the IP unassigned and %s WHEN diagnosing THEN it is blocking, with the exact command as the fix", (_name, world, fix) => {
    expect(diagnose(observed(world), config).blocking?.fix).toBe(fix);
  });

  it.each<[string, string | undefined, AuditEntry[]]>([
    ["the newest cutover put PROD's image live", "registry.test/web:v0", CUTOVER_V0_V1],
    ["a rollback came after it", undefined, [...CUTOVER_V0_V1, { at: "2026-11-22T11:00:00.000Z", who: "ci", command: "rollback", outcome: "rolled-back", durationMs: 1 }]],
    ["the newest cutover put another image live", undefined, [{ ...CUTOVER_V0_V1[0], to: { droplet: "blue", image: "registry.test/web:v9" } }]],
    ["the cutover failed", undefined, [{ ...CUTOVER_V0_V1[0], outcome: "rejected" }]],
  ])("GIVEN %s WHEN reading the previous image from the audit log THEN it is %s", (_name, image, audit) => {
    expect(previousImageOf(audit, container("registry.test/web:v1"))).toBe(image);
  });
});
