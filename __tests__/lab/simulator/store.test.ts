import { ApiProblem } from "../../../lab/simulator/api-problem";
import { SimulatorStore } from "../../../lab/simulator/store";
import { BALANCER, BLUE, FAR_AWAY, FLOATING_IP, GREEN, SPARE_IP } from "./fixtures";

function newStore(now = () => 1_000_000) {
  return new SimulatorStore(
    {
      droplets: [BLUE, GREEN, BALANCER, FAR_AWAY],
      reservedIps: [
        { ip: FLOATING_IP, region: "fra1", dropletId: BLUE.id },
        { ip: SPARE_IP, region: "fra1", dropletId: null },
      ],
    },
    now,
  );
}

function problemOf(fn: () => unknown): { status: number; id: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiProblem) return { status: error.status, id: error.id, message: error.message };
    throw error;
  }
  throw new Error("expected an ApiProblem");
}

describe("SimulatorStore", () => {
  it("GIVEN seed droplets WHEN the store copies them THEN changing the seed later does not change the store", () => {
    const seed = { ...GREEN, tags: ["FALLBACK"] };
    const store = new SimulatorStore({ droplets: [seed], reservedIps: [] });
    seed.tags.push("PROD");
    expect(store.getDroplet(GREEN.id).tags).toEqual(["FALLBACK"]);
  });

  it("GIVEN an assign WHEN started THEN the assignment is unchanged and the IP is locked until completeAction", () => {
    let t = 1_000;
    const store = newStore(() => t);
    const action = store.startAction(FLOATING_IP, { type: "assign", dropletId: GREEN.id });
    expect(action).toMatchObject({ status: "in-progress", fromDropletId: BLUE.id, toDropletId: GREEN.id, startedAt: 1_000, completedAt: null });
    expect(store.getReservedIp(FLOATING_IP)).toMatchObject({ dropletId: BLUE.id, pendingActionId: action.id });

    t = 4_000;
    const done = store.completeAction(action.id);
    expect(done).toMatchObject({ status: "completed", completedAt: 4_000 });
    expect(store.getReservedIp(FLOATING_IP)).toMatchObject({ dropletId: GREEN.id, pendingActionId: null });
  });

  it("GIVEN a pending assign WHEN it fails THEN errored with the reason, assignment unchanged, IP unlocked", () => {
    const store = newStore();
    const action = store.startAction(FLOATING_IP, { type: "assign", dropletId: GREEN.id });
    expect(store.failAction(action.id, "boom")).toMatchObject({ status: "errored", error: "boom" });
    expect(store.getReservedIp(FLOATING_IP)).toMatchObject({ dropletId: BLUE.id, pendingActionId: null });
  });

  it("GIVEN a finished action WHEN completed again THEN it refuses (a bug in the runner, not an API error)", () => {
    const store = newStore();
    const action = store.startAction(FLOATING_IP, { type: "unassign" });
    store.completeAction(action.id);
    expect(() => store.completeAction(action.id)).toThrow(/already completed/);
  });

  it.each([
    ["an unknown IP", "198.18.9.9", { type: "assign" as const, dropletId: GREEN.id }, 404, "not_found"],
    ["an unknown droplet", FLOATING_IP, { type: "assign" as const, dropletId: 999 }, 422, "999"],
    ["a droplet in another region", FLOATING_IP, { type: "assign" as const, dropletId: FAR_AWAY.id }, 422, "same region"],
    ["a droplet that holds another reserved IP", SPARE_IP, { type: "assign" as const, dropletId: BLUE.id }, 422, FLOATING_IP],
    ["unassigning an unassigned IP", SPARE_IP, { type: "unassign" as const }, 422, "not assigned"],
  ])("GIVEN %s WHEN starting an action THEN %i mentioning %s", (_, ip, request, status, mention) => {
    const problem = problemOf(() => newStore().startAction(ip, request));
    expect(problem.status).toBe(status);
    expect(`${problem.id} ${problem.message}`).toContain(mention);
  });

  it.each([
    ["the same IP", FLOATING_IP, { type: "unassign" as const }, "has a pending event"],
    ["another IP to a droplet in the pending move", SPARE_IP, { type: "assign" as const, dropletId: GREEN.id }, "already has a pending event"],
  ])("GIVEN a pending move of the floating IP to green WHEN acting on %s THEN 422 %s", (_, ip, request, mention) => {
    const store = newStore();
    store.startAction(FLOATING_IP, { type: "assign", dropletId: GREEN.id });
    const problem = problemOf(() => store.startAction(ip, request));
    expect([problem.status, problem.id]).toEqual([422, "unprocessable_entity"]);
    expect(problem.message).toContain(mention);
  });

  it("GIVEN actions WHEN started THEN ids increase and listActionsForIp returns only that IP's actions", () => {
    const store = newStore();
    const a = store.startAction(FLOATING_IP, { type: "assign", dropletId: GREEN.id });
    store.completeAction(a.id);
    const b = store.startAction(SPARE_IP, { type: "assign", dropletId: BALANCER.id });
    expect(b.id).toBe(a.id + 1);
    expect(store.listActionsForIp(FLOATING_IP).map((x) => x.id)).toEqual([a.id]);
  });

  describe("tags", () => {
    it("GIVEN droplets seeded with tags WHEN the store starts THEN those tags exist", () => {
      expect(newStore().snapshot().tags).toEqual(["BALANCER", "FALLBACK", "PROD"]);
    });

    it.each([
      ["PROD", { name: "PROD", created: false }],
      ["Prod", { name: "PROD", created: false }],
      ["blue-green:v2", { name: "blue-green:v2", created: true }],
    ])("GIVEN tag PROD WHEN creating %s THEN %j", (name, expected) => {
      expect(newStore().createTag(name)).toEqual(expected);
    });

    it("GIVEN a tag WHEN tagging and untagging a droplet THEN its tags follow", () => {
      const store = newStore();
      store.tagResources("PROD", [{ resource_id: String(GREEN.id), resource_type: "droplet" }]);
      store.untagResources("FALLBACK", [{ resource_id: String(GREEN.id), resource_type: "droplet" }]);
      expect(store.getDroplet(GREEN.id).tags).toEqual(["PROD"]);
      expect(store.getTag("PROD").dropletIds).toEqual([BLUE.id, GREEN.id]);
    });
  });
});
