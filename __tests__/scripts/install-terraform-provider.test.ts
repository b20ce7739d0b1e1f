import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * scripts/install-terraform-provider.sh with fake `terraform` and `go` on PATH (they log their arguments), so nothing
 * is fetched or built: the Terraform check, the warm path, the registry first, the Go module build through a wrapper
 * module, and the refusal that stops everything with go's exact words.
 */
const SCRIPT = resolve(__dirname, "../../scripts/install-terraform-provider.sh");
const MODULE = "github.com/digitalocean/terraform-provider-digitalocean";
const COMMIT = "2b56f1915857f4fe2e41a234b4809210a2da381f";
const PSEUDO = "v1.23.1-0.20251208101308-2b56f1915857";
const PROXY_REFUSAL = `reading https://proxy.golang.org/${MODULE}/@v/${COMMIT}.info: 403 Forbidden\\n\\tserver response: This module version is not available.`;
const SYSTEM = "/usr/bin:/bin";

interface World {
  tools: string;
  bin: string;
  log: string;
}

function world(): World {
  const dir = mkdtempSync(join(tmpdir(), "tf-provider-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  return { tools: join(dir, "tools"), bin, log: join(dir, "calls.log") };
}

function tool(w: World, name: string, body: string): void {
  writeFileSync(join(w.bin, name), `#!/bin/bash\necho "${name} $*" >> "${w.log}"\n${body}\n`);
  chmodSync(join(w.bin, name), 0o755);
}

function terraform(w: World, version = "1.11.4", mirror = 'echo "Error: Provider not available: could not connect to registry.terraform.io" >&2; exit 1'): void {
  tool(w, "terraform", `case "$1" in
  version) echo '{"terraform_version": "${version}", "platform": "linux_amd64"}' ;;
  providers) ${mirror} ;;
esac`);
}

/** A go that reads a built binary's "build info" from its content, and serves or refuses the provider's module. */
function go(w: World, serves: boolean): void {
  const download = serves
    ? `echo '{"Path": "${MODULE}", "Version": "${PSEUDO}", "Sum": "h1:x="}'`
    : `echo '{"Path": "${MODULE}", "Version": "${COMMIT}", "Error": "${MODULE}@${COMMIT}: invalid version: ${PROXY_REFUSAL}"}'; exit 1`;
  tool(w, "go", `case "$1 $2" in
  "env GOPROXY") echo "https://proxy.golang.org,direct" ;;
  "version -m") [ -f "$3" ] && cat "$3" ;;
  "mod download") ${download} ;;
  "mod tidy") : ;;
  "build -trimpath") printf '%s: go1.26.8\\n\\tpath\\t${MODULE}\\n\\tdep\\t${MODULE}\\t${PSEUDO}\\th1:x=\\n' "$4" > "$4" && chmod +x "$4" ;;
esac`);
}

function run(w: World, env: Record<string, string> = {}) {
  return spawnSync("/bin/bash", [SCRIPT], { env: { PATH: `${w.bin}:${SYSTEM}`, DO_BLUEGREEN_TOOLS_DIR: w.tools, ...env }, encoding: "utf8" });
}

const calls = (w: World): string[] => (existsSync(w.log) ? readFileSync(w.log, "utf8").trim().split("\n") : []);
const providerPath = (w: World) => join(w.tools, "terraform-mirror/registry.terraform.io/digitalocean/digitalocean/2.71.0/linux_amd64/terraform-provider-digitalocean_v2.71.0");
const cliConfig = (w: World) => join(w.tools, "terraform-digitalocean-mirror.tfrc");

describe("scripts/install-terraform-provider.sh", () => {
  it("GIVEN no terraform on PATH WHEN it runs THEN it exits 3 naming Terraform 1.11 and decision 0303, and fetches nothing", () => {
    const w = world();
    go(w, true);
    const result = spawnSync("/bin/bash", [SCRIPT], { env: { PATH: w.bin, DO_BLUEGREEN_TOOLS_DIR: w.tools }, encoding: "utf8" });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 3, stderr: expect.stringMatching(/terraform is not on PATH.*1\.11[\s\S]*decisions\/0303/) });
    expect(calls(w)).toEqual([]);
  });

  it("GIVEN terraform 1.5.7 WHEN it runs THEN it exits 3 naming the version it found", () => {
    const w = world();
    terraform(w, "1.5.7");
    go(w, true);
    const result = run(w);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 3, stderr: expect.stringContaining("terraform 1.5.7 found") });
  });

  it("GIVEN the Go module proxy refuses the provider WHEN it runs THEN it exits 4 with go's exact error and installs nothing", () => {
    const w = world();
    terraform(w);
    go(w, false);
    const result = run(w);
    expect(result.status).toBe(4);
    expect(result.stderr).toContain(`${COMMIT}.info: 403 Forbidden`);
    expect(result.stderr).toContain("This module version is not available.");
    expect(existsSync(providerPath(w))).toBe(false);
    expect(calls(w).filter((c) => c.startsWith("go build"))).toEqual([]);
  });

  it("GIVEN no registry and a proxy that serves the module WHEN it runs THEN the registry is asked first, then the wrapper module builds the binary at the mirror's path", () => {
    const w = world();
    terraform(w);
    go(w, true);
    const result = run(w);
    expect({ status: result.status, last: result.stdout.trim().split("\n").pop() }).toEqual({ status: 0, last: cliConfig(w) });
    expect(calls(w).map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual([
      "terraform version -json",
      "terraform providers mirror",
      "go env GOPROXY",
      "go mod download",
      "go mod tidy",
      "go build -trimpath",
      "go version -m",
    ]);
    expect(calls(w)).toContain(`go mod download -json ${MODULE}@${COMMIT}`);
    expect(calls(w)).toContain(`go build -trimpath -o ${providerPath(w)}.tmp ${MODULE}`);
    expect(existsSync(providerPath(w))).toBe(true);
    const wrapper = readFileSync(join(w.tools, "terraform-provider-digitalocean-v2.71.0/wrapper/go.mod"), "utf8");
    expect(wrapper).toContain(`require ${MODULE} ${PSEUDO}`);
    expect(wrapper).toContain("replace git.apache.org/thrift.git => github.com/apache/thrift v0.0.0-20180902110319-2566ecd5d999");
  });

  it("GIVEN a warm machine WHEN it runs again THEN it builds and fetches nothing (one `go version -m`)", () => {
    const w = world();
    terraform(w);
    go(w, true);
    expect(run(w).status).toBe(0);
    writeFileSync(w.log, "");
    const again = run(w);
    expect({ status: again.status, stdout: again.stdout.trim() }).toEqual({ status: 0, stdout: cliConfig(w) });
    expect(calls(w).filter(Boolean).map((c) => c.split(" ").slice(0, 3).join(" "))).toEqual(["terraform version -json", "go version -m"]);
  });

  it("GIVEN any install WHEN the CLI configuration is written THEN it selects the mirror for digitalocean/digitalocean only", () => {
    const w = world();
    terraform(w);
    go(w, true);
    run(w);
    const text = readFileSync(cliConfig(w), "utf8");
    expect(text).toContain(`path    = "${join(w.tools, "terraform-mirror")}"`);
    expect(text.match(/include = \["registry\.terraform\.io\/digitalocean\/digitalocean"\]/g)).toHaveLength(1);
    expect(text).toMatch(/direct \{\s+exclude = \["registry\.terraform\.io\/digitalocean\/digitalocean"\]\s+\}/);
  });

  it("GIVEN DO_BLUEGREEN_PROVIDER_SOURCE=go WHEN it runs THEN the registry is not asked", () => {
    const w = world();
    terraform(w);
    go(w, true);
    expect(run(w, { DO_BLUEGREEN_PROVIDER_SOURCE: "go" }).status).toBe(0);
    expect(calls(w).some((c) => c.startsWith("terraform providers"))).toBe(false);
  });

  it("GIVEN a registry that serves 2.71.0 WHEN it runs THEN the zip's binary is unpacked at the mirror's path and go is never asked to download", () => {
    const w = world();
    const mirror = `dir="\${@: -1}/registry.terraform.io/digitalocean/digitalocean"; mkdir -p "$dir"; cd "$dir" && printf '#!/bin/sh\\n' > terraform-provider-digitalocean_v2.71.0 && python3 -m zipfile -c terraform-provider-digitalocean_2.71.0_linux_amd64.zip terraform-provider-digitalocean_v2.71.0 && rm terraform-provider-digitalocean_v2.71.0`;
    terraform(w, "1.11.4", mirror);
    go(w, false);
    const result = run(w);
    expect(result.status).toBe(0);
    expect(existsSync(providerPath(w))).toBe(true);
    expect(calls(w).some((c) => c.startsWith("go mod download"))).toBe(false);
    writeFileSync(w.log, "");
    expect(run(w).status).toBe(0);
    expect(calls(w).filter(Boolean)).toEqual(["terraform version -json", `go version -m ${providerPath(w)}`]);
  });
});
