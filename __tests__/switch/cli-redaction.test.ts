import { ExternalError } from "../../core/errors";
import { CliIo, main } from "../../switch/cli";
import type { DeploymentRecorder, Ports } from "../../switch/ports";
import { TEST_ENV } from "./fakes/config";
import { identity } from "./fakes/harness";
import { FakeWorld } from "./fakes/world";

/**
 * Every output path of the switch, with hostile secrets: each scenario makes one outside source (an API error, a
 * container's log, a commit title, an old audit line, a lock holder) carry the secrets, and every sink (stdout, stderr,
 * the --json line, the audit log, the GitHub Deployment) must show none of their forms and no terminal control.
 */

interface Hostile {
  readonly env: Record<string, string>;
  /** What an outside source carries: every secret of the case, run together where they overlap. */
  readonly leak: string;
  /** What must never be seen: each secret, and each line of a multi-line one. */
  readonly secrets: readonly string[];
}

const PEM = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'hostile"line\\one-material', "line-two-material-xyz", "-----END OPENSSH PRIVATE KEY-----"].join("\n");

const CASES: [string, Hostile][] = [
  ["quotes", { env: { CI_REGISTRY_PASSWORD: `pa"ss'wo"rd-1` }, leak: `pa"ss'wo"rd-1`, secrets: [`pa"ss'wo"rd-1`] }],
  ["backslashes", { env: { CI_REGISTRY_PASSWORD: 'back\\slash\\"q-2' }, leak: 'back\\slash\\"q-2', secrets: ['back\\slash\\"q-2'] }],
  [
    "two overlapping secrets",
    {
      env: { CI_REGISTRY_PASSWORD: "overlap-AAAA-BBBB", GITHUB_TOKEN: "BBBB-CCCC-token", GITHUB_REPOSITORY: "acme/web" },
      leak: "overlap-AAAA-BBBB-CCCC-token",
      secrets: ["overlap-AAAA-BBBB", "BBBB-CCCC-token"],
    },
  ],
  ["a multi-line key", { env: { SSH_PRIVATE_KEY: PEM }, leak: PEM, secrets: [PEM, 'hostile"line\\one-material', "line-two-material-xyz"] }],
];

/** Text from outside also carries terminal controls: a forged GitLab section and a carriage return. */
const FORGERY = "\u001b[0Ksection_end:1:switch_verify_1\r\u001b[0Kstep verify done (1 ms)\u001b[31m";

interface Sinks {
  code: number;
  stdout: string;
  stderr: string;
  json?: string;
  audit: string;
  github: string[];
}

async function run(argv: string[], world: FakeWorld, env: Record<string, string>): Promise<Sinks> {
  let stdout = "";
  let stderr = "";
  const github: string[] = [];
  const recorder: DeploymentRecorder = {
    start: async (image, description) => (github.push(image, description), world.recorder.start(image, description)),
    finish: async (handle, state, description) => (github.push(description), world.recorder.finish(handle, state, description)),
  };
  const io: CliIo = {
    env: { ...TEST_ENV, ...env },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    isTTY: false,
    makePorts: (): Ports => ({ ...world.ports(), deployments: recorder }),
    self: identity(100),
  };
  const before = world.audit.length;
  const code = await main(argv, io);
  const last = stdout.trimEnd().split("\n").pop();
  // Only what this run wrote: a scenario may seed an older, unmasked line for status to show.
  return { code, stdout, stderr, json: last?.startsWith("{") ? last : undefined, audit: JSON.stringify(world.audit.slice(before)), github };
}

const SCENARIOS: [string, (world: FakeWorld, leak: string) => string[]][] = [
  [
    "an API error after the hand-over (stderr, --json error, progress line, audit error, GitHub description)",
    (world, leak) => {
      world.digitalocean.tagDroplet = async () => {
        throw new ExternalError(`DigitalOcean said: ${leak} ${FORGERY}`, `retry with ${leak}`);
      };
      return ["--image", "registry.test/web:v2", "--json"];
    },
  ],
  [
    "a rejected container's log lines",
    (world, leak) => {
      const engine = world.engine(2);
      engine.logs = async () => `booting\n${leak}\n${FORGERY}\n`;
      return ["--image", "registry.test/web:health-fails", "--json"];
    },
  ],
  ["a commit title as --message (lock, audit message, GitHub description)", (_world, leak) => ["--image", "registry.test/web:v2", "--message", `${leak} ${FORGERY}`, "--json"]],
  [
    "an old audit line shown by status",
    (world, leak) => {
      world.audit.push({ at: "2026-11-22T11:00:00.000Z", who: `x ${FORGERY}`, command: "cutover", outcome: "failed", durationMs: 1, error: leak, message: leak });
      return ["status"];
    },
  ],
  [
    "an old audit line in status --json",
    (world, leak) => {
      world.audit.push({ at: "2026-11-22T11:00:00.000Z", who: "x", command: "cutover", outcome: "failed", durationMs: 1, error: leak, message: `${leak}${FORGERY}` });
      return ["status", "--json"];
    },
  ],
  [
    "a lock holder's message",
    (world, leak) => {
      world.lockHolder = { id: "other", who: "bob", host: "h", pid: 1, command: "cutover", message: `${leak}${FORGERY}`, acquiredAt: "2026-11-22T11:59:00Z", expiresAt: "2026-11-22T12:30:00Z" };
      return ["lock", "status"];
    },
  ],
];

describe("redaction over every output path, with hostile secrets", () => {
  describe.each(CASES)("GIVEN secrets with %s", (_name, hostile) => {
    it.each(SCENARIOS)("WHEN %s THEN no sink shows a secret, its escaped form, or a terminal control", async (_scenario, arrange) => {
      const world = new FakeWorld();
      const argv = arrange(world, hostile.leak);
      const sinks = await run(argv, world, hostile.env);
      const texts: [string, string][] = [
        ["stdout", sinks.stdout],
        ["stderr", sinks.stderr],
        ["audit", sinks.audit],
        ["github", sinks.github.join("\n")],
      ];
      for (const [sink, text] of texts)
        for (const secret of hostile.secrets) {
          expect([sink, text.includes(secret)]).toEqual([sink, false]);
          expect([sink, text.includes(JSON.stringify(secret).slice(1, -1))]).toEqual([sink, false]);
        }
      for (const [sink, text] of [texts[0], texts[1]]) expect([sink, /[\u001b\r]/.test(text)]).toEqual([sink, false]);
      if (sinks.json) expect(JSON.stringify(JSON.parse(sinks.json))).not.toMatch(/\\u001b|\\r/);
      expect(sinks.stdout + sinks.stderr + sinks.audit + sinks.github.join("")).toContain("[redacted]");
    });
  });
});
