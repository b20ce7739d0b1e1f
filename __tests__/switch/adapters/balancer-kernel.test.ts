import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BALANCER_SYSCTLS, balancerSysctlText } from "../../../core/cloud-init/balancer-sysctl";
import { ExitCode } from "../../../core/errors";
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
    mkdirSync(join(root, "etc", "sysctl.d"), { recursive: true });
    return { ...fakeKernel(root, live, refused), file: join(root, "etc", "sysctl.d", "60-do-bluegreen-balancer.conf") };
  };

  it("GIVEN no settings file and Linux's defaults WHEN read THEN the file is null and each value is as sysctl prints it (a range with its tab)", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" });
    expect(await new BalancerKernel(k.shell, { file: k.file, user: "root" }).read(KEYS)).toEqual({
      file: null,
      live: { "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768\t60999" },
    });
  });

  it("GIVEN a key this kernel lacks WHEN read THEN its value is ? and the read still succeeds", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "1" });
    expect((await new BalancerKernel(k.shell, { file: k.file, user: "root" }).read(KEYS)).live).toEqual({ "net.ipv4.tcp_tw_reuse": "1", "net.ipv4.ip_local_port_range": "?" });
  });

  it("GIVEN an install WHEN it runs THEN the file holds exactly the text (no temp or previous file stays), sysctl -p loaded it, and a read sees the new values", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" });
    writeFileSync(k.file, "# an older file\n", { flag: "w" });
    const kernel = new BalancerKernel(k.shell, { file: k.file, user: "root" });
    await kernel.install(balancerSysctlText());
    expect(readFileSync(k.file, "utf8")).toBe(balancerSysctlText());
    expect(readdirSync(join(k.file, ".."))).toEqual(["60-do-bluegreen-balancer.conf"]);
    expect(readFileSync(join(k.values, ".calls"), "utf8")).toBe(`-q -p ${k.file}\n`);
    const { live } = await kernel.read(KEYS);
    expect(live).toEqual({ "net.ipv4.tcp_tw_reuse": "1", "net.ipv4.ip_local_port_range": "10240\t65535" });
  });

  it.each([
    ["an older file", "# an older file\n"],
    ["no file", null],
  ])("GIVEN %s and a kernel that refuses a value WHEN installing THEN exit 3 with sysctl's reason, and the file is as it was", async (_, before) => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2", "net.ipv4.ip_local_port_range": "32768 60999" }, ["net.ipv4.tcp_tw_reuse"]);
    if (before !== null) writeFileSync(k.file, before);
    const error = await new BalancerKernel(k.shell, { file: k.file, user: "root" }).install(balancerSysctlText()).catch((e: unknown) => e);
    expect(error).toMatchObject({
      exitCode: ExitCode.external,
      message: expect.stringMatching(/^the kernel on localhost refused .*60-do-bluegreen-balancer\.conf \(sysctl: permission denied on key "net\.ipv4\.tcp_tw_reuse"\); the previous file is back$/),
    });
    expect(existsSync(k.file) ? readFileSync(k.file, "utf8") : null).toBe(before);
    expect(readdirSync(join(k.file, "..")).filter((f) => f !== "60-do-bluegreen-balancer.conf")).toEqual([]);
  });

  it("GIVEN a directory that cannot be created WHEN installing THEN the error names the file and the fix", async () => {
    const k = fresh({ "net.ipv4.tcp_tw_reuse": "2" });
    const blocker = join(k.file, "..", "..", "blocker");
    mkdirSync(join(blocker, ".."), { recursive: true });
    writeFileSync(blocker, "");
    await expect(new BalancerKernel(k.shell, { file: join(blocker, "x.conf"), user: "root" }).install(balancerSysctlText())).rejects.toMatchObject({
      message: expect.stringMatching(/^cannot write and load .*blocker\/x\.conf on localhost \(.*\)$/),
      fix: expect.stringContaining("BALANCER_SYSCTL_FILE"),
    });
  });

  it("GIVEN a key that is not a sysctl name WHEN a script is built THEN it is refused, so nothing else reaches the shell", () => {
    expect(() => readKernelScript("/etc/x.conf", ["net.ipv4.tcp_tw_reuse; rm -rf /"])).toThrow(/not a sysctl key/);
  });

  it.each([
    ["no file", "NONE\nLIVE net.ipv4.tcp_tw_reuse 1\n", ["net.ipv4.tcp_tw_reuse"], { file: null, live: { "net.ipv4.tcp_tw_reuse": "1" } }],
    [
      "a file and a range",
      `FILE ${Buffer.from("a = 1\n").toString("base64")}\nLIVE net.ipv4.ip_local_port_range 10240\t65535\n`,
      ["net.ipv4.ip_local_port_range"],
      { file: "a = 1\n", live: { "net.ipv4.ip_local_port_range": "10240\t65535" } },
    ],
  ])("GIVEN the script's output with %s WHEN parsed THEN file and values are read", (_, stdout, keys, expected) => {
    expect(parseKernelLines(stdout, keys)).toEqual(expected);
  });

  it.each([
    ["nothing", ""],
    ["no file line", "LIVE net.ipv4.tcp_tw_reuse 1\n"],
    ["a key without its value", "NONE\n"],
    ["two file lines", "NONE\nNONE\nLIVE net.ipv4.tcp_tw_reuse 1\n"],
  ])("GIVEN output with %s WHEN parsed THEN it is refused, not taken for drift", (_, stdout) => {
    expect(() => parseKernelLines(stdout, ["net.ipv4.tcp_tw_reuse"])).toThrow(/the kernel settings script printed/);
  });

  it("GIVEN a non-root SSH user WHEN a script runs THEN it goes through sudo -n", async () => {
    const seen: string[] = [];
    const shell = { label: "web-lb", exec: async (command: string) => (seen.push(command), { code: 0, stdout: "NONE\nLIVE net.ipv4.tcp_tw_reuse 1\nLIVE net.ipv4.ip_local_port_range 10240\t65535\n", stderr: "" }) };
    await new BalancerKernel(shell, { file: "/etc/x.conf", user: "deploy" }).read(KEYS);
    expect(seen).toEqual(["sudo -n sh -s"]);
  });
});
