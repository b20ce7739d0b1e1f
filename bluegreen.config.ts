import { defineApp } from "./core/app";

/**
 * The example app's shape (app/). Reviewed in merge requests like the stack; the switch reads it at every cutover.
 * Secret *values* never live here: list their names in env.secret and set them as masked CI/CD variables.
 */
export default defineApp({
  env: {
    clear: { NODE_ENV: "production", HOST: "0.0.0.0" },
    // secret: ["DATABASE_URL", "SECRET_KEY_BASE"],
  },
  resources: { memory: "256m" },
  // Rotation is on by default (json-file, 10m × 5); shown here so the choice is visible in review.
  logging: { driver: "json-file", options: { "max-size": "10m", "max-file": "5" } },
  stopGraceSeconds: 30,
  // hooks: { preSwitch: { command: ["node", "migrate.js"], timeoutSeconds: 300 } },
});
