import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../../core/config";
import { ExitCode } from "../../../core/errors";
import { PinnedHostKeys, pinHostKeys } from "../../../infra/host-keys/pin";
import { scanHostKey } from "../../../infra/host-keys/scan";
import { allHosts } from "../../../lab/plan";
import { DigitalOceanClient } from "../../../switch/adapters/do-api";
import { parseKnownHosts, pinnedKeysFor } from "../../../switch/adapters/known-hosts";
import { systemClock } from "../../../switch/ports";
import { SuiteContext, images, otherVersion, switchCli, tail } from "../support/context";
import { expectConverged, observeTruth } from "../support/truth";

/**
 * The first deploy's path after `terraform apply`, for real: `npm run deploy` cannot run here (no DigitalOcean provider,
 * issue 14), so the host-key step it runs after the apply is fed "no droplet before the apply" and the simulator's
 * droplets after it. It scans the lab's real sshds; the switch then runs with that file as its only known_hosts.
 */
export function describeFirstDeployHostKeys(ctx: SuiteContext): void {
  describe("first deploy: the deploy pins the host keys of the droplets it created", () => {
    let dir: string;
    let pinnedFile: string;
    let pinned: PinnedHostKeys;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "first-deploy-host-keys-"));
      pinnedFile = join(dir, "known_hosts.pinned");
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("GIVEN no host key pinned and no droplet before the apply WHEN the deploy's host-key step runs THEN it scans the three lab droplets and writes one line each, the key its sshd really has", async () => {
      const config = loadConfig(ctx.lab().env(), "stack");
      pinned = await pinHostKeys(
        { digitalocean: new DigitalOceanClient({ baseUrl: config.digitalocean.apiUrl, token: config.digitalocean.token ?? "" }), clock: systemClock, scan: scanHostKey, writeFile },
        { before: [], pinnedText: "", port: config.ssh.port, tags: config.tags, outFile: pinnedFile },
      );
      const hosts = allHosts(ctx.lab().plan);
      expect([...pinned.scanned].sort()).toEqual(hosts.map((h) => h.dropletName).sort());
      const written = parseKnownHosts(readFileSync(pinnedFile, "utf8"));
      // The lab's own known_hosts holds the keys it generated for its sshds: the truth the scan must have found.
      const truth = parseKnownHosts(readFileSync(ctx.lab().env().SSH_KNOWN_HOSTS_FILE, "utf8"));
      expect(written).toHaveLength(hosts.length);
      for (const host of hosts) {
        const scanned = pinnedKeysFor(written, host.publicIp, config.ssh.port);
        expect({ host: host.role, keys: scanned.length, isTheSshdsKey: scanned.length === 1 && pinnedKeysFor(truth, host.publicIp, config.ssh.port).some((k) => k.equals(scanned[0])) }).toEqual({
          host: host.role,
          keys: 1,
          isTheSshdsKey: true,
        });
      }
    });

    it("GIVEN that file without the FALLBACK droplet's line WHEN the switch cuts over with it THEN it refuses with exit 3, no host key is pinned for that droplet, and the lab is as it was", async () => {
      const current = await observeTruth(ctx.lab());
      expect(current.fallback).toHaveLength(1);
      const fallbackIp = allHosts(ctx.lab().plan).find((h) => h.role === current.fallback[0])!.publicIp;
      const partial = join(dir, "known_hosts.partial");
      const lines = readFileSync(pinnedFile, "utf8").split("\n");
      writeFileSync(partial, lines.filter((l) => !l.startsWith(`${fallbackIp} `)).join("\n"));
      expect(lines.length - readFileSync(partial, "utf8").split("\n").length).toBe(1);

      const run = await switchCli(ctx, ["--image", images(ctx)[otherVersion(ctx.current)], "--json"], { env: { SSH_KNOWN_HOSTS_FILE: partial } });
      if (run.code !== ExitCode.external) throw new Error(`expected exit ${ExitCode.external}: ${tail(run)}`);
      expect(run.stdout + run.stderr).toMatch(new RegExp(`no host key is pinned for ${fallbackIp.replace(/\./g, "\\.")}`));
      expect(await observeTruth(ctx.lab())).toEqual(current);
    });

    it("GIVEN the whole file as the switch's only known_hosts WHEN it cuts over THEN it succeeds and the lab converges on the new version", async () => {
      expect(pinned.added).toHaveLength(allHosts(ctx.lab().plan).length);
      const next = otherVersion(ctx.current);
      const run = await switchCli(ctx, ["--image", images(ctx)[next], "--json"], { env: { SSH_KNOWN_HOSTS_FILE: pinnedFile } });
      if (run.code !== ExitCode.ok) throw new Error(`the cutover with the deploy's known_hosts failed: ${tail(run)}`);
      expectConverged(await observeTruth(ctx.lab()), next);
      ctx.current = next;
    });
  });
}
