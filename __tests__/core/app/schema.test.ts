import { parseAppDefinition, parseSize } from "../../../core/app";

const parse = (raw: unknown) => parseAppDefinition(raw, "bluegreen.config.ts");

describe("the app definition schema", () => {
  it("GIVEN an empty definition WHEN parsed THEN every default applies: no env, no volumes, rotated json-file logs, 30 s stop grace", () => {
    expect(parse({})).toEqual({
      issues: [],
      app: {
        source: "bluegreen.config.ts",
        clearEnv: {},
        secretNames: [],
        volumes: [],
        memoryBytes: undefined,
        cpus: undefined,
        log: { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } },
        command: undefined,
        stopGraceSeconds: 30,
        hooks: {},
      },
    });
  });

  it("GIVEN a full definition WHEN parsed THEN it is normalised (sizes in bytes, hook timeouts in ms, volumes read-write unless said)", () => {
    const { app, issues } = parse({
      env: { clear: { RAILS_ENV: "production", PEM: "-----BEGIN X-----\nabc\n-----END X-----" }, secret: ["DATABASE_URL"] },
      volumes: [{ source: "app-data", target: "/data" }, { source: "/srv/uploads", target: "/uploads", readOnly: true }],
      resources: { memory: "512m", cpus: 0.5 },
      logging: { driver: "syslog" },
      command: ["node", "server.js"],
      stopGraceSeconds: 10,
      hooks: { preSwitch: { command: ["npm", "run", "migrate"] }, postSwitch: { command: ["notify"], timeoutSeconds: 5 } },
    });
    expect(issues).toEqual([]);
    expect(app).toMatchObject({
      clearEnv: { RAILS_ENV: "production", PEM: "-----BEGIN X-----\nabc\n-----END X-----" },
      secretNames: ["DATABASE_URL"],
      volumes: [
        { source: "app-data", target: "/data", readOnly: false },
        { source: "/srv/uploads", target: "/uploads", readOnly: true },
      ],
      memoryBytes: 512 * 1024 * 1024,
      cpus: 0.5,
      log: { driver: "syslog", options: {} },
      command: ["node", "server.js"],
      stopGraceSeconds: 10,
      hooks: { preSwitch: { command: ["npm", "run", "migrate"], timeoutMs: 300_000 }, postSwitch: { command: ["notify"], timeoutMs: 5000 } },
    });
  });

  it.each([
    ["an invalid variable name", { env: { clear: { "1BAD": "x" } } }, "env.clear.1BAD", "not a valid variable name"],
    ["an invalid secret name", { env: { secret: ["bad-name"] } }, "env.secret.0", "not a valid variable name"],
    ["a duplicate secret name", { env: { secret: ["API_KEY", "API_KEY"] } }, "env.secret.1", "API_KEY is listed twice"],
    ["a name both clear and secret", { env: { clear: { API_KEY: "x" }, secret: ["API_KEY"] } }, "env.secret.0", "API_KEY is both clear and secret"],
    ["PORT, which APP_PORT sets", { env: { clear: { PORT: "80" } } }, "env.clear.PORT", "PORT is set by do-bluegreen"],
    ["a relative volume path", { volumes: [{ source: "./data", target: "/data" }] }, "volumes.0.source", "a relative volume path"],
    ["a relative volume target", { volumes: [{ source: "data", target: "data" }] }, "volumes.0.target", "absolute path inside the container"],
    ["a target mounted twice", { volumes: [{ source: "a1", target: "/d" }, { source: "b1", target: "/d" }] }, "volumes.1.target", "/d is mounted twice"],
    ["a hook command that is a string", { hooks: { preSwitch: { command: "npm run migrate" } } }, "hooks.preSwitch.command", "a hook command must be an array of strings"],
    ["a hook command with a number", { hooks: { preSwitch: { command: ["sleep", 5] } } }, "hooks.preSwitch.command.1", "a hook command must be an array of strings"],
    ["an empty hook command", { hooks: { postSwitch: { command: [] } } }, "hooks.postSwitch.command", "a hook command is empty"],
    ["memory below 6 MiB", { resources: { memory: "4m" } }, "resources.memory", "below 6 MiB"],
    ["memory that is not a size", { resources: { memory: "lots" } }, "resources.memory", "not a size"],
    ["an unknown setting", { volume: [] }, "(the exported value)", "unknown setting volume"],
    ["a negative hook timeout", { hooks: { preSwitch: { command: ["x"], timeoutSeconds: -1 } } }, "hooks.preSwitch.timeoutSeconds", "Number must be greater than 0"],
  ])("GIVEN %s WHEN parsed THEN it is refused at its path with a fix", (_name, raw, path, problem) => {
    const { app, issues } = parse(raw);
    expect(app).toBeUndefined();
    expect(issues).toHaveLength(1);
    expect(issues[0].variable).toBe(`bluegreen.config.ts → ${path}`);
    expect(issues[0].problem).toContain(problem);
    expect(issues[0].fix).toBeTruthy();
  });

  it("GIVEN several problems WHEN parsed THEN all are reported at once", () => {
    const { issues } = parse({ env: { clear: { "1A": "x" }, secret: ["B", "B"] }, resources: { memory: "1k" }, volumes: [{ source: "rel/x", target: "/x" }] });
    expect(issues.map((i) => i.variable)).toEqual([
      "bluegreen.config.ts → env.clear.1A",
      "bluegreen.config.ts → env.secret.1",
      "bluegreen.config.ts → resources.memory",
      "bluegreen.config.ts → volumes.0.source",
    ].sort((a, b) => issues.findIndex((i) => i.variable === a) - issues.findIndex((i) => i.variable === b)));
    expect(issues).toHaveLength(4);
  });

  it.each([
    [536870912, 536870912],
    ["512m", 512 * 1024 ** 2],
    ["1g", 1024 ** 3],
    ["256MiB", 256 * 1024 ** 2],
    ["6m", 6 * 1024 ** 2],
    ["1.5g", 1.5 * 1024 ** 3],
    ["lots", undefined],
    [-5, undefined],
  ])("GIVEN the size %p WHEN parsed THEN it is %p bytes", (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });
});
