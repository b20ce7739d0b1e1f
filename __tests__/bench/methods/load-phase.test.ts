import { BENCH_LONG_LIVED, loadFigures, markOr, runEndMs } from "../../../bench/methods/load-phase";
import { longLived, ok, reset } from "../fixtures";

describe("BENCH_LONG_LIVED", () => {
  it.each([
    ["a 5 s slow request every second", { slowEveryMs: 1000, slowAnswerMs: 5000 }],
    ["a 1 MiB upload every second", { uploadEveryMs: 1000, uploadBytes: 1024 * 1024 }],
    ["4 event streams", { streams: 4 }],
  ])("GIVEN every method's load WHEN it starts THEN it carries %s", (_what, expected) => {
    expect(BENCH_LONG_LIVED).toEqual(expect.objectContaining(expected));
  });
});

describe("loadFigures", () => {
  const samples = [
    ok(0, "v1"),
    reset(10),
    longLived("slow", 0, "v1"),
    longLived("slow", 1000, "v2", 5000, { status: null, error: "ECONNRESET" }),
    longLived("upload", 0, "v1"),
    longLived("stream", 0, "v1", 9000, { streamEnd: "server-closed" }),
    longLived("stream", 9100, "v2", 3000),
    longLived("stream", 100, "v1", 10, { events: 0, streamEnd: undefined, error: "closed before any event" }),
  ];
  const figures = loadFigures({ samples });

  it("GIVEN short and long-lived requests WHEN summarised THEN every kind counts in sent and failed", () => {
    expect(figures).toMatchObject({ sent: 8, failed: 3, socketErrors: 3, non2xx: 0 });
    expect(figures.failureReasons).toEqual({ ECONNRESET: 2, "closed before any event": 1 });
  });

  it.each([
    ["slow", { sent: 2, ok: 1, failed: 1 }],
    ["upload", { sent: 1, ok: 1, failed: 0 }],
    ["stream", { sent: 3, ok: 2, failed: 1, opened: 3, closedByServer: 1 }],
  ] as const)("GIVEN those requests WHEN summarised THEN the %s requests are also counted on their own", (kind, expected) => {
    expect(figures.longLived[kind]).toEqual(expected);
  });

  it("GIVEN a stream the server side closed after its first event WHEN summarised THEN it is a closure, not a failure", () => {
    const closed = loadFigures({ samples: [longLived("stream", 0, "v1", 9000, { streamEnd: "server-closed" })] });
    expect(closed).toMatchObject({ failed: 0, longLived: { stream: { ok: 1, failed: 0, closedByServer: 1 } } });
  });
});

describe("marks and the end of a run", () => {
  const result = { samples: [ok(0, "v1"), ok(250, "v1"), longLived("stream", 100, "v1", 60_000)], marks: [{ label: "switch-start", atMs: 120 }], startedAt: 0 };

  it.each([
    ["a mark that was taken", "switch-start", 120],
    ["a mark the phase never reached", "switch-done", 999],
  ])("GIVEN %s WHEN looked up THEN its instant or the fallback is returned", (_what, label, expected) => {
    expect(markOr(result, label, 999)).toBe(expected);
  });

  it("GIVEN samples WHEN the run's end is taken THEN it is just after the last request started, whatever its length", () => {
    expect(runEndMs(result)).toBe(251);
  });
});
