import {
  bucketize,
  countsByKind,
  failureReasons,
  kindOf,
  longLivedCounts,
  markAt,
  MarkNotFoundError,
  NO_VERSION,
  percentile,
  summarize,
  versionsAfter,
  windowOf,
} from "../../../lab/load/stats";
import type { RequestSample } from "../../../lab/load/types";

/** A sample starting at `startMs` that took `latencyMs`; 200 from v1 unless overridden. */
function sample(startMs: number, latencyMs = 1, over: Partial<RequestSample> = {}): RequestSample {
  return { startMs, endMs: startMs + latencyMs, method: "GET", status: 200, version: "v1", ...over };
}

describe("summarize", () => {
  const reset = { status: null, error: "ECONNRESET", version: undefined };
  const cases: { name: string; samples: RequestSample[]; expected: Partial<ReturnType<typeof summarize>> }[] = [
    { name: "no samples", samples: [], expected: { sent: 0, ok: 0, failed: 0, p50Ms: null, p99Ms: null, maxMs: null, rps: null } },
    {
      name: "all ok",
      samples: [sample(0), sample(10), sample(20)],
      expected: { sent: 3, ok: 3, failed: 0, non2xx: 0, socketErrors: 0 },
    },
    {
      name: "a 503 counts as non-2xx and failed",
      samples: [sample(0), sample(1, 1, { status: 503 })],
      expected: { sent: 2, ok: 1, failed: 1, non2xx: 1, socketErrors: 0 },
    },
    {
      name: "a 302 and a 101 are not successes either",
      samples: [sample(0, 1, { status: 302 }), sample(1, 1, { status: 101 })],
      expected: { sent: 2, ok: 0, failed: 2, non2xx: 2, socketErrors: 0 },
    },
    {
      name: "a socket error and a timeout count as socket errors and failed",
      samples: [sample(0, 1, reset), sample(1, 5000, { status: null, error: "timeout" }), sample(2)],
      expected: { sent: 3, ok: 1, failed: 2, non2xx: 0, socketErrors: 2, maxMs: 5000 },
    },
    {
      name: "a body that broke off after the status counts once, as a socket error",
      samples: [sample(0, 1, { status: 200, error: "UND_ERR_SOCKET" })],
      expected: { sent: 1, ok: 0, failed: 1, non2xx: 0, socketErrors: 1 },
    },
    {
      name: "non-2xx and socket errors add up",
      samples: [sample(0, 1, { status: 500 }), sample(1, 1, reset), sample(2, 1, { status: 404 }), sample(3)],
      expected: { sent: 4, ok: 1, failed: 3, non2xx: 2, socketErrors: 1 },
    },
  ];

  it.each(cases)("GIVEN $name WHEN summarized THEN the counts match", ({ samples, expected }) => {
    expect(summarize(samples)).toMatchObject(expected);
  });

  it("GIVEN latencies 1..100 ms WHEN summarized THEN p50, p99 and max are nearest-rank values", () => {
    const samples = Array.from({ length: 100 }, (_, i) => sample(i * 10, 100 - i)); // latencies 100 down to 1
    expect(summarize(samples)).toMatchObject({ p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it("GIVEN 1,000 samples over 1 s WHEN summarized THEN rps is about 1,000", () => {
    const samples = Array.from({ length: 1001 }, (_, i) => sample(i));
    expect(summarize(samples).rps).toBeCloseTo(1001, 0);
    expect(summarize(samples, { fromMs: 0, toMs: 500 })).toMatchObject({ sent: 500, rps: 1000 });
  });

  it("GIVEN a window WHEN summarized THEN only requests STARTING in [from, to) count", () => {
    const samples = [sample(99, 50, { status: 500 }), sample(100), sample(150, 1, { status: 502 }), sample(199.9), sample(200)];
    expect(summarize(samples, { fromMs: 100, toMs: 200 })).toMatchObject({ sent: 3, ok: 2, failed: 1, non2xx: 1 });
    expect(summarize(samples, { fromMs: 150 })).toMatchObject({ sent: 3, failed: 1 });
    expect(summarize(samples, { toMs: 100 })).toMatchObject({ sent: 1, failed: 1 });
  });

  it("GIVEN a slow request, an upload and a stream beside short requests WHEN summarized THEN they count but latency is the short requests'", () => {
    const samples = [
      sample(0, 2),
      sample(1, 4, { method: "POST", kind: "post" }),
      sample(2, 5000, { kind: "slow" }),
      sample(3, 300, { method: "POST", kind: "upload", status: 502 }),
      sample(4, 60_000, { kind: "stream", events: 240, streamEnd: "client" }),
    ];
    expect(summarize(samples)).toMatchObject({ sent: 5, ok: 4, failed: 1, non2xx: 1, p50Ms: 2, p99Ms: 4, maxMs: 4 });
  });

  it("GIVEN 200,000 samples WHEN summarized and bucketized THEN it does not overflow the stack", () => {
    const samples = Array.from({ length: 200_000 }, (_, i) => sample(i / 10));
    expect(summarize(samples).sent).toBe(200_000);
    expect(bucketize(samples, 100)).toHaveLength(200);
  });
});

describe("percentile", () => {
  it.each([
    { list: [], p: 50, expected: null },
    { list: [7], p: 50, expected: 7 },
    { list: [7], p: 99, expected: 7 },
    { list: [1, 2], p: 50, expected: 1 },
    { list: [1, 2], p: 99, expected: 2 },
    { list: [1, 2, 3, 4], p: 0, expected: 1 },
    { list: [1, 2, 3, 4], p: 100, expected: 4 },
  ])("GIVEN $list WHEN p$p THEN $expected", ({ list, p, expected }) => {
    expect(percentile(list, p)).toBe(expected);
  });
});

describe("versionsAfter", () => {
  const samples = [
    sample(0, 1, { version: "v1" }),
    sample(999.9, 1, { version: "v1" }),
    sample(1000, 1, { version: "v2" }),
    sample(1500, 1, { version: "v2" }),
    sample(1600, 1, { version: undefined }),
    sample(1700, 1, { status: null, error: "ECONNRESET", version: undefined }),
    sample(1800, 1, { status: 503, version: "v2" }),
  ];

  it("GIVEN a request starting exactly at the instant WHEN counted THEN it is included (boundary inclusive)", () => {
    expect(versionsAfter(samples.slice(0, 4), 1000)).toEqual({ v2: 2 });
  });

  it("GIVEN an instant a hair later WHEN counted THEN the request at the boundary is excluded", () => {
    expect(versionsAfter(samples.slice(0, 4), 1000.001)).toEqual({ v2: 1 });
  });

  it("GIVEN failures and unreadable versions after the instant WHEN counted THEN they appear under their own keys", () => {
    expect(versionsAfter(samples, 1000)).toEqual({ v2: 2, [NO_VERSION]: 1, failed: 2 });
  });

  it("GIVEN an instant before everything WHEN counted THEN every request is counted", () => {
    expect(versionsAfter(samples, -5)).toEqual({ v1: 2, v2: 2, [NO_VERSION]: 1, failed: 2 });
  });
});

describe("failureReasons", () => {
  it("GIVEN mixed failures WHEN grouped THEN each reason is counted and successes are ignored", () => {
    const samples = [
      sample(0),
      sample(1, 1, { status: 502 }),
      sample(2, 1, { status: 502 }),
      sample(3, 1, { status: null, error: "timeout" }),
      sample(4, 1, { status: null, error: "ECONNRESET" }),
    ];
    expect(failureReasons(samples)).toEqual({ "status 502": 2, timeout: 1, ECONNRESET: 1 });
    expect(failureReasons([sample(0)])).toEqual({});
  });
});

describe("bucketize", () => {
  it("GIVEN no samples WHEN bucketized THEN there are no buckets", () => {
    expect(bucketize([], 100)).toEqual([]);
  });

  it("GIVEN samples with a quiet gap WHEN bucketized by 100 ms THEN buckets are contiguous from 0 and count by start time", () => {
    const samples = [
      sample(0, 1, { version: "v1" }),
      sample(99.99, 500, { version: "v1" }),
      sample(100, 1, { version: "v2" }),
      sample(150, 1, { status: 500, version: "v2" }),
      sample(320, 1, { status: null, error: "timeout", version: undefined }),
      sample(399, 1, { version: undefined }),
    ];
    expect(bucketize(samples, 100)).toEqual([
      { startMs: 0, count: 2, errors: 0, versions: { v1: 2 } },
      { startMs: 100, count: 2, errors: 1, versions: { v2: 1 } },
      { startMs: 200, count: 0, errors: 0, versions: {} },
      { startMs: 300, count: 2, errors: 1, versions: { [NO_VERSION]: 1 } },
    ]);
  });

  it.each([0, -100, NaN])("GIVEN bucket width %p WHEN bucketized THEN it is refused", (width) => {
    expect(() => bucketize([sample(0)], width)).toThrow(RangeError);
  });
});

describe("windowOf and markAt", () => {
  const marks = [
    { label: "switch-done", atMs: 50 },
    { label: "switch-started", atMs: 100 },
    { label: "switch-done", atMs: 900 },
  ];

  it("GIVEN start and end marks WHEN windowOf THEN it spans from the start to the first end after it", () => {
    expect(windowOf(marks, "switch-started", "switch-done")).toEqual({ fromMs: 100, toMs: 900 });
  });

  it("GIVEN a missing label WHEN windowOf or markAt THEN a MarkNotFoundError names it and the marks present", () => {
    expect(() => windowOf(marks, "rollback-started", "switch-done")).toThrow(MarkNotFoundError);
    expect(() => windowOf(marks, "switch-started", "rollback-done")).toThrow(/"rollback-done".*switch-started/);
    expect(() => markAt([], "x")).toThrow(/marks: none/);
  });

  it("GIVEN repeated labels WHEN markAt THEN the first one wins", () => {
    expect(markAt(marks, "switch-done")).toBe(50);
  });
});

describe("kindOf", () => {
  it.each([
    [{ method: "GET" }, "get"],
    [{ method: "POST" }, "post"],
    [{ method: "GET", kind: "slow" }, "slow"],
    [{ method: "POST", kind: "upload" }, "upload"],
    [{ method: "GET", kind: "stream" }, "stream"],
  ] as const)("GIVEN %p THEN the kind is %p", (over, expected) => {
    expect(kindOf(sample(0, 1, over))).toBe(expected);
  });
});

describe("countsByKind and longLivedCounts", () => {
  const stream = (over: Partial<RequestSample>) => sample(0, 9000, { kind: "stream", events: 30, ...over });
  const samples = [
    sample(0),
    sample(1, 1, { kind: "get", status: 503 }),
    sample(2, 1, { method: "POST" }),
    sample(0, 5000, { kind: "slow" }),
    sample(10, 5000, { kind: "slow", status: null, error: "timeout" }),
    sample(0, 100, { kind: "upload", method: "POST" }),
    sample(0, 1, { kind: "upload", method: "POST", status: null, error: "ECONNRESET" }),
    stream({ streamEnd: "server-closed" }),
    stream({ version: "v2", streamEnd: "client" }),
    stream({ streamEnd: "client", events: 0 }),
    stream({ status: 503, events: 0 }),
    stream({ events: 0, error: "closed before any event" }),
    stream({ status: null, events: 0, error: "ECONNREFUSED" }),
  ];

  it("GIVEN every kind with successes and failures WHEN counted THEN each kind has its own, and server-closed streams are no failures", () => {
    expect(countsByKind(samples)).toEqual({
      get: { sent: 2, ok: 1, failed: 1 },
      post: { sent: 1, ok: 1, failed: 0 },
      slow: { sent: 2, ok: 1, failed: 1 },
      upload: { sent: 2, ok: 1, failed: 1 },
      stream: { sent: 6, ok: 3, failed: 3, opened: 4, closedByServer: 1 },
    });
  });

  it("GIVEN a window WHEN counted THEN only requests that started in it count", () => {
    expect(countsByKind(samples, { fromMs: 5 }).slow).toEqual({ sent: 1, ok: 0, failed: 1 });
  });

  it("GIVEN no samples WHEN counted THEN every kind is there with zeros", () => {
    expect(longLivedCounts([])).toEqual({
      slow: { sent: 0, ok: 0, failed: 0 },
      upload: { sent: 0, ok: 0, failed: 0 },
      stream: { sent: 0, ok: 0, failed: 0, opened: 0, closedByServer: 0 },
    });
  });

  it("GIVEN the same samples WHEN longLivedCounts THEN it is countsByKind without the short kinds", () => {
    const { slow, upload, stream: streams } = countsByKind(samples);
    expect(longLivedCounts(samples)).toEqual({ slow, upload, stream: streams });
  });
});
