import { ExitCode, ExternalError, UsageError } from "../../core/errors";
import { CommandRunner, DEPLOY_STEPS, DeployCommand, DeployStepName, STACK_DIR, deployCommands, runDeploy } from "../../infra/deploy";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessRunner, main } from "../../infra/deploy-cli";
import { runCutover } from "../../switch/cutover";
import { InconsistentStateError, LockHeldError, LockLostError } from "../../switch/errors";
import type { Timer } from "../../switch/lock";
import { TEST_ENV, testConfig } from "../switch/fakes/config";
import { captureReporter, deps as switchDeps, identity, manualLockTimer } from "../switch/fakes/harness";
import { FakeWorld } from "../switch/fakes/world";
import type { Droplet } from "../../switch/model";
import type { HostKeyPinning } from "../../infra/deploy";
import { parseKnownHosts, pinnedKeysFor } from "../../switch/adapters/known-hosts";

/** Records each command and what the world looked like when it ran; `exits` scripts a step's exit code. */
class FakeRunner implements CommandRunner {
  readonly ran: { step: DeployStepName; argv: readonly string[]; stdoutFile?: string; lockedBy?: string }[] = [];
  constructor(private readonly world: FakeWorld, private readonly exits: Partial<Record<DeployStepName, number>> = {}) {}
  async run(command: DeployCommand): Promise<number> {
    this.ran.push({ step: command.step, argv: command.argv, stdoutFile: command.stdoutFile, lockedBy: this.world.lockHolder?.command });
    return this.exits[command.step] ?? 0;
  }
  get steps() {
    return this.ran.map((r) => r.step);
  }
}

