import { maintenanceCounts } from "../../../lab/load/maintenance";
import type { RequestSample } from "../../../lab/load/types";

const at = (startMs: number, status: number | null, version?: string, error?: string, kind: RequestSample["kind"] = "get"): RequestSample => ({ startMs, endMs: startMs + 1, method: kind === "upload" ? "POST" : "GET", status, version, error, kind });

describe("answers counted by kind around a maintenance window", () => {
  it.each([
    ["a 200 from the app", at(50, 200, "v1"), { served: 1, maintenancePage: 0, uploadsCutByThePage: 0, failed: 0 }],
    ["the 503 page inside the window", at(150, 503), { served: 0, maintenancePage: 1, uploadsCutByThePage: 0, failed: 0 }],
    ["a 503 page before the window", at(50, 503), { served: 0, maintenancePage: 0, uploadsCutByThePage: 0, failed: 1 }],
    ["a 503 from the app itself inside the window", at(150, 503, "v1"), { served: 0, maintenancePage: 0, uploadsCutByThePage: 0, failed: 1 }],
    ["a reset GET inside the window", at(150, null, undefined, "ECONNRESET"), { served: 0, maintenancePage: 0, uploadsCutByThePage: 0, failed: 1 }],
    ["a large upload cut (EPIPE) inside the window", at(150, null, undefined, "EPIPE", "upload"), { served: 0, maintenancePage: 0, uploadsCutByThePage: 1, failed: 0 }],
    ["a large upload cut outside the window", at(250, null, undefined, "EPIPE", "upload"), { served: 0, maintenancePage: 0, uploadsCutByThePage: 0, failed: 1 }],
  ])("GIVEN %s WHEN counted THEN it is the right kind", (_name, sample, counts) => {
    expect(maintenanceCounts([sample], { fromMs: 100, toMs: 200 })).toEqual(counts);
  });
});
