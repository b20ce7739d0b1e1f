import { readFileSync } from "node:fs";
import path from "node:path";

const APP = path.resolve(__dirname, "../../app");
const dockerfile = readFileSync(path.join(APP, "Dockerfile"), "utf8");
const instructions = dockerfile
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"))
  .map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest };
  });
const ignorePatterns = readFileSync(path.join(APP, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter(Boolean);

describe("app/Dockerfile, the image the build job pushes", () => {
  it("GIVEN the base image THEN it is pinned to an exact Node version", () => {
    const from = instructions.filter((i) => i.keyword === "FROM").map((i) => i.args[0]);
    expect(from).toHaveLength(1);
    expect(from[0]).toMatch(/^node:\d+\.\d+\.\d+-[a-z0-9-]+$/);
  });

  it("GIVEN the build context's .dockerignore (everything excluded, then re-included) THEN every COPY source is re-included, or the build would fail", () => {
    expect(ignorePatterns[0]).toBe("*");
    const sources = instructions.filter((i) => i.keyword === "COPY").flatMap((i) => i.args.slice(0, -1));
    expect(sources.filter((source) => !ignorePatterns.includes(`!${source}`))).toEqual([]);
  });

  it("GIVEN the image THEN it runs as the unprivileged node user, takes APP_VERSION from the build and starts server.js", () => {
    expect(instructions.some((i) => i.keyword === "USER" && i.args[0] === "node")).toBe(true);
    expect(instructions.some((i) => i.keyword === "ARG" && i.args[0].startsWith("APP_VERSION"))).toBe(true);
    expect(dockerfile).toContain("APP_VERSION=$APP_VERSION");
    expect(instructions.find((i) => i.keyword === "CMD")?.args.join(" ")).toBe('["node", "server.js"]');
  });
});