function deploy(world: FakeWorld, runner: CommandRunner, pid = 200, lockTimer: Timer = manualLockTimer()) {
  const { reporter, lines } = captureReporter();
  const result = runDeploy({ ports: world.ports(), config: testConfig(), runner, reporter, who: "bob@laptop", self: identity(pid), lockTimer }, { message: "resize green" }).then(
    (r) => ({ ok: true as const, r }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  return result.then((outcome) => ({ outcome, lines }));
}

const withoutBalancer = (world: FakeWorld) => ((world.droplets = world.droplets.filter((d) => !d.tags.includes("BALANCER"))), world);

describe("the deploy's commands", () => {
  it("GIVEN the stack directory WHEN listing the commands THEN they are synth, init, then the locked plan, show -json to plan.json, the guard on that file and the apply of that saved plan", () => {
    expect(deployCommands(STACK_DIR).map((c) => [c.step, c.locked, [...c.argv].join(" "), c.stdoutFile])).toEqual([
      ["synth", false, "npm run synth", undefined],
      ["init", false, `terraform -chdir=${STACK_DIR} init -input=false`, undefined],
      ["plan", true, `terraform -chdir=${STACK_DIR} plan -input=false -out=plan.tfplan`, undefined],
      ["show", true, `terraform -chdir=${STACK_DIR} show -json plan.tfplan`, `${STACK_DIR}/plan.json`],
      ["guard", true, `npx tsx infra/plan-guard-cli.ts ${STACK_DIR}/plan.json`, undefined],
      ["apply", true, `terraform -chdir=${STACK_DIR} apply -input=false plan.tfplan`, undefined],
    ]);
    expect(DEPLOY_STEPS).toEqual(["synth", "init", "plan", "show", "guard", "apply"]);
  });
});

describe("a deploy takes the switch's deploy lock on the balancer", () => {
  it("GIVEN a balancer WHEN deploying THEN plan, show, guard and apply run under a `deploy` lock taken after init, and the lock is released afterwards", async () => {
    const world = new FakeWorld();
    const runner = new FakeRunner(world);
    const { outcome, lines } = await deploy(world, runner);
    expect(outcome).toEqual({ ok: true, r: { lockedOn: "web-lb", steps: DEPLOY_STEPS } });
    expect(runner.ran.map((r) => [r.step, r.lockedBy ?? null])).toEqual([
      ["synth", null],
      ["init", null],
      ["plan", "deploy"],
      ["show", "deploy"],
      ["guard", "deploy"],
      ["apply", "deploy"],
    ]);
    expect(world.lockHolder).toBeNull();
    expect(lines.filter((l) => /^step \S+ started$/.test(l)).map((l) => l.split(" ")[1])).toEqual(["synth", "init", "lock", "plan", "show", "guard", "apply", "unlock"]);
  });

  it("GIVEN a balancer WHEN the lock is taken THEN the holder names the deploy, who and why, and the lease is renewed before every locked command", async () => {
    const world = new FakeWorld();
    let seen: unknown;
    const runner: CommandRunner = { run: async (c) => ((seen ??= c.step === "apply" ? world.lockHolder : undefined), 0) };
    await deploy(world, runner);
    expect(seen).toMatchObject({ command: "deploy", who: "bob@laptop", message: "resize green" });
    expect(world.calls.filter((c) => c.startsWith("lock"))).toEqual(["lock acquire", "lock renew", "lock renew", "lock renew", "lock renew", "lock release"]);
  });

  it("GIVEN an apply longer than the TTL WHEN a cutover asks for the lock meanwhile THEN it is refused: the lease was renewed every TTL/3 while Terraform ran", async () => {
    const world = new FakeWorld();
    const timer = manualLockTimer();
    const ttlMs = testConfig().timing.lockTtlMs;
    let contender: unknown;
    const runner: CommandRunner = {
      run: async (c) => {
        if (c.step !== "apply") return 0;
        for (let t = 0; t < 6; t++) {
          world.clock.t += ttlMs / 3;
          await timer.tick();
        }
        contender = await runCutover(switchDeps(world, captureReporter().reporter, 300), { image: "registry.test/web:v2", secrets: {} }).catch((e) => e);
        return 0;
      },
    };
    const { outcome } = await deploy(world, runner, 200, timer);
    expect(outcome.ok).toBe(true);
    expect(timer.periodMs).toBe(ttlMs / 3);
    expect(contender).toBeInstanceOf(LockHeldError);
  });

  it("GIVEN the deploy's lock is force-released and taken by another run during the plan WHEN the next command is due THEN the deploy stops there (exit 4): no apply", async () => {
    const world = new FakeWorld();
    const runner = new FakeRunner(world);
    const run = runner.run.bind(runner);
    runner.run = async (c) => {
      if (c.step === "plan") world.lockHolder = { ...world.lockHolder!, id: "other", who: "carol@laptop", command: "cutover" };
      return run(c);
    };
    const { outcome } = await deploy(world, runner);
    expect((outcome as { e: unknown }).e).toBeInstanceOf(LockLostError);
    expect(runner.steps).toEqual(["synth", "init", "plan"]);
  });

  it("GIVEN no balancer yet (a first deploy) WHEN deploying THEN it says so, takes no lock and runs every command", async () => {
    const world = withoutBalancer(new FakeWorld());
    const runner = new FakeRunner(world);
    const { outcome, lines } = await deploy(world, runner);
    expect(outcome).toEqual({ ok: true, r: { lockedOn: null, steps: DEPLOY_STEPS } });
    expect(runner.steps).toEqual(DEPLOY_STEPS);
    expect(world.calls.filter((c) => c.startsWith("lock"))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/no droplet is tagged BALANCER yet \(a first deploy\): deploying without the switch's lock/));
  });

  it("GIVEN a cutover holds the lock WHEN deploying THEN it refuses with exit 4 naming the cutover, before terraform plan; the cutover's lock stays", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "cut-1", who: "ci@runner (job 7)", host: "runner-7", pid: 42, command: "cutover", image: "registry.test/web:v2", acquiredAt: "2026-11-22T11:59:00.000Z", expiresAt: "2026-11-22T12:14:00.000Z" };
    const runner = new FakeRunner(world);
    const { outcome } = await deploy(world, runner);
    expect(outcome.ok).toBe(false);
    const error = (outcome as { e: LockHeldError }).e;
    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.exitCode).toBe(ExitCode.lockHeld);
    expect(error.message).toMatch(/deploy lock held by ci@runner \(job 7\) \(cutover registry.test\/web:v2\)/);
    expect(runner.steps).toEqual(["synth", "init"]);
    expect(world.lockHolder?.id).toBe("cut-1");
  });

  it("GIVEN a deploy holds the lock WHEN a cutover starts THEN the cutover refuses with exit 4 naming the deploy, and changes nothing", async () => {
    const world = new FakeWorld();
    let cutover: Promise<unknown> | undefined;
    const runner: CommandRunner = {
      run: async (c) => {
        if (c.step === "apply") cutover = runCutover(switchDeps(world, captureReporter().reporter, 300), { image: "registry.test/web:v2", secrets: {} }).catch((e) => e);
        if (cutover) await cutover;
        return 0;
      },
    };
    const before = world.snapshot();
    await deploy(world, runner);
    const refused = (await cutover) as LockHeldError;
    expect(refused).toBeInstanceOf(LockHeldError);
    expect(refused.message).toMatch(/deploy lock held by bob@laptop \(deploy: "resize green"\)/);
    expect(world.snapshot()).toEqual({ ...before, locked: false });
  });

  it("GIVEN a killed deploy's lock whose lease has expired WHEN the deploy is re-run THEN it takes the lock over", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "dead", who: "bob@laptop", host: "ci-runner-1", pid: 2, command: "deploy", acquiredAt: "2026-11-22T11:00:00.000Z", expiresAt: "2026-11-22T11:15:00.000Z" };
    const { outcome, lines } = await deploy(world, new FakeRunner(world));
    expect(outcome.ok).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/taking over a stale deploy lock: it expired at 2026-11-22T11:15:00.000Z/));
  });

  it("GIVEN two droplets tagged BALANCER WHEN deploying THEN it refuses before planning: the lock's home is ambiguous", async () => {
    const world = new FakeWorld();
    world.droplets.push({ id: 10, name: "stray-lb", tags: ["BALANCER"], region: "nyc3", publicIp: "198.18.1.20" });
    const runner = new FakeRunner(world);
    const { outcome } = await deploy(world, runner);
    expect((outcome as { e: unknown }).e).toBeInstanceOf(InconsistentStateError);
    expect(runner.steps).toEqual(["synth", "init"]);
  });

  it.each([
    ["the guard refuses the plan", "guard" as const, UsageError, /the plan guard refused the plan .*nothing was applied — fix: .*ALLOW_DESTROY/, ["synth", "init", "plan", "show", "guard"]],
    ["terraform apply fails", "apply" as const, ExternalError, /terraform apply failed .*exited with 1\): part of the plan may be applied — fix: .*re-run `npm run deploy`/, DEPLOY_STEPS],
    ["terraform plan fails", "plan" as const, ExternalError, /terraform plan failed .*nothing was applied/, ["synth", "init", "plan"]],
  ])("GIVEN %s WHEN deploying THEN the run stops there with one line and its fix, and the lock is released", async (_name, failing, kind, says, ran) => {
    const world = new FakeWorld();
    const runner = new FakeRunner(world, { [failing]: failing === "guard" ? 2 : 1 });
    const { outcome, lines } = await deploy(world, runner);
    const error = (outcome as { e: InstanceType<typeof kind> }).e;
    expect(error).toBeInstanceOf(kind);
    expect(error.oneLine()).toMatch(says);
    expect(runner.steps).toEqual(ran);
    expect(world.lockHolder).toBeNull();
    expect(lines).toContain("step unlock started");
  });

  it("GIVEN synth fails WHEN deploying THEN nothing else runs and no lock is taken", async () => {
    const world = new FakeWorld();
    const runner = new FakeRunner(world, { synth: 2 });
    const { outcome } = await deploy(world, runner);
    expect((outcome as { e: Error }).e.message).toMatch(/^synth failed/);
    expect(runner.steps).toEqual(["synth"]);
    expect(world.calls).toEqual([]);
  });
});

