import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { loadConfig } from "../../core/config";
import { TEST_ENV } from "../switch/fakes/config";
import { REPO_ROOT } from "./gitlab-ci-local";

/** The line the deploy and switch jobs run before the switch (jobs.test.ts checks where it is used). */
const USE_PINNED_HOST_KEYS: string = parse(readFileSync(path.join(REPO_ROOT, ".gitlab-ci.yml"), "utf8"))[".use-pinned-host-keys"][0];

const VARIABLE_PIN = "198.18.1.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n";
const ARTIFACT = `${VARIABLE_PIN}# scanned by the deploy that created these droplets\n198.18.1.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyOfTheNewBlueDropletxxxxxxxxxxxxxxx\n`;
const FILE_VARIABLE_PIN = "198.18.1.12 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyFromAFileTypeCIVariablexxxxxxxxxxx\n";

describe("the switch jobs' host keys: the deploy's known_hosts.pinned, else SSH_KNOWN_HOSTS", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), "pinned-host-keys-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the job's line in bash in a job directory, then loads the switch's configuration from the environment it left. */
  function knownHostsAfter(artifact: string | null, variables: Record<string, string>): string {
    if (artifact !== null) writeFileSync(path.join(dir, "known_hosts.pinned"), artifact);
    const out = execFileSync("bash", ["-c", `${USE_PINNED_HOST_KEYS}\nenv -0`], { cwd: dir, env: { PATH: process.env.PATH, CI_PROJECT_DIR: dir, ...variables } });
    const env = Object.fromEntries(
      out
        .toString("utf8")
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const { SSH_KNOWN_HOSTS: _unused, ...base } = TEST_ENV;
    return loadConfig({ ...base, ...env }, "switch").ssh.knownHosts;
  }

  it.each<[string, string | null, Record<string, string>, string]>([
    ["the artifact and SSH_KNOWN_HOSTS (the artifact contains it)", ARTIFACT, { SSH_KNOWN_HOSTS: VARIABLE_PIN }, ARTIFACT],
    ["the artifact, no variable (a first pipeline)", ARTIFACT, {}, ARTIFACT],
    ["the artifact and a File-type SSH_KNOWN_HOSTS_FILE", ARTIFACT, { SSH_KNOWN_HOSTS_FILE: "file-variable" }, ARTIFACT],
    ["no artifact, SSH_KNOWN_HOSTS set", null, { SSH_KNOWN_HOSTS: VARIABLE_PIN }, VARIABLE_PIN],
    ["no artifact, a File-type SSH_KNOWN_HOSTS_FILE", null, { SSH_KNOWN_HOSTS_FILE: "file-variable" }, FILE_VARIABLE_PIN],
  ])("GIVEN %s WHEN the job's line has run THEN the switch pins the expected keys", (_title, artifact, variables, expected) => {
    writeFileSync(path.join(dir, "file-variable"), FILE_VARIABLE_PIN);
    const absolute: Record<string, string> = variables.SSH_KNOWN_HOSTS_FILE ? { SSH_KNOWN_HOSTS_FILE: path.join(dir, variables.SSH_KNOWN_HOSTS_FILE) } : {};
    expect(knownHostsAfter(artifact, { ...variables, ...absolute })).toBe(expected);
  });
});
