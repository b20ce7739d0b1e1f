import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../../core/config";
import { certonlyArgv, deployHookScript, obtainScript } from "../../../core/tls";
import { withTempDir } from "../debian-validators";

const AUTO = { APP_DOMAIN: "shop.example.org", TLS_EXTRA_NAMES: "www.shop.example.org" };

describe("certbot's request", () => {
  it("GIVEN TLS=auto WHEN the request is built THEN it is standalone HTTP-01 on loopback, against the directory, for every name, with the deploy hook", () => {
    const argv = certonlyArgv(loadConfig({ ...AUTO, ACME_EMAIL: "ops@shop.example.org" }, "stack"), "/usr/local/sbin/hook");
    expect(argv.join(" ")).toBe(
      "certbot certonly --non-interactive --agree-tos --email ops@shop.example.org --standalone --preferred-challenges http --http-01-address 127.0.0.1 --http-01-port 8402 " +
        "--server https://acme-v02.api.letsencrypt.org/directory --cert-name do-bluegreen --keep-until-expiring --expand -d shop.example.org -d www.shop.example.org --deploy-hook /usr/local/sbin/hook",
    );
  });

  it.each([
    ["Debian's directory", {}, []],
    ["another directory (the lab's)", { CERTBOT_CONFIG_DIR: "/srv/le" }, ["--config-dir", "/srv/le", "--work-dir", "/srv/le/work", "--logs-dir", "/srv/le/logs"]],
  ])("GIVEN %s WHEN the request is built THEN certbot's directories are %j", (_, env, dirs) => {
    const argv = certonlyArgv(loadConfig({ ...AUTO, ...env }, "stack"), "/hook");
    expect(argv.slice(argv.indexOf("/hook") + 1)).toEqual(dirs);
    expect(argv).not.toContain("--email");
    expect(argv).toContain("--register-unsafely-without-email");
  });
});

describe("the balancer's certificate scripts", () => {
  it.each([["the obtain loop", "obtain"], ["the deploy hook", "hook"]])("GIVEN %s WHEN parsed by sh THEN it is valid", (_, which) => {
    const config = loadConfig(AUTO, "stack");
    const text = which === "obtain" ? obtainScript(config, { deployHook: "/hook" }) : deployHookScript(config);
    const result = spawnSync("sh", ["-n"], { input: text, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  /**
   * A fake certbot on PATH: the first two requests fail as the CA reports a DNS problem, the third succeeds and runs the
   * deploy hook as certbot would. Each failure must leave a pending line with the CA's reason, and the loop must end.
   */
  it("GIVEN a CA that refuses twice WHEN the obtain loop runs THEN each refusal is recorded as pending with the CA's reason, then the hook's issued line ends it", () => {
    withTempDir((dir) => {
      const bin = join(dir, "bin");
      const stateDir = join(dir, "state");
      mkdirSync(bin);
      mkdirSync(stateDir);
      const seen = join(dir, "seen");
      writeFileSync(
        join(bin, "certbot"),
        [
          "#!/bin/sh",
          `n=$(cat ${dir}/count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > ${dir}/count`,
          `cat ${stateDir}/certificate-status >> ${seen}`,
          'if [ "$n" -lt 3 ]; then printf "Some challenges have failed.\\n  Domain: shop.example.org\\n  Detail: DNS problem: NXDOMAIN looking up A for shop.example.org\\n\\nHint: ...\\n"; exit 1; fi',
          `RENEWED_LINEAGE=${dir}/live ${dir}/hook`,
        ].join("\n"),
      );
      writeFileSync(join(dir, "hook"), `#!/bin/sh\nprintf 'issued 2026-12-02T00:00:00Z Mar  2 00:00:00 2027 GMT\\n' > ${stateDir}/certificate-status\n`);
      [join(bin, "certbot"), join(dir, "hook")].forEach((f) => chmodSync(f, 0o755));
      const config = loadConfig({ ...AUTO, SWITCH_STATE_DIR: "/srv/unused" }, "stack");
      const script = obtainScript({ ...config, stateDir }, { deployHook: join(dir, "hook") }, { firstSeconds: 0, maxSeconds: 0 });

      const result = spawnSync("sh", ["-s"], { input: script, encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin` }, timeout: 20_000 });

      expect(result.status).toBe(0);
      expect(readFileSync(join(dir, "count"), "utf8").trim()).toBe("3");
      const lines = readFileSync(seen, "utf8").trim().split("\n");
      expect(lines.map((l) => l.replace(/^pending \S+ /, "pending <time> "))).toEqual([
        "pending <time> asking the CA for the first time",
        "pending <time> DNS problem: NXDOMAIN looking up A for shop.example.org (next try in 0 s)",
        "pending <time> DNS problem: NXDOMAIN looking up A for shop.example.org (next try in 0 s)",
      ]);
      expect(readFileSync(join(stateDir, "certificate-status"), "utf8")).toMatch(/^issued /);
    });
  });
});