/** A host key per address, as the fake droplets' sshds present it. */
const hostKeyOf = (host: string) => Buffer.from(`ed25519 host key at ${host}`).toString("base64");
const pinLine = (host: string) => `${host} ssh-ed25519 ${hostKeyOf(host)}`;

/** The three droplets a first apply creates, as the fake world will list them afterwards. */
function createdByApply(world: FakeWorld): Droplet[] {
  const fresh = new FakeWorld();
  world.droplets = [];
  return fresh.droplets;
}

/** A runner whose apply creates `created` (or fails with `applyExit`), recording what the world listed until then. */
function applyingRunner(world: FakeWorld, created: readonly Droplet[], applyExit = 0): FakeRunner {
  const runner = new FakeRunner(world, { apply: applyExit });
  const run = runner.run.bind(runner);
  runner.run = async (c) => {
    const code = await run(c);
    if (c.step === "apply") world.droplets.push(...created);
    return code;
  };
  return runner;
}

function pinning(files: Map<string, string>, scanned: string[], pinnedText = ""): HostKeyPinning {
  return {
    outFile: "known_hosts.pinned",
    pinnedText,
    sshdWaitMs: 10_000,
    scan: async (host) => (scanned.push(host), [{ type: "ssh-ed25519", base64: hostKeyOf(host) }]),
    writeFile: async (path, text) => void files.set(path, text),
  };
}

