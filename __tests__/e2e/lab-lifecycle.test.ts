/**
 * `npm run lab -- up|down|status` as a person runs them, including the unhappy paths: a `lab up`
 * killed with SIGKILL half-way, Ctrl-C during `lab up`, and `down` run twice. After `down`
 * nothing of the lab may remain: namespaces, links, processes, mounts, directories.
 */
import { existsSync } from "node:fs";
import { Lab } from "../../lab/lab";
import { allHosts, planLab } from "../../lab/plan";
import { ExecRunner } from "../../lab/runner";
import { mountsUnder, pidsInNamespaces, pidsMentioning } from "../../lab/processes/leftovers";
import { ensureLabPrerequisites } from "./support/lab-fixture";
import { runLabCli } from "./support/lab-cli";
import { dockerOverSsh, pull } from "./support/ssh";

jest.setTimeout(180_000);

let index: number;

async function traces(i: number) {
  const plan = planLab(i);
  const runner = new ExecRunner();
  const namespaces = JSON.parse((await runner.run({ argv: ["ip", "-j", "netns", "list"] })).stdout || "[]") as { name: string }[];
  const links = JSON.parse((await runner.run({ argv: ["ip", "-j", "link", "show"] })).stdout || "[]") as { ifname: string }[];
  const roots = [plan.paths.stateDir, plan.paths.dataDir];
  return {
    namespaces: namespaces.map((n) => n.name).filter((n) => n.startsWith(`${plan.prefix}-`)),
    links: links.map((l) => l.ifname).filter((n) => n === plan.prefix || n.startsWith(`${plan.prefix}-`)),
    processes: [...pidsInNamespaces(allHosts(plan).map((h) => h.namespace)), ...pidsMentioning(roots)],
    mounts: mountsUnder(roots),
    directories: roots.filter((r) => existsSync(r)),
  };
}

const NOTHING = { namespaces: [], links: [], processes: [], mounts: [], directories: [] };

beforeAll(async () => {
  ensureLabPrerequisites();
  index = (await Lab.claimFree({ runner: new ExecRunner(), report: () => undefined })).plan.index;
});

afterAll(async () => {
  if (index) await new Lab(planLab(index)).down();
}, 120_000);

describe("lab lifecycle through the CLI", () => {
  it("GIVEN `lab up` killed with SIGKILL half-way WHEN `lab up` runs again with that index THEN it comes up with every process alive", async () => {
    const crashed = await runLabCli(["up", "--index", String(index)], { when: /starting registry/, signal: "SIGKILL", delayMs: 300 });
    expect(crashed.signal).toBe("SIGKILL");
    expect((await traces(index)).namespaces.length).toBeGreaterThan(0);

    const up = await runLabCli(["up", "--index", String(index)]);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`export FLOATING_IP=198.18.${index}.100`);
    const status = await runLabCli(["status", String(index), "--json"]);
    const lab = (JSON.parse(status.stdout.trim().split("\n").pop()!) as { labs: { phase: string; processes: Record<string, { alive: boolean }> }[] }).labs[0];
    expect(lab.phase).toBe("up");
    expect(Object.entries(lab.processes).filter(([, p]) => !p.alive)).toEqual([]);
    expect(Object.keys(lab.processes).sort()).toEqual(["dockerd-worker-a", "dockerd-worker-b", "haproxy", "pebble", "registry", "simulator", "sshd-balancer", "sshd-worker-a", "sshd-worker-b"]);
  });

  it("GIVEN a running lab with a container (so dockerd holds overlay mounts) WHEN `lab down` runs THEN nothing of it remains, and a second `down` succeeds", async () => {
    const lab = new Lab(planLab(index));
    const env = lab.env();
    const docker = dockerOverSsh(lab, lab.plan.workers[0]);
    await pull(docker, env.LAB_IMAGE_V1, { username: env.CI_REGISTRY_USER, password: env.CI_REGISTRY_PASSWORD, serveraddress: env.CI_REGISTRY });
    const container = await docker.createContainer({ Image: env.LAB_IMAGE_V1, HostConfig: { NetworkMode: "host" } });
    await container.start();
    expect((await traces(index)).mounts.length).toBeGreaterThan(0);

    const down = await runLabCli(["down", String(index)]);
    expect(down.code).toBe(0);
    expect(await traces(index)).toEqual(NOTHING);
    const again = await runLabCli(["down", String(index)]);
    expect(again.code).toBe(0);
    expect(await traces(index)).toEqual(NOTHING);
  });

  it("GIVEN Ctrl-C (SIGINT) during `lab up` THEN it cleans up after itself and exits 130", async () => {
    const interrupted = await runLabCli(["up", "--index", String(index)], { when: /starting registry/, signal: "SIGINT", delayMs: 200 });
    expect(interrupted.code).toBe(130);
    expect(await traces(index)).toEqual(NOTHING);
  });
});
