import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseInstall, runInstallScript } from "../../../bench/tools/kamal-proxy-install";

const BIN = "/var/cache/do-bluegreen/tools/kamal-proxy-v0.9.2/kamal-proxy";
const GO_403 =
  "go: downloading github.com/basecamp/kamal-proxy v0.9.2\n" +
  "go: github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2: loading deprecation for github.com/basecamp/kamal-proxy: module github.com/basecamp/kamal-proxy: reading https://proxy.golang.org/github.com/basecamp/kamal-proxy/@v/list: 403 Forbidden\n" +
  "\tserver response: This module version is not available.";
const GO_UNREACHABLE = "go: github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2: module github.com/basecamp/kamal-proxy/cmd/kamal-proxy: Get \"https://proxy.golang.org/github.com/basecamp/kamal-proxy/cmd/kamal-proxy/@v/v0.9.2.info\": dial tcp: lookup proxy.golang.org: no such host";
const MOD_LINE = "\tmod\tgithub.com/basecamp/kamal-proxy\tv0.9.2\th1:rKyWDWG5MUPmGEECd93lyurVGmd5x7+ulgqzRgorMSM=";

describe("parseInstall", () => {
  it.each([
    ["a warm machine", { exitCode: 0, stdout: `${BIN}\n`, stderr: "", seconds: 0.1 }, { ok: true, binary: BIN, built: false, notes: [] }],
    ["a cold build", { exitCode: 0, stdout: `${BIN}\n`, stderr: "install-kamal-proxy: go install github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2 ...", seconds: 130 }, { ok: true, binary: BIN, built: true }],
  ])("GIVEN %s WHEN the script succeeds THEN the binary is its last stdout line", (_what, run, expected) => {
    expect(parseInstall(run)).toEqual(expect.objectContaining(expected));
  });

  it("GIVEN the proxy is unreachable WHEN the script fails THEN the reason is its stderr, verbatim", () => {
    const stderr = `install-kamal-proxy: go install github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2 failed:\n${GO_UNREACHABLE}\n`;
    expect(parseInstall({ exitCode: 4, stdout: "", stderr, seconds: 1.2 })).toEqual({ ok: false, reason: stderr.trim(), seconds: 1.2 });
  });

  it.each([
    ["was killed with nothing on stderr", { exitCode: null, stdout: "", stderr: "", seconds: 1200 }, "scripts/install-kamal-proxy.sh was killed and printed nothing on stderr"],
    ["exited 0 without printing a path", { exitCode: 0, stdout: "", stderr: "", seconds: 1 }, "scripts/install-kamal-proxy.sh exited 0 and printed nothing on stderr"],
  ])("GIVEN the script %s WHEN parsed THEN it is a failure that says so", (_what, run, reason) => {
    expect(parseInstall(run)).toEqual({ ok: false, reason, seconds: run.seconds });
  });

  it("GIVEN the proxy refused only the version list WHEN the script still built it THEN a note quotes go's error", () => {
    const stderr = `install-kamal-proxy: go install ...\ninstall-kamal-proxy: the module proxy refused kamal-proxy's version list, which go install reads only for a deprecation notice:\n${GO_403}`;
    const install = parseInstall({ exitCode: 0, stdout: BIN, stderr, seconds: 140 });
    expect(install.ok && install.notes).toEqual([expect.stringContaining("@v/list: 403 Forbidden")]);
  });
});

/**
 * The real script against a fake `go` on PATH (no network, nothing built): each case scripts what go
 * answers and checks what the script does with it. The fake logs its arguments to calls.log.
 */
describe("scripts/install-kamal-proxy.sh", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "install-kamal-proxy-"));
    mkdirSync(join(dir, "bin"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function fakeGo(body: string): NodeJS.ProcessEnv {
    const go = join(dir, "bin", "go");
    writeFileSync(go, `#!/usr/bin/env bash\necho "$*" >> "${dir}/calls.log"\ncase "$1 $2" in\n  "env GOPROXY") echo https://proxy.golang.org,direct ;;\n  "version -m") [ -x "$3" ] && printf '%b\\n' "$3: go1.26.8" "${MOD_LINE.replace(/\t/g, "\\t")}" ;;\n  *) ${body} ;;\nesac\n`);
    chmodSync(go, 0o755);
    return { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, DO_BLUEGREEN_TOOLS_DIR: join(dir, "tools") };
  }
  const calls = () => (existsSync(join(dir, "calls.log")) ? readFileSync(join(dir, "calls.log"), "utf8") : "");
  const built = join("tools", "kamal-proxy-v0.9.2", "kamal-proxy");

  it("GIVEN the proxy cannot be reached WHEN the script runs THEN it exits non-zero with go's exact error and tries nothing else", async () => {
    const env = fakeGo(`echo '${GO_UNREACHABLE}' >&2; exit 1`);
    const run = await runInstallScript(undefined, env);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain(GO_UNREACHABLE);
    expect(calls()).not.toMatch(/mod download/);
  });

  it("GIVEN the proxy refuses only the version list WHEN the script runs THEN it downloads v0.9.2 and reruns go install with that lookup answered from the module cache", async () => {
    const env = fakeGo(
      `if [ "$1" = install ] && [[ "$GOPROXY" != file://* ]]; then printf '%b\\n' "${GO_403.replace(/\n/g, "\\n").replace(/\t/g, "\\t")}" >&2; exit 1; fi\n` +
        `  if [ "$1 $2" = "mod download" ]; then echo '"Sum": "h1:rKyWDWG5MUPmGEECd93lyurVGmd5x7+ulgqzRgorMSM=",'; exit 0; fi\n` +
        `  echo "GOPROXY=$GOPROXY" >> "${dir}/calls.log"; touch "$GOBIN/kamal-proxy"; chmod +x "$GOBIN/kamal-proxy"`,
    );
    const run = await runInstallScript(undefined, env);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(join(dir, built));
    expect(run.stderr).toContain("@v/list: 403 Forbidden");
    expect(calls()).toContain("mod download -json github.com/basecamp/kamal-proxy@v0.9.2");
    expect(calls()).toContain(`GOPROXY=file://${join(dir, "tools", "go", "mod")}/cache/download,https://proxy.golang.org,direct`);
  });

  it("GIVEN the proxy refuses v0.9.2 itself WHEN the script runs THEN it exits non-zero with go's error, without the fallback", async () => {
    const refused = "go: github.com/basecamp/kamal-proxy/cmd/kamal-proxy@v0.9.2: reading https://proxy.golang.org/github.com/basecamp/kamal-proxy/@v/v0.9.2.info: 403 Forbidden";
    const env = fakeGo(`echo '${refused}' >&2; exit 1`);
    const run = await runInstallScript(undefined, env);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain(refused);
    expect(calls()).not.toMatch(/mod download/);
  });

  it("GIVEN the pinned build is already there WHEN the script runs THEN it builds nothing and prints the path", async () => {
    const env = fakeGo(`echo unexpected >&2; exit 1`);
    mkdirSync(join(dir, "tools", "kamal-proxy-v0.9.2"), { recursive: true });
    writeFileSync(join(dir, built), "");
    chmodSync(join(dir, built), 0o755);
    const run = await runInstallScript(undefined, env);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(join(dir, built));
    expect(calls()).not.toMatch(/^install /m);
  });
});