describe("a deploy pins the host keys of the droplets its apply created", () => {
  function deployPinning(world: FakeWorld, runner: CommandRunner, hostKeys: HostKeyPinning) {
    const { reporter, lines } = captureReporter();
    return runDeploy({ ports: world.ports(), config: testConfig(), runner, reporter, who: "ci@runner", self: identity(200), lockTimer: manualLockTimer(), hostKeys }).then(
      (r) => ({ r, lines }),
      (e: unknown) => ({ e, lines }),
    );
  }

  it("GIVEN a first deploy WHEN its apply creates the three droplets THEN the droplets are listed right before the apply, and after it all three are scanned and written to the file, each with its own key", async () => {
    const world = new FakeWorld();
    const created = createdByApply(world);
    const files = new Map<string, string>();
    const scanned: string[] = [];
    const out = await deployPinning(world, applyingRunner(world, created), pinning(files, scanned));
    expect("r" in out && out.r.hostKeys).toEqual({ file: "known_hosts.pinned", added: created.map((d) => pinLine(d.publicIp)), scanned: created.map((d) => d.name) });
    expect(out.lines.filter((l) => /^step \S+ started$/.test(l)).map((l) => l.split(" ")[1])).toEqual(["synth", "init", "lock", "plan", "show", "guard", "list-droplets", "apply", "host-keys"]);
    const pins = parseKnownHosts(files.get("known_hosts.pinned")!);
    expect(created.map((d) => pinnedKeysFor(pins, d.publicIp, 22).map((k) => k.toString("base64")))).toEqual(created.map((d) => [hostKeyOf(d.publicIp)]));
    expect(scanned.sort()).toEqual(created.map((d) => d.publicIp).sort());
  });

  it("GIVEN an existing environment, everything pinned, WHEN the apply creates nothing THEN nothing is scanned and the file carries the pins, after the lock is released", async () => {
    const world = new FakeWorld();
    const files = new Map<string, string>();
    const scanned: string[] = [];
    const pinned = world.droplets.map((d) => pinLine(d.publicIp)).join("\n") + "\n";
    const out = await deployPinning(world, applyingRunner(world, []), pinning(files, scanned, pinned));
    expect("r" in out && out.r.lockedOn).toBe("web-lb");
    expect(scanned).toEqual([]);
    expect(files.get("known_hosts.pinned")).toBe(pinned);
    const steps = out.lines.filter((l) => /^step \S+ started$/.test(l)).map((l) => l.split(" ")[1]);
    expect(steps.slice(-3)).toEqual(["apply", "unlock", "host-keys"]);
  });

  it("GIVEN the apply fails WHEN deploying with a known_hosts file THEN nothing is scanned and no file is written", async () => {
    const world = new FakeWorld();
    const created = createdByApply(world);
    const files = new Map<string, string>();
    const scanned: string[] = [];
    const out = await deployPinning(world, applyingRunner(world, created, 1), pinning(files, scanned));
    expect("e" in out && out.e).toBeInstanceOf(ExternalError);
    expect({ scanned, files: files.size }).toEqual({ scanned: [], files: 0 });
  });

  it("GIVEN a droplet that existed before the deploy and has no pin WHEN the step runs THEN the deploy refuses (exit 3) naming it and the ssh-keyscan fix, and writes no file", async () => {
    const world = new FakeWorld();
    const files = new Map<string, string>();
    const pinned = world.droplets.filter((d) => d.name !== "web-green").map((d) => pinLine(d.publicIp)).join("\n");
    const out = await deployPinning(world, applyingRunner(world, []), pinning(files, [], pinned));
    const error = ("e" in out ? out.e : undefined) as ExternalError;
    expect(error.exitCode).toBe(ExitCode.external);
    expect(error.oneLine()).toMatch(/no host key is pinned for 198\.18\.1\.12, and this deploy did not create it, so its scan is not trusted — fix: pin it once by hand: ssh-keyscan -p 22 -t ed25519 198\.18\.1\.12/);
    expect(files.size).toBe(0);
    expect(world.lockHolder).toBeNull();
  });
});

