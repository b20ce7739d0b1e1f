import { ExitCode, ExternalError, UsageError } from "../../core/errors";
import { CommandRunner, DEPLOY_STEPS, DeployCommand, DeployStepName, STACK_DIR, deployCommands, runDeploy } from "../../infra/deploy";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProcessRunner, main } from "../../infra/deploy-cli";
import { runCutover } from "../../switch/cutover";
import { InconsistentStateError, LockHeldError, LockLostError } from "../../switch/errors";
import type { Timer } from "../../switch/lock";
import { TEST_ENV, testConfig } from "../switch/fakes/config";
import { captureReporter, deps as switchDeps, identity, manualLockTimer } from "../switch/fakes/harness";
import { FakeWorld } from "../switch/fakes/world";

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
