import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { GithubDeployments } from "../../../switch/adapters/github-deployments";

/** A loopback stand-in for api.github.com's deployment endpoints. */
async function fakeGithub(fail = false) {
  const requests: { method: string; url: string; body: Record<string, unknown>; auth?: string }[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      requests.push({ method: req.method!, url: req.url!, body: raw ? JSON.parse(raw) : {}, auth: req.headers.authorization });
      res.writeHead(fail ? 403 : 201, { "content-type": "application/json" });
      res.end(JSON.stringify(fail ? { message: "Resource not accessible by integration" } : req.url!.endsWith("/statuses") ? { id: 1 } : { id: 4242 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { requests, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

const TOKEN = "ghp_testtokentesttokentesttoken";

describe("GitHub Deployments (octokit against a loopback server)", () => {
  it("GIVEN a cutover WHEN recorded THEN a deployment is created and its statuses go in_progress → success with the environment URL", async () => {
    const gh = await fakeGithub();
    const recorder = new GithubDeployments({
      token: TOKEN,
      repository: "acme/web",
      ref: "abc123",
      environmentUrl: "https://example.com",
      baseUrl: gh.baseUrl,
      warn: () => undefined,
    });
    const id = await recorder.start("registry.test/web:v2", "deploy v2");
    await recorder.finish(id, "success", "deployed");
    await gh.close();
    expect(id).toBe(4242);
    expect(gh.requests.map((r) => [r.method, r.url])).toEqual([
      ["POST", "/repos/acme/web/deployments"],
      ["POST", "/repos/acme/web/deployments/4242/statuses"],
      ["POST", "/repos/acme/web/deployments/4242/statuses"],
    ]);
    expect(gh.requests[0].body).toMatchObject({ ref: "abc123", environment: "production", payload: { image: "registry.test/web:v2" }, required_contexts: [] });
    expect(gh.requests.slice(1).map((r) => [r.body.state, r.body.environment_url])).toEqual([
      ["in_progress", "https://example.com"],
      ["success", "https://example.com"],
    ]);
    expect(gh.requests[0].auth).toBe(`token ${TOKEN}`);
  });

  it("GIVEN a failure description carrying an app secret WHEN recorded THEN GitHub gets it masked by the run's redactor", async () => {
    const gh = await fakeGithub();
    const secret = "postgres://app:pa55w0rd@db/app";
    const recorder = new GithubDeployments({ token: TOKEN, repository: "acme/web", ref: "abc", environmentUrl: "https://example.com", baseUrl: gh.baseUrl, warn: () => undefined, redact: (t) => t.split(secret).join("[redacted]") });
    const id = await recorder.start("registry.test/web:v2", `deploy with ${secret}`);
    await recorder.finish(id, "failure", `hook failed connecting to ${secret}`);
    await gh.close();
    const sent = JSON.stringify(gh.requests.map((r) => r.body));
    expect(sent).not.toContain(secret);
    expect(sent).toContain("[redacted]");
  });

  it("GIVEN GitHub refuses WHEN recording THEN the deploy is not broken: one warning without the token", async () => {
    const gh = await fakeGithub(true);
    const warnings: string[] = [];
    const recorder = new GithubDeployments({
      token: TOKEN,
      repository: "acme/web",
      ref: "abc",
      environmentUrl: "https://example.com",
      baseUrl: gh.baseUrl,
      warn: (w) => warnings.push(w),
    });
    const id = await recorder.start("x:v1", "d");
    await recorder.finish(id, "failure", "d");
    await gh.close();
    expect(id).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not record a GitHub deployment/);
    expect(warnings[0]).not.toContain(TOKEN);
  });
});
