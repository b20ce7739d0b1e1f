import { ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

const SERVER = path.resolve(__dirname, "../../app/server.js");

interface RunningApp {
  readonly child: ChildProcess;
  readonly url: string;
}

/** Starts the example app exactly as its image does (`node server.js`), on a free loopback port. */
async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, HOST: "127.0.0.1", PORT: "0", ...env }, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  for await (const chunk of child.stdout!) {
    output += chunk;
    const match = /listening on (\S+):(\d+)/.exec(output);
    if (match) return { child, url: `http://${match[1]}:${match[2]}` };
  }
  throw new Error(`the app exited before listening: ${output}`);
}

describe("the example app (app/server.js) the build job packages", () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({ APP_VERSION: "0b3253c1", APP_HEALTH_PATH: "/healthz" });
  });

  afterAll(() => {
    if (app.child.exitCode === null) app.child.kill("SIGKILL");
  });

  it.each([
    ["/", 200],
    ["/healthz", 200],
    ["/health", 404],
    ["/missing", 404],
  ])("GIVEN APP_VERSION and APP_HEALTH_PATH=/healthz WHEN GET %s THEN it answers %i with the version in the body and the X-App-Version header", async (urlPath, status) => {
    const res = await fetch(`${app.url}${urlPath}`);
    expect(res.status).toBe(status);
    expect(res.headers.get("x-app-version")).toBe("0b3253c1");
    expect(await res.json()).toMatchObject({ version: "0b3253c1" });
  });

  it("GIVEN the health path WHEN GET THEN the body says status ok", async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ version: "0b3253c1", status: "ok" });
  });

  it("GIVEN a running app WHEN it receives SIGTERM THEN it exits 0 (so the switch can stop it cleanly)", async () => {
    const exited = once(app.child, "exit");
    app.child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
  });
});
