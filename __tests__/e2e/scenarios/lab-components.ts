import { readFileSync } from "node:fs";
import { Lab } from "../../../lab/lab";
import { workerPaths } from "../../../lab/plan";
import { sshPaths } from "../../../lab/services/sshd";
import { SimulatorControl } from "../../../lab/simulator-control";
import { ExecRunner } from "../../../lab/runner";
import { dockerOverSsh, getThroughTunnel, pull, sshConnect, sshExec, sshOptions } from "../support/ssh";

/** The lab's own parts, each reached the way the switch reaches them on DigitalOcean. */
export function describeLabComponents(getLab: () => Lab): void {
  describe("lab components", () => {
    it("GIVEN each worker WHEN dockerode connects over SSH THEN it reaches that worker's own dockerd", async () => {
      const lab = getLab();
      for (const worker of lab.plan.workers) {
        const info = (await dockerOverSsh(lab, worker).info()) as { DockerRootDir: string; Driver: string };
        expect(info.DockerRootDir).toBe(workerPaths(lab.plan, worker).dataRoot);
        expect(info.Driver).toBe("overlay2");
      }
    });

    it("GIVEN the registry WHEN asked without credentials THEN it answers 401", async () => {
      const res = await fetch(`http://${getLab().plan.registry.address}/v2/`);
      expect(res.status).toBe(401);
    });

    it("GIVEN wrong registry credentials WHEN a worker pulls THEN the pull is denied; with the lab's credentials it succeeds", async () => {
      const lab = getLab();
      const env = lab.env();
      const docker = dockerOverSsh(lab, lab.plan.workers[0]);
      const serveraddress = env.CI_REGISTRY;
      await expect(pull(docker, env.LAB_IMAGE_V1, { username: env.CI_REGISTRY_USER, password: "wrong-password", serveraddress })).rejects.toThrow(/unauthorized|no basic auth|denied|authentication required/i);
      await pull(docker, env.LAB_IMAGE_V1, { username: env.CI_REGISTRY_USER, password: env.CI_REGISTRY_PASSWORD, serveraddress });
      const image = await docker.getImage(env.LAB_IMAGE_V1).inspect();
      expect(image.Config.Env).toContain("APP_VERSION=v1");
    });

    it("GIVEN a container started with host networking on a worker WHEN checked through an SSH tunnel THEN its health path answers with its version", async () => {
      const lab = getLab();
      const env = lab.env();
      const worker = lab.plan.workers[0];
      const docker = dockerOverSsh(lab, worker);
      const container = await docker.createContainer({ Image: env.LAB_IMAGE_V1, name: "lab-probe", Env: ["PORT=8080"], HostConfig: { NetworkMode: "host" } });
      try {
        await container.start();
        let response = "";
        for (let i = 0; i < 50 && !response.includes("200 OK"); i++) {
          response = await getThroughTunnel(lab, worker, worker.privateIp, 8080, "/health").catch(() => "");
          if (!response.includes("200 OK")) await new Promise((r) => setTimeout(r, 100));
        }
        expect(response).toContain("200 OK");
        expect(response).toContain('"version":"v1"');
      } finally {
        await container.remove({ force: true });
      }
    });

    it("GIVEN the balancer WHEN its runtime API is used over SSH with socat THEN it shows the rendered backend's two server slots", async () => {
      const lab = getLab();
      const result = await sshExec(lab, lab.plan.balancer, `socat stdio UNIX-CONNECT:${lab.plan.paths.haproxyAdminSocket}`, "show servers state app\n");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/ app \d+ blue 198\.18\.\d+\.\d+ /);
      expect(result.stdout).toMatch(/ app \d+ green \S+ /);
    });

    it("GIVEN known_hosts pins each droplet's own key WHEN a droplet presents another droplet's key THEN the connection is refused", async () => {
      const lab = getLab();
      const [a, b] = lab.plan.workers;
      const swapped = readFileSync(sshPaths(lab.plan).knownHosts, "utf8")
        .split("\n")
        .map((line) => (line.startsWith(`${b.publicIp},`) ? line.replace(`${b.publicIp},${b.privateIp}`, `${a.publicIp},${a.privateIp}`) : line.startsWith(`${a.publicIp},`) ? "" : line))
        .join("\n");
      await expect(sshConnect(sshOptions(lab, a, swapped))).rejects.toThrow(/verification failed|host key/i);
    });

    it("GIVEN the simulator WHEN the reserved IP is assigned to the other worker THEN the address really moves, and back", async () => {
      const lab = getLab();
      const env = lab.env();
      const [a, b] = lab.plan.workers;
      const simulator = new SimulatorControl(lab.plan.simulator.url);
      const runner = new ExecRunner();
      const holds = async (ns: string) => (await runner.run({ argv: ["ip", "-n", ns, "-o", "addr", "show", "dev", "eth0"] })).stdout.includes(` ${lab.plan.floatingIp}/32 `);
      const assign = async (dropletId: number) => {
        const res = await fetch(`${env.DIGITALOCEAN_API_URL}/v2/reserved_ips/${lab.plan.floatingIp}/actions`, {
          method: "POST",
          headers: { authorization: `Bearer ${env.DIGITALOCEAN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ type: "assign", droplet_id: dropletId }),
        });
        expect(res.status).toBe(201);
        const { action } = (await res.json()) as { action: { id: number } };
        for (let i = 0; i < 100; i++) {
          const poll = (await (await fetch(`${env.DIGITALOCEAN_API_URL}/v2/actions/${action.id}`, { headers: { authorization: `Bearer ${env.DIGITALOCEAN_TOKEN}` } })).json()) as { action: { status: string } };
          if (poll.action.status !== "in-progress") return poll.action.status;
          await new Promise((r) => setTimeout(r, 200));
        }
        return "timeout";
      };
      await simulator.clearRequests();
      expect(await holds(a.namespace)).toBe(true);
      expect(await assign(b.dropletId)).toBe("completed");
      expect([await holds(a.namespace), await holds(b.namespace)]).toEqual([false, true]);
      expect(await assign(a.dropletId)).toBe("completed");
      expect([await holds(a.namespace), await holds(b.namespace)]).toEqual([true, false]);
      const logged = await simulator.requests();
      expect(logged.filter((r) => r.method === "POST" && r.path.endsWith("/actions"))).toHaveLength(2);
      expect((await simulator.state()).reservedIps[0].dropletId).toBe(a.dropletId);
    });
  });
}
