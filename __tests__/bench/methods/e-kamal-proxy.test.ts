import { installNote, kamalContainerName, kamalProxyNotRun, kamalTarget, KAMAL_TITLE } from "../../../bench/methods/e-kamal-proxy";

const GO_403 = "go: github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2: reading https://proxy.golang.org/github.com/basecamp/kamal-proxy/@v/v0.9.2.info: 403 Forbidden";

describe("method (e), kamal-proxy", () => {
  it("GIVEN the install script failed WHEN (e) is reported THEN it is not run, with the script's words and no figures", () => {
    const result = kamalProxyNotRun({ ok: false, reason: GO_403, seconds: 1.1 });
    expect(result).toEqual({
      id: "e",
      title: KAMAL_TITLE,
      outcome: "not-run",
      notes: [`kamal-proxy v0.9.2 could not be built from its Go module (scripts/install-kamal-proxy.sh, 1.1 s): ${GO_403}`],
      load: null,
      cutover: null,
      rollback: null,
      apiCalls: { cutover: null, rollback: null },
      charts: [],
    });
  });

  it.each([
    ["v1", "demo-web-v1", "127.0.0.1:3001"],
    ["v2", "demo-web-v2", "127.0.0.1:3002"],
  ] as const)("GIVEN version %s WHEN it is booted THEN its container is named as Kamal names it and has its own port beside the other", (version, name, target) => {
    expect(kamalContainerName(version)).toBe(name);
    expect(kamalTarget(version)).toBe(target);
  });

  it.each([
    ["built in this run", true, "built from its Go module by scripts/install-kamal-proxy.sh in 89.7 s"],
    ["already there", false, "was already built"],
  ])("GIVEN kamal-proxy %s WHEN noted THEN the note says which", (_what, built, text) => {
    expect(installNote({ ok: true, binary: "/x/kamal-proxy", built, seconds: 89.7, notes: [] })).toContain(text);
  });
});
