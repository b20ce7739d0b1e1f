import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BALANCER_SYSCTLS, balancerSysctlFile } from "../../../core/cloud-init/balancer-sysctl";
import { BalancerKernel, parseKernelLines, readKernelScript } from "../../../switch/adapters/balancer-kernel";
import { LocalShell } from "../fakes/local-shell";

const KEYS = Object.keys(BALANCER_SYSCTLS);

/**
 * A `sysctl` on PATH that keeps the kernel's values as files: `-n KEY` prints one (tabs, as Linux prints ranges), and
 * `-q -p FILE` loads `key = value` lines, refusing the keys listed in `refused` as Linux refuses a key it lacks.
 */
function fakeKernel(dir: string, live: Record<string, string>, refused: readonly string[] = []) {
  const bin = join(dir, "bin");
  const values = join(dir, "values");
  mkdirSync(bin, { recursive: true });
  mkdirSync(values, { recursive: true });
  for (const [key, value] of Object.entries(live)) writeFileSync(join(values, key), value.replace(/ /g, "\t"));
  writeFileSync(
    join(bin, "sysctl"),
    [
      "#!/bin/sh",
      `v=${values}`,
      'if [ "$1" = -n ]; then [ -f "$v/$2" ] || { echo "sysctl: cannot stat /proc/sys/$2" >&2; exit 255; }; cat "$v/$2"; echo; exit 0; fi',
      'echo "$*" >> "$v/.calls"',
      'file=$3',
      'grep -v "^#" "$file" | while IFS= read -r line; do [ -n "$line" ] || continue; k=${line%% = *}; val=${line#* = };',
      ...refused.map((k) => `  [ "$k" != ${k} ] || { echo "sysctl: permission denied on key \\"$k\\"" >&2; exit 255; };`),
      '  printf "%s" "$val" | tr " " "\\t" > "$v/$k"; done',
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "sysctl"), 0o755);
  return { shell: new LocalShell({ PATH: `${bin}:${process.env.PATH}` }), values };
}

describe("the balancer's kernel settings over a shell (a fake sysctl on PATH)", () => {
  const dir = mkdtempSync(join(tmpdir(), "switch-kernel-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const fresh = (live: Record<string, string>, refused: readonly string[] = []) => {
    const root = join(dir, String(n++));
    return { ...fakeKernel(root, live, refused), file: join(root, "etc", "sysctl.d", "60-do-bluegreen-balancer.conf") };
  };

  it("GIVEN no settings file and Linux's defaults WHEN read THEN the file is null and each value has its tabs collapsed", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" });
    expect(await new BalancerKernel(k.shell, { file: k.file, user: "root" }).read(KEYS)).toEqual({
      file: null,
      live: { "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" },
    });
  });

  it("GIVEN a key this kernel lacks WHEN read THEN its value is ? and the read still succeeds", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "1" });
    expect((await new BalancerKernel(k.shell, { file: k.file, user: "root" }).read(KEYS)).live).toEqual({ "net.ipv4.tcp_tw_reuse": "1", "net.ipv4.ip_local_port_range": "?" });
  });

  it("GIVEN an install WHEN it runs THEN the file holds exactly the text (no temp file stays), sysctl -p loaded it, and the values read back are the new ones", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" });
    const after = await new BalancerKernel(k.shell, { file: k.file, user: "root" }).install(balancerSysctlFile(), KEYS);
    expect(after).toEqual({ file: balancerSysctlFile(), live: BALANCER_SYSCTLS });
    expect(readFileSync(k.file, "utf8")).toBe(balancerSysctlFile());
    expect(readdirSync(join(k.file, ".."))).toEqual(["60-do-bluegreen-balancer.conf"]);
    expect(readFileSync(join(k.values, ".calls"), "utf8")).toBe(`-q -p ${k.file}\n`);
  });

  it("GIVEN the kernel refuses a value WHEN installing THEN the error names the file and the fix", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" }, ["net.ipv4.tcp_tw_reuse"]);
    await expect(new BalancerKernel(k.shell, { file: k.file, user: "root" }).install(balancerSysctlFile(), KEYS)).rejects.toMatchObject({
      message: expect.stringMatching(/^cannot write and load .*60-do-bluegreen-balancer\.conf on localhost \(sysctl: permission denied on key "net\.ipv4\.tcp_tw_reuse"\)$/),
      fix: expect.stringContaining("BALANCER_SYSCTL_FILE"),
    });
  });

  it("GIVEN a key that is not a sysctl name WHEN a script is built THEN it is refused, so nothing else reaches the shell", () => {
    expect(() => readKernelScript("/etc/x.conf", ["net.ipv4.tcp_tw_reuse; rm -rf /"])).toThrow(/not a sysctl key/);
  });

  it.each([
    ["no file", "NONE\nLIVE net.ipv4.tcp_tw_reuse 1\n", { file: null, live: { "net.ipv4.tcp_tw_reuse": "1" } }],
    ["a file and a range", `FILE ${Buffer.from("a = 1\n").toString("base64")}\nLIVE net.ipv4.ip_local_port_range 10240 65535\n`, { file: "a = 1\n", live: { "net.ipv4.ip_local_port_range": "10240 65535" } }],
  ])("GIVEN the script's output with %s WHEN parsed THEN file and values are read", (_, stdout, expected) => {
    expect(parseKernelLines(stdout)).toEqual(expected);
  });

  it("GIVEN a non-root SSH user WHEN a script runs THEN it goes through sudo -n", async () => {
    const seen: string[] = [];
    const shell = { label: "web-lb", exec: async (command: string) => (seen.push(command), { code: 0, stdout: "NONE\n", stderr: "" }) };
    await new BalancerKernel(shell, { file: "/etc/x.conf", user: "deploy" }).read(KEYS);
    expect(seen).toEqual(["sudo -n sh -s"]);
  });
});