describe("npm run deploy (infra/deploy-cli.ts)", () => {
  async function cli(world: FakeWorld, runner: CommandRunner, env: Record<string, string | undefined> = TEST_ENV, argv: string[] = []) {
    let stdout = "";
    let stderr = "";
    const code = await main(argv, {
      env,
      stdout: (t) => void (stdout += t),
      stderr: (t) => void (stderr += t),
      runner,
      makePorts: () => world.ports(),
      self: identity(500),
      scanHostKey: async (host) => [{ type: "ssh-ed25519", base64: hostKeyOf(host) }],
    });
    return { code, stdout, stderr };
  }

  it("GIVEN a balancer WHEN run THEN it exits 0 and says it deployed under the lock", async () => {
    const world = new FakeWorld();
    const { code, stdout } = await cli(world, new FakeRunner(world), TEST_ENV, ["--message", "add a key"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/deployed web-production under the deploy lock on web-lb/);
  });

  it("GIVEN a cutover holds the lock WHEN run THEN it exits 4 with one line naming the holder and the fix", async () => {
    const world = new FakeWorld();
    world.lockHolder = { id: "c", who: "alice@laptop", host: "elsewhere", pid: 1, command: "cutover", acquiredAt: "2026-11-22T11:59:00.000Z", expiresAt: "2026-11-22T12:14:00.000Z" };
    const { code, stderr } = await cli(world, new FakeRunner(world));
    expect(code).toBe(ExitCode.lockHeld);
    expect(stderr).toMatch(/^deploy: deploy lock held by alice@laptop \(cutover\) .* — fix: wait for that run to finish/);
  });

  it("GIVEN the guard refuses WHEN run THEN it exits 2", async () => {
    const world = new FakeWorld();
    expect((await cli(world, new FakeRunner(world, { guard: 2 }))).code).toBe(ExitCode.usage);
  });

  describe("--known-hosts-out", () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "deploy-known-hosts-"))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("GIVEN SSH_KNOWN_HOSTS unset and SSH_KNOWN_HOSTS_FILE pinning the balancer WHEN a deploy replaces green THEN the file written is that file's pins, then green's new line", async () => {
      const world = new FakeWorld();
      const pinnedFile = join(dir, "pinned");
      const pinned = `${pinLine("198.18.1.10")}\n${pinLine("198.18.1.11")}\n`;
      writeFileSync(pinnedFile, pinned);
      const newGreen: Droplet = { id: 22, name: "web-green", tags: ["FALLBACK"], region: "nyc3", publicIp: "198.18.1.22" };
      const runner = new FakeRunner(world);
      const run = runner.run.bind(runner);
      runner.run = async (c) => {
        if (c.step === "apply") world.droplets = [...world.droplets.filter((d) => d.name !== "web-green"), newGreen];
        return run(c);
      };
      const out = join(dir, "known_hosts.pinned");
      const { code, stdout } = await cli(world, runner, { ...TEST_ENV, SSH_KNOWN_HOSTS: undefined, SSH_KNOWN_HOSTS_FILE: pinnedFile }, ["--known-hosts-out", out]);
      expect(code).toBe(0);
      const written = readFileSync(out, "utf8");
      expect(written.startsWith(pinned)).toBe(true);
      expect(written.trimEnd().split("\n").at(-1)).toBe(pinLine("198.18.1.22"));
      expect(stdout).toMatch(/host keys for the switch: .*known_hosts\.pinned \(1 new\)/);
    });

    it("GIVEN SSH_KNOWN_HOSTS_FILE names a missing file WHEN run with --known-hosts-out THEN it exits 2 before running anything", async () => {
      const world = new FakeWorld();
      const runner = new FakeRunner(world);
      const { code, stderr } = await cli(world, runner, { ...TEST_ENV, SSH_KNOWN_HOSTS: undefined, SSH_KNOWN_HOSTS_FILE: join(dir, "absent") }, ["--known-hosts-out", join(dir, "out")]);
      expect(code).toBe(ExitCode.usage);
      expect(stderr).toMatch(/cannot read SSH_KNOWN_HOSTS_FILE=.*absent \(ENOENT\)/);
      expect(runner.steps).toEqual([]);
    });

    it("GIVEN no --known-hosts-out WHEN run THEN no droplet is scanned and no list is taken before the apply", async () => {
      const world = new FakeWorld();
      const { code, stdout } = await cli(world, new FakeRunner(world));
      expect(code).toBe(0);
      expect(stdout).not.toMatch(/step (list-droplets|host-keys) started/);
    });
  });

  it("GIVEN no DIGITALOCEAN_TOKEN WHEN run THEN it exits 2 before running anything", async () => {
    const world = new FakeWorld();
    const runner = new FakeRunner(world);
    const { code, stderr } = await cli(world, runner, { ...TEST_ENV, DIGITALOCEAN_TOKEN: undefined });
    expect(code).toBe(ExitCode.usage);
    expect(stderr).toMatch(/DIGITALOCEAN_TOKEN is unset/);
    expect(runner.steps).toEqual([]);
  });
});

describe("ProcessRunner", () => {
  const node = process.execPath;
  it("GIVEN a command with a stdoutFile WHEN run THEN its standard output lands in the file and its exit code is returned", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deploy-runner-"));
    try {
      const runner = new ProcessRunner(process.env);
      const file = join(dir, "plan.json");
      expect(await runner.run({ step: "show", argv: [node, "-e", "process.stdout.write('{\"ok\":true}')"], stdoutFile: file, locked: true })).toBe(0);
      expect(readFileSync(file, "utf8")).toBe('{"ok":true}');
      expect(await runner.run({ step: "apply", argv: [node, "-e", "process.exit(3)"], locked: true })).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("GIVEN a program that is not installed WHEN run THEN it is a usage error naming it", async () => {
    await expect(new ProcessRunner(process.env).run({ step: "init", argv: ["terraform-not-installed-here"], locked: false })).rejects.toThrow(/cannot run terraform-not-installed-here/);
  });
});
