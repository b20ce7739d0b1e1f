import { labPool } from "../../../lab/load/client";
import { eventCounter, streamSample } from "../../../lab/load/long-lived";
import { LoadTargetRefusedError } from "../../../lab/load/target";

describe("streamSample: how a stream's end is judged", () => {
  it.each([
    { name: "a 200 with events that we ended", status: 200, events: 5, byClient: true, error: undefined, expected: { status: 200, streamEnd: "client" } },
    { name: "a 200 that we ended before its first event", status: 200, events: 0, byClient: true, error: undefined, expected: { status: 200, streamEnd: "client" } },
    { name: "a 200 with events that the server closed", status: 200, events: 5, byClient: false, error: undefined, expected: { status: 200, streamEnd: "server-closed" } },
    { name: "a 200 with events that the server reset", status: 200, events: 5, byClient: false, error: "ECONNRESET", expected: { status: 200, streamEnd: "server-closed" } },
    { name: "a 200 closed before any event", status: 200, events: 0, byClient: false, error: undefined, expected: { status: 200, error: "closed before any event" } },
    { name: "a 200 reset before any event", status: 200, events: 0, byClient: false, error: "UND_ERR_SOCKET", expected: { status: 200, error: "UND_ERR_SOCKET" } },
    { name: "a 503", status: 503, events: 0, byClient: false, error: undefined, expected: { status: 503 } },
    { name: "a 503 at stop()", status: 503, events: 0, byClient: true, error: undefined, expected: { status: 503 } },
    { name: "no answer", status: null, events: 0, byClient: false, error: "ECONNREFUSED", expected: { status: null, error: "ECONNREFUSED" } },
    { name: "no answer in time", status: null, events: 0, byClient: false, error: "timeout", expected: { status: null, error: "timeout" } },
  ])("GIVEN $name WHEN judged THEN $expected", ({ status, events, byClient, error, expected }) => {
    expect(streamSample(status, events, byClient, error)).toEqual(expected);
  });
});

describe("eventCounter", () => {
  it.each([
    { name: "one event per chunk", chunks: ["data: a\n\n", "data: b\n\n"], expected: 2 },
    { name: "two events in one chunk", chunks: ["id: 1\ndata: a\n\nid: 2\ndata: b\n\n"], expected: 2 },
    { name: "a blank line split across chunks", chunks: ["data: a\n", "\ndata: b", "\n", "\n"], expected: 2 },
    { name: "CRLF line ends", chunks: ["data: a\r\n\r\n", "data: b\r\n", "\r\n"], expected: 2 },
    { name: "an unfinished event", chunks: ["data: a\n\n", "data: b\n"], expected: 1 },
    { name: "a JSON body", chunks: ['{"version":"v1"}'], expected: 0 },
  ])("GIVEN $name WHEN counted THEN $expected events", ({ chunks, expected }) => {
    const count = eventCounter();
    expect(chunks.reduce((sum, chunk) => sum + count(Buffer.from(chunk)), 0)).toBe(expected);
  });
});

describe("labPool", () => {
  it("GIVEN a target outside loopback and 198.18.0.0/15 WHEN a pool is built THEN it is refused", () => {
    expect(() => labPool("http://203.0.113.7/", null, 1000)).toThrow(LoadTargetRefusedError);
  });
});
