import { startSimulator, type RunningSimulator } from "../../../../lab/simulator";
import { baseOptions, BALANCER, BLUE, call, FakeMover, FAR_AWAY, FLOATING_IP, GREEN, SPARE_IP, waitForAction } from "../fixtures";

const assign = (dropletId: number) => ({ body: { type: "assign", droplet_id: dropletId } });

describe.each([
  ["/v2/reserved_ips", "reserved_ip", "reserved_ips"],
  ["/v2/floating_ips", "floating_ip", "floating_ips"],
])("reserved IP routes under %s", (prefix, one, many) => {
  let sim: RunningSimulator;
  let mover: FakeMover;
  beforeEach(async () => {
    mover = new FakeMover();
    sim = await startSimulator(baseOptions(mover));
  });
  afterEach(async () => {
    mover.release();
    await sim.stop();
  });

  it(`GIVEN two reserved IPs WHEN listing THEN ${many} shows each with its droplet or null`, async () => {
    const res = await call(sim, "GET", `${prefix}?per_page=200`);
    expect(res.status).toBe(200);
    expect(res.json[many].map((r: any) => [r.ip, r.droplet?.id ?? null, r.locked])).toEqual([
      [FLOATING_IP, BLUE.id, false],
      [SPARE_IP, null, false],
    ]);
    expect(res.json.meta).toEqual({ total: 2 });
  });

  it(`GIVEN the floating IP on blue WHEN fetched THEN ${one} has region, the full droplet, locked and project_id`, async () => {
    const res = await call(sim, "GET", `${prefix}/${FLOATING_IP}`);
    expect(res.json[one]).toMatchObject({
      ip: FLOATING_IP,
      region: { slug: "fra1", name: "Frankfurt 1" },
      droplet: { id: BLUE.id, name: "blue", tags: ["PROD"], networks: { v4: expect.any(Array) } },
      locked: false,
      project_id: expect.any(String),
    });
  });

  it("GIVEN an unknown IP WHEN fetched or acted on THEN 404 not_found", async () => {
    const get = await call(sim, "GET", `${prefix}/198.18.9.9`);
    const post = await call(sim, "POST", `${prefix}/198.18.9.9/actions`, assign(GREEN.id));
    expect([get.status, post.status]).toEqual([404, 404]);
    expect(post.json.id).toBe("not_found");
    expect(mover.calls).toEqual([]);
  });

  it("GIVEN the IP on blue WHEN assigned to green THEN 201 in-progress, locked and still on blue, then completed on green", async () => {
    mover.hold();
    const started = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(GREEN.id));
    expect(started.status).toBe(201);
    expect(started.json.action).toMatchObject({
      id: expect.any(Number),
      status: "in-progress",
      type: "assign_ip",
      started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      completed_at: null,
      resource_id: 3323068516,
      resource_type: one,
      region_slug: "fra1",
    });
    const id = started.json.action.id;

    const during = (await call(sim, "GET", `${prefix}/${FLOATING_IP}`)).json[one];
    expect([during.locked, during.droplet.id]).toEqual([true, BLUE.id]);
    expect((await call(sim, "GET", `${prefix}/${FLOATING_IP}/actions/${id}`)).json.action.status).toBe("in-progress");

    mover.release();
    const done = await waitForAction(sim, id);
    expect(done).toMatchObject({ status: "completed", completed_at: expect.any(String) });
    expect(mover.calls).toEqual([{ ip: FLOATING_IP, from: BLUE.id, to: GREEN.id }]);
    const after = (await call(sim, "GET", `${prefix}/${FLOATING_IP}`)).json[one];
    expect([after.locked, after.droplet.id]).toEqual([false, GREEN.id]);
    expect((await call(sim, "GET", `${prefix}/${FLOATING_IP}/actions/${id}`)).json.action.status).toBe("completed");
  });

  it("GIVEN an action is pending WHEN another action is posted THEN 422 unprocessable_entity 'has a pending event'", async () => {
    mover.hold();
    await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(GREEN.id));
    const second = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, { body: { type: "unassign" } });
    expect(second.status).toBe(422);
    expect(second.json).toEqual({ id: "unprocessable_entity", message: expect.stringContaining("has a pending event"), request_id: expect.any(String) });
    mover.release();
  });

  it("GIVEN a droplet in another region WHEN assigned THEN 422 naming both regions and nothing moves", async () => {
    const res = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(FAR_AWAY.id));
    expect(res.status).toBe(422);
    expect(res.json.message).toMatch(/fra1.*ams3.*same region/);
    expect((await call(sim, "GET", `${prefix}/${FLOATING_IP}`)).json[one].locked).toBe(false);
    expect(mover.calls).toEqual([]);
  });

  it.each([
    ["an unknown type", { type: "teleport" }, "type"],
    ["assign without droplet_id", { type: "assign" }, "droplet_id"],
    ["a droplet_id as a string", { type: "assign", droplet_id: "102" }, "droplet_id"],
    ["an unknown droplet", { type: "assign", droplet_id: 999 }, "999"],
    ["no body", undefined, "body"],
  ])("GIVEN %s WHEN posting an action THEN 422 mentioning %s", async (_, body, mention) => {
    const res = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, { body });
    expect(res.status).toBe(422);
    expect(res.json.message).toContain(mention);
  });

  it("GIVEN the mover fails WHEN an assign runs THEN the action is errored, the IP stays on blue and is unlocked", async () => {
    mover.failWith = new Error("arping failed");
    const started = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(GREEN.id));
    const done = await waitForAction(sim, started.json.action.id);
    expect(done.status).toBe("errored");
    const ip = (await call(sim, "GET", `${prefix}/${FLOATING_IP}`)).json[one];
    expect([ip.locked, ip.droplet.id]).toEqual([false, BLUE.id]);
    expect(sim.state().actions[0]).toMatchObject({ status: "errored", error: "arping failed" });
  });

  it("GIVEN the IP on blue WHEN unassigned THEN the mover takes it from blue to nobody and the IP has no droplet", async () => {
    const started = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, { body: { type: "unassign" } });
    expect(started.json.action.type).toBe("unassign_ip");
    await waitForAction(sim, started.json.action.id);
    expect(mover.calls).toEqual([{ ip: FLOATING_IP, from: BLUE.id, to: null }]);
    expect((await call(sim, "GET", `${prefix}/${FLOATING_IP}`)).json[one].droplet).toBeNull();
  });

  it("GIVEN the spare IP is unassigned WHEN unassigned again THEN 422", async () => {
    const res = await call(sim, "POST", `${prefix}/${SPARE_IP}/actions`, { body: { type: "unassign" } });
    expect(res.status).toBe(422);
    expect(res.json.message).toContain("not assigned");
  });

  it("GIVEN blue holds the floating IP WHEN the spare IP is assigned to blue THEN 422 (one reserved IP per droplet)", async () => {
    const res = await call(sim, "POST", `${prefix}/${SPARE_IP}/actions`, assign(BLUE.id));
    expect(res.status).toBe(422);
    expect(res.json.message).toContain(FLOATING_IP);
  });

  it("GIVEN green is the target of a pending move WHEN another IP is assigned to green THEN 422 droplet has a pending event", async () => {
    mover.hold();
    await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(GREEN.id));
    const res = await call(sim, "POST", `${prefix}/${SPARE_IP}/actions`, assign(GREEN.id));
    expect(res.status).toBe(422);
    expect(res.json.message).toContain("pending event");
    mover.release();
  });

  it("GIVEN the IP is already on blue WHEN assigned to blue again THEN it completes without calling the mover", async () => {
    const started = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(BLUE.id));
    expect((await waitForAction(sim, started.json.action.id)).status).toBe("completed");
    expect(mover.calls).toEqual([]);
  });

  it("GIVEN a completed action WHEN listing the IP's actions or fetching it under another IP THEN listed there, 404 elsewhere", async () => {
    const started = await call(sim, "POST", `${prefix}/${FLOATING_IP}/actions`, assign(BALANCER.id));
    await waitForAction(sim, started.json.action.id);
    const list = await call(sim, "GET", `${prefix}/${FLOATING_IP}/actions`);
    expect(list.json.actions.map((a: any) => a.id)).toEqual([started.json.action.id]);
    expect((await call(sim, "GET", `${prefix}/${SPARE_IP}/actions/${started.json.action.id}`)).status).toBe(404);
  });
});

