import { convergedRun, mixedVersionAnswers, msToAllVersion, servingAt } from "../../../lab/load/flip-figures";
import type { RequestSample } from "../../../lab/load/types";

/** A 200 from `version` to a request that started at startMs and was answered at endMs. */
const answer = (startMs: number, endMs: number, version: string, extra: Partial<RequestSample> = {}): RequestSample => ({
  startMs,
  endMs,
  method: "GET",
  kind: "get",
  status: 200,
  version,
  ...extra,
});

describe("mixedVersionAnswers", () => {
  const cases: { name: string; samples: RequestSample[]; window?: [number, number]; expected: number }[] = [
    { name: "an atomic flip", samples: [answer(0, 1, "v1"), answer(10, 11, "v2"), answer(12, 13, "v2")], expected: 0 },
    {
      name: "two versions side by side",
      samples: [answer(0, 1, "v1"), answer(10, 11, "v2"), answer(12, 13, "v1"), answer(14, 15, "v1"), answer(16, 17, "v2")],
      expected: 2,
    },
    { name: "an old answer to a request sent before the first new answer", samples: [answer(9, 12, "v1"), answer(10, 11, "v2")], expected: 0 },
    { name: "a request sent exactly at the first new answer (after is strict)", samples: [answer(10, 11, "v2"), answer(11, 12, "v1")], expected: 0 },
    { name: "no new version at all", samples: [answer(0, 1, "v1"), answer(2, 3, "v1")], expected: 0 },
    {
      name: "a slow request, an upload and a stream that started before the first new answer",
      samples: [
        answer(5, 5005, "v1", { kind: "slow" }),
        answer(6, 200, "v1", { kind: "upload", method: "POST" }),
        answer(7, 9000, "v1", { kind: "stream", events: 30, streamEnd: "server-closed" }),
        answer(10, 11, "v2"),
      ],
      expected: 0,
    },
    {
      name: "a slow request, an upload and a stream started after the first new answer, answered by the old version",
      samples: [
        answer(10, 11, "v2"),
        answer(12, 5012, "v1", { kind: "slow" }),
        answer(13, 200, "v1", { kind: "upload", method: "POST" }),
        answer(14, 9000, "v1", { kind: "stream", events: 30, streamEnd: "client" }),
      ],
      expected: 3,
    },
    {
      name: "a new-version stream ending early: its end is not when it was answered",
      samples: [answer(0, 5, "v2", { kind: "stream", events: 1, streamEnd: "server-closed" }), answer(6, 7, "v1"), answer(20, 21, "v2")],
      expected: 0,
    },
    {
      name: "a window: only requests started in it count, the first new answer included",
      samples: [answer(0, 1, "v2"), answer(2, 3, "v1"), answer(100, 101, "v1"), answer(110, 111, "v2"), answer(120, 121, "v1")],
      window: [100, 200],
      expected: 1,
    },
  ];

  it.each(cases)("GIVEN $name WHEN counted THEN the mixed-version answers are $expected", ({ samples, window, expected }) => {
    expect(window ? mixedVersionAnswers(samples, "v1", "v2", ...window) : mixedVersionAnswers(samples, "v1", "v2")).toBe(expected);
  });
});

describe("servingAt and msToAllVersion: only short requests decide when the target serves everything", () => {
  const cases: { name: string; samples: RequestSample[]; since: number; servingAt: number | null }[] = [
    { name: "a clean flip", samples: [answer(100, 101, "v1"), answer(105, 106, "v2"), answer(107, 108, "v2")], since: 100, servingAt: 106 },
    {
      name: "a stream and a slow request still on v1 after the flip",
      samples: [answer(100, 101, "v1"), answer(105, 106, "v2"), answer(107, 108, "v2"), answer(101, 9000, "v1", { kind: "stream" }), answer(102, 5102, "v1", { kind: "slow" })],
      since: 100,
      servingAt: 106,
    },
    {
      name: "a v1 answer after the first v2 one: the run starts after it",
      samples: [answer(100, 101, "v2"), answer(102, 103, "v1"), answer(104, 106, "v2"), answer(105, 105.5, "v2")],
      since: 100,
      servingAt: 105.5,
    },
    { name: "a failure after the first v2 answer", samples: [answer(100, 101, "v2"), answer(102, 103, "v2", { status: 502 }), answer(104, 105, "v2")], since: 100, servingAt: 105 },
    { name: "never on v2", samples: [answer(100, 101, "v1"), answer(102, 103, "v1")], since: 100, servingAt: null },
    { name: "the last request not on v2", samples: [answer(100, 101, "v2"), answer(102, 103, "v1")], since: 100, servingAt: null },
    { name: "nothing after since", samples: [answer(0, 1, "v2")], since: 100, servingAt: null },
  ];

  it.each(cases)("GIVEN $name WHEN judged THEN v2 serves everything from $servingAt", ({ samples, since, servingAt: expected }) => {
    expect(servingAt(samples, since, Infinity, "v2")).toBe(expected);
    expect(msToAllVersion(samples, "v2", since)).toBe(expected === null ? null : expected - since);
  });

  it("GIVEN an untilMs WHEN msToAllVersion THEN requests started from then on are not looked at", () => {
    const samples = [answer(100, 101, "v2"), answer(200, 201, "v1")];
    expect(msToAllVersion(samples, "v2", 100)).toBeNull();
    expect(msToAllVersion(samples, "v2", 100, 200)).toBe(1);
  });

  it("GIVEN hand-built samples without a kind WHEN the converged run is taken THEN they count as short requests", () => {
    const samples: RequestSample[] = [
      { startMs: 0, endMs: 1, method: "GET", status: 200, version: "v2" },
      { startMs: 2, endMs: 3, method: "POST", status: 200, version: "v2" },
    ];
    expect(convergedRun(samples, 0, Infinity, "v2")).toHaveLength(2);
  });
});
