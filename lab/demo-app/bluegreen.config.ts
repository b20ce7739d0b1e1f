import { defineApp } from "../../core/app";

/**
 * The demo app's definition: what a team writes in its own bluegreen.config.ts. The LAB_DEMO_* variables let the demo
 * and the tests change one setting per release, as a merge request would.
 */
export default defineApp((env) => ({
  env: {
    clear: {
      DEMO_GREETING: env.LAB_DEMO_GREETING || "hello",
      DEMO_SCHEMA_VERSION: env.LAB_DEMO_SCHEMA_VERSION || "1",
      // "fail" makes the migration exit 1, "hang" makes it run past its timeout: the refused-release demo.
      DEMO_MIGRATION: env.LAB_DEMO_MIGRATION || "ok",
    },
    secret: ["DEMO_API_KEY"],
  },
  volumes: [{ source: "demo-data", target: "/data" }],
  resources: { memory: "128m" },
  stopGraceSeconds: 10,
  hooks: {
    preSwitch: { command: ["/usr/local/bin/node", "/app/server.js", "migrate"], timeoutSeconds: Number(env.LAB_DEMO_HOOK_TIMEOUT_SECONDS || 30) },
  },
}));
