import { composeSwarmReason } from "../../../bench/report/swarm-reason";
import { report } from "../fixtures";

const observed = report().swarm!;

describe("composeSwarmReason", () => {
  const text = composeSwarmReason(observed, "198.18.4.12", 8080);

  it.each([
    ["the address that never answered and how", "198.18.4.12:8080 never answered (ECONNREFUSED)"],
    ["the missing IPVS", "the kernel has no IPVS (no /proc/net/ip_vs)"],
    ["dockerd's own words", 'dockerd logged "Could not get ipvs family information"'],
    ["the NAT table", "held 0 rule(s) for the port"],
    ["the update state", 'was still "updating" after 12 s under load'],
    ["Swarm's task error verbatim", 'stayed Pending with "no suitable node (host-mode port already in use on 1 node)"'],
    ["who kept answering", "Requests kept being answered by v1."],
  ])("GIVEN the run's observations WHEN the reason is written THEN it states %s", (_what, fragment) => {
    expect(text).toContain(fragment);
  });

  it("GIVEN a run where the routing mesh answered WHEN the reason is written THEN it does not claim the mesh failed", () => {
    const answered = composeSwarmReason({ ...observed, ingress: { ...observed.ingress!, portAnswered: true } }, "198.18.4.12", 8080);
    expect(answered).toContain("the port answered this run");
    expect(answered).not.toContain("never answered");
  });

  it("GIVEN a kernel with IPVS WHEN the reason is written THEN it says so instead of blaming IPVS", () => {
    const withIpvs = composeSwarmReason({ ...observed, ingress: { ...observed.ingress!, ipvsInKernel: true } }, "198.18.4.12", 8080);
    expect(withIpvs).toContain("IPVS is in the kernel");
    expect(withIpvs).not.toContain("has no IPVS");
  });

  it("GIVEN a run where the start-first update completed WHEN the reason is written THEN it claims neither a port conflict nor a stuck update", () => {
    const completed = composeSwarmReason(
      { ...observed, hostModeStartFirst: { ...observed.hostModeStartFirst!, updateState: "completed", newTaskErrors: [], versionsServed: { v1: 10, v2: 90 } } },
      "198.18.4.12",
      8080,
    );
    expect(completed).toContain("start-first completed within 12 s under load.");
    expect(completed).not.toMatch(/forbids|never fails|still "/);
  });

  it("GIVEN the routing mesh answered WHEN the host-mode attempt is described THEN host mode is not called the only mode that answers", () => {
    const answered = composeSwarmReason({ ...observed, ingress: { ...observed.ingress!, portAnswered: true } }, "198.18.4.12", 8080);
    expect(answered).not.toContain("the only mode that answers here");
  });

  it("GIVEN no observations WHEN the reason is written THEN it is empty rather than a stock explanation", () => {
    expect(composeSwarmReason({ ingress: null, hostModeStartFirst: null }, "198.18.4.12", 8080)).toBe("");
  });
});
