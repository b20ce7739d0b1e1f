import { longLivedCounts, mixedVersionAnswers, servingAt } from "../../../lab/load/flip-figures";
import type { RequestSample } from "../../../lab/load/types";

const answer = (startMs: number, endMs: number, version: string, extra: Partial<RequestSample> = {}): RequestSample => ({ startMs, endMs, method: "GET", status: 200, version, ...extra });

describe("mixedVersionAnswers", () => {
  it.each([
    ["an atomic flip", [answer(0, 1, "v1"), answer(10, 11, "v2"), answer(12, 13, "v2")], 0],
    ["two versions side by side", [answer(0, 1, "v1"), answer(10, 11, "v2"), answer(12, 13, "v1"), answer(14, 15, "v1"), answer(16, 17, "v2")], 2],
    ["an old answer to a request sent before the first new answer", [answer(9, 12, "v1"), answer(10, 11, "v2")], 0],
    ["a slow request that started before the flip", [answer(0, 1, "v1"), answer(10, 11, "v2"), answer(12, 5000, "v1", { kind: "slow" })], 0],
    ["no new version at all", [answer(0, 1, "v1"), answer(2, 3, "v1")], 0],
  ])("GIVEN %s WHEN counted THEN the mixed-version answers are %i", (_name, samples, expected) => {
    expect(mixedVersionAnswers(samples, "v1", "v2", 0, Infinity)).toBe(expected);
  });
});

describe("servingAt: only short requests decide when the target serves everything", () => {
  it("GIVEN a stream still on v1 after the flip WHEN judged THEN the target serves from the first v2 answer of the run", () => {
    const samples = [answer(0, 1, "v1"), answer(5, 6, "v2"), answer(7, 8, "v2"), answer(1, 9000, "v1", { kind: "stream" })];
    expect(servingAt(samples, 0, Infinity, "v2")).toBe(6);
  });
});

describe("longLivedCounts", () => {
  it("GIVEN slow requests, uploads and streams WHEN counted THEN failures and server-closed streams are apart", () => {
    const samples = [
      answer(0, 5000, "v1", { kind: "slow" }),
      answer(0, 100, "v1", { kind: "upload", method: "POST" }),
      { startMs: 0, endMs: 1, method: "POST" as const, kind: "upload" as const, status: null, error: "ECONNRESET" },
      answer(0, 9000, "v1", { kind: "stream", events: 30, streamEnd: "server-closed" }),
      answer(0, 9000, "v2", { kind: "stream", events: 30, streamEnd: "client" }),
      answer(0, 9000, "v1", { kind: "stream", status: 503, events: 0, error: "stream ended after 0 events" }),
    ];
    expect(longLivedCounts(samples)).toEqual({
      slow: { sent: 1, ok: 1, failed: 0 },
      upload: { sent: 2, ok: 1, failed: 1 },
      stream: { sent: 3, ok: 2, failed: 1, closedByServer: 1 },
    });
  });
});
