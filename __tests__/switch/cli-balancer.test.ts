import { CliIo, main } from "../../switch/cli";
import { TEST_ENV } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld, STACK_HAPROXY_CONFIG } from "./fakes/world";

async function cli(argv: string[], world = new FakeWorld(), env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    env: { ...TEST_ENV, ...env },
    stdout: (t) => stdout.push(...t.split("\n").filter((l) => l !== "")),
    stderr: (t) => stderr.push(...t.split("\n").filter((l) => l !== "")),
    isTTY: false,
    makePorts: () => world.ports(),
    self: identity(100),
  };
  return { code: await main(argv, io), stdout, stderr };
}

const lastJson = (r: { stdout: string[] }) => JSON.parse(r.stdout[r.stdout.length - 1]);

describe("switch CLI: balancer apply", () => {
  it("GIVEN a changed setting WHEN `balancer apply --json` runs THEN exit 0, step lines, and one JSON result with the reload", async () => {
    const world = new FakeWorld();
    const r = await cli(["balancer", "apply", "--json"], world, { APP_HEALTH_PATH: "/" });
    expect(r.code).toBe(0);
    expect(r.stdout).toEqual(expect.arrayContaining(["step lock started", "step reload started", "step unlock started"]));
    expect(lastJson(r)).toMatchObject({ ok: true, command: "balancer apply", outcome: "applied", balancer: "web-lb", config: { reload: { before: 4242, after: 4243 } } });
    expect(lastJson(r).steps.map((s: { name: string }) => s.name)).toEqual(["lock", "observe", "read", "reload", "kernel", "keys", "record", "unlock"]);
  });

  it("GIVEN nothing changed WHEN `balancer apply` runs THEN the last line says the balancer is up to date and the keys are untouched", async () => {
    const r = await cli(["balancer", "apply"]);
    expect(r.code).toBe(0);
    expect(r.stdout[r.stdout.length - 1]).toMatch(/^balancer web-lb is up to date: haproxy.cfg up to date \([0-9a-f]{12}\); kernel settings up to date; authorized_keys untouched \(SSH_AUTHORIZED_KEYS is empty\) \(reserved IP 198\.18\.1\.100, \d+ ms\)$/);
  });

  it("GIVEN --dry-run WHEN run THEN the diff is printed, the last line says nothing changed, and the world is as it was", async () => {
    const world = new FakeWorld();
    const r = await cli(["balancer", "apply", "--dry-run"], world, { APP_HEALTH_PATH: "/" });
    expect(r.code).toBe(0);
    // The health check and the maintenance rule's exception both follow APP_HEALTH_PATH: two lines out, two in.
    expect(r.stdout).toContain("+  http-check send meth GET uri / ver HTTP/1.1 hdr Host example.com");
    expect(r.stdout[r.stdout.length - 1]).toMatch(/^dry run, nothing changed: haproxy.cfg [0-9a-f]{12} → [0-9a-f]{12} \(4 line\(s\) change\); kernel settings up to date; authorized_keys untouched/);
    expect({ text: world.haproxyConfig.text, audit: world.audit, locked: world.lockHolder }).toEqual({ text: STACK_HAPROXY_CONFIG(), audit: [], locked: null });
  });

  it("GIVEN HAProxy refuses WHEN run with --json THEN exit 2, one error line with the fix, and a JSON failure naming the command", async () => {
    const world = new FakeWorld();
    world.refuseConfig = { when: /ssl crt/, reason: "parsing [/etc/haproxy/haproxy.cfg:24] : unable to stat SSL certificate from file '/etc/haproxy/site.pem'" };
    const r = await cli(["balancer", "apply", "--json"], world, { HAPROXY_TLS_CERT_PATH: "/etc/haproxy/site.pem" });
    expect(r.code).toBe(2);
    expect(r.stderr).toEqual([expect.stringMatching(/^error: HAProxy on web-lb refuses the rendered haproxy.cfg: parsing .*unable to stat SSL certificate.* — fix: put the certificate/)]);
    expect(lastJson(r)).toMatchObject({ ok: false, command: "balancer apply", exitCode: 2, kind: "usage" });
    expect(world.haproxyConfig.text).toBe(STACK_HAPROXY_CONFIG());
  });

  it("GIVEN status WHEN the balancer runs another file THEN its line says DIFFERS and names the command", async () => {
    const r = await cli(["status"], new FakeWorld(), { APP_HEALTH_PATH: "/" });
    expect(r.stdout).toContainEqual(expect.stringMatching(/^balancer config: DIFFERS \(running [0-9a-f]{12}, rendered [0-9a-f]{12}\) — run `npm run switch -- balancer apply`$/));
  });
});
