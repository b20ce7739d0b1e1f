import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBench } from "../../bench/run-bench";

const GO_403 = "install-kamal-proxy: go install github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2 failed:\ngo: ...@v/v0.9.2.info: 403 Forbidden";

jest.mock("../../bench/tools/kamal-proxy-install", () => ({
  installKamalProxy: jest.fn(async () => ({ ok: false, reason: GO_403, seconds: 0.4 })),
}));
// Reaching the lab at all would be a failure of this test: none of the selected methods can run.
jest.mock("../../lab/preflight", () => ({
  assertLabPrerequisites: () => {
    throw new Error("the bench started a lab");
  },
}));

describe("runBench with only (e) selected", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "bench-run-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("GIVEN kamal-proxy cannot be built WHEN the bench runs THEN (e) is reported as not run with the script's error, and no lab starts", async () => {
    const out = join(dir, "benchmarks.md");
    const report = await runBench(
      { profile: { ratePerSecond: 100, postRatio: 0.2, connections: 4, timeoutMs: 1000 }, methods: ["e"], timeTooling: false, markdownPath: out, chartDir: join(dir, "charts"), command: "npm run bench -- --methods e" },
      () => undefined,
    );
    expect(report.methods).toEqual([expect.objectContaining({ id: "e", outcome: "not-run", notes: [expect.stringContaining(GO_403)], load: null })]);
    expect(report.ratios).toEqual({});
    expect(readFileSync(out, "utf8")).toContain("| not run |");
  });
});
