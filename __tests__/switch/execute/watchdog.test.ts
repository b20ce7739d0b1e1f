import { EMPTY_TALLY, tally, tripReason, verdictOf } from "../../../switch/execute/watchdog";
import type { HaproxyServer } from "../../../switch/model";

const slot = (name: string, admin: HaproxyServer["admin"], responses: number, serverErrors: number, connectionErrors = 0, status = admin === "ready" ? "UP" : "DRAIN"): HaproxyServer => ({
  name,
  address: name === "floating" ? "198.18.1.100" : "198.18.2.12",
  port: 8080,
  status,
  admin,
  currentSessions: 0,
  checkStatus: status === "DOWN" ? "L4CON" : "L7OK",
  lastCheck: status === "DOWN" ? "Connection refused" : undefined,
  traffic: { responses, serverErrors, connectionErrors, responseTimeMs: 4 },
});

const TRIGGER = { errorRatio: 0.01, minResponses: 50 };

describe("the watchdog's tally: only the serving slot counts", () => {
  it("GIVEN the hand-over to spare WHEN both slots' counters grow THEN only spare's growth counts (floating is draining the old version)", () => {
    const t0 = tally(EMPTY_TALLY, [slot("floating", "drain", 1000, 0), slot("spare", "ready", 0, 0)]);
    const now = [slot("floating", "drain", 1010, 5), slot("spare", "ready", 200, 1)];
    expect(verdictOf(tally(t0, now), now)).toMatchObject({ responses: 200, errors: 1 });
  });

  it("GIVEN floating takes over from spare WHEN counting THEN spare's served share is kept and floating counts from its own start", () => {
    let t = tally(EMPTY_TALLY, [slot("floating", "maint", 1000, 9), slot("spare", "ready", 0, 0)]);
    t = tally(t, [slot("floating", "ready", 1000, 9), slot("spare", "drain", 300, 3)]);
    const now = [slot("floating", "ready", 1100, 10), slot("spare", "drain", 305, 3)];
    expect(verdictOf(tally(t, now), now)).toMatchObject({ responses: 400, errors: 4 });
  });

  it("GIVEN failed connections WHEN counting THEN each is a failed request", () => {
    const t0 = tally(EMPTY_TALLY, [slot("spare", "ready", 0, 0, 0)]);
    const now = [slot("spare", "ready", 10, 0, 40)];
    expect(verdictOf(tally(t0, now), now)).toMatchObject({ responses: 50, errors: 40 });
  });

  it("GIVEN counters that went back (HAProxy reloaded) WHEN counting THEN they restart at 0 instead of going negative", () => {
    const t0 = tally(EMPTY_TALLY, [slot("spare", "ready", 500, 5)]);
    const now = [slot("spare", "ready", 20, 0)];
    expect(verdictOf(tally(t0, now), now)).toMatchObject({ responses: 20, errors: 0 });
  });
});

describe("tripReason: when the serving release is handed back", () => {
  const healthy = [slot("floating", "drain", 0, 0), slot("spare", "ready", 0, 0)];
  it.each([
    ["a healthy release with few errors", healthy, { responses: 1000, errors: 10 }, undefined],
    ["errors above 1% but under 50 responses", healthy, { responses: 40, errors: 10 }, undefined],
    ["20% errors over 100 responses", healthy, { responses: 100, errors: 20 }, /failed 20 of 100 requests \(20\.0% > 1\.0%/],
    ["the serving slot DOWN", [slot("floating", "drain", 0, 0), slot("spare", "ready", 0, 0, 0, "DOWN")], { responses: 0, errors: 0 }, /HAProxy marked the serving slot spare \(198\.18\.2\.12:8080\) DOWN, check L4CON: Connection refused/],
    ["no slot serving", [slot("floating", "drain", 0, 0), slot("spare", "drain", 0, 0)], { responses: 0, errors: 0 }, /no HAProxy slot is serving/],
  ])("GIVEN %s WHEN judged THEN the reason is as expected", (_name, servers, traffic, expected) => {
    const reason = tripReason(servers, { ...traffic, responseTimeMs: 3 }, TRIGGER);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});