describe("GET /v2/actions/{id}", () => {
  it("GIVEN an assign action WHEN polled through /v2/actions THEN it goes from in-progress to completed; unknown ids are 404", async () => {
    const mover = new FakeMover();
    const sim = await startSimulator(baseOptions(mover));
    try {
      mover.hold();
      const started = await call(sim, "POST", `/v2/reserved_ips/${FLOATING_IP}/actions`, assign(GREEN.id));
      const pending = await call(sim, "GET", `/v2/actions/${started.json.action.id}`);
      expect(pending.json.action).toMatchObject({ id: started.json.action.id, status: "in-progress", resource_type: "reserved_ip" });
      expect(sim.state().reservedIps[0]).toMatchObject({ locked: true, pendingActionId: started.json.action.id });
      mover.release();
      expect((await waitForAction(sim, started.json.action.id)).status).toBe("completed");
      expect(sim.state().reservedIps[0]).toMatchObject({ dropletId: GREEN.id, locked: false, pendingActionId: null });
      expect((await call(sim, "GET", "/v2/actions/12345")).status).toBe(404);
    } finally {
      mover.release();
      await sim.stop();
    }
  });

  it("GIVEN actionDelayMs WHEN an action is accepted THEN the mover is not called before the delay has passed", async () => {
    const mover = new FakeMover();
    const sim = await startSimulator(baseOptions(mover, { actionDelayMs: 60_000 }));
    try {
      const started = await call(sim, "POST", `/v2/reserved_ips/${FLOATING_IP}/actions`, assign(GREEN.id));
      await new Promise((r) => setTimeout(r, 50));
      expect(mover.calls).toEqual([]);
      expect((await call(sim, "GET", `/v2/actions/${started.json.action.id}`)).json.action.status).toBe("in-progress");
    } finally {
      await sim.stop();
    }
  });
});
