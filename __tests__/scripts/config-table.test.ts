import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VARIABLES } from "../../core/config";
import { renderConfigTable } from "../../scripts/config-table";

const ROOT = join(__dirname, "..", "..");
const readme = () => readFileSync(join(ROOT, "README.md"), "utf8");

describe("scripts/config-table.ts", () => {
  it("GIVEN VARIABLES WHEN rendered THEN there is one row per variable, with its default and secrecy", () => {
    const rows = renderConfigTable().trim().split("\n").slice(2);
    expect(rows).toHaveLength(Object.keys(VARIABLES).length);
    expect(rows).toContain("| `APP_PORT` | `8080` |  | Port the app container listens on (host network). |");
    expect(rows.find((r) => r.startsWith("| `DIGITALOCEAN_TOKEN` "))).toMatch(/^\| `DIGITALOCEAN_TOKEN` \| \(none\) \| yes \|/);
    expect(rows.find((r) => r.startsWith("| `FLOATING_IP` "))).toMatch(/^\| `FLOATING_IP` \| \(empty\) \|  \|/);
  });

  it("GIVEN a description with a pipe WHEN rendered THEN the pipe is escaped so the table keeps its columns", () => {
    const table = renderConfigTable({ x: { ...VARIABLES.appName, name: "X", description: "a | b" } });
    expect(table).toContain("| `X` | `web` |  | a \\| b |");
  });

  it("GIVEN the README THEN it contains exactly the table the script prints (regenerate: npx tsx scripts/config-table.ts)", () => {
    const text = readme();
    const between = text.slice(text.indexOf("<!-- config-table:begin -->\n") + "<!-- config-table:begin -->\n".length, text.indexOf("<!-- config-table:end -->"));
    expect(between).toBe(renderConfigTable());
  });
});

describe("README.md commands", () => {
  it("GIVEN the README THEN it shows the fresh-machine commands, and the test command .ci/run executes", () => {
    const text = readme();
    expect(text).toContain("bash scripts/install-debian-packages.sh && npm ci && npm run demo");
    const testCommand = "bash scripts/install-debian-packages.sh && npm ci && npm test";
    expect(text).toContain(testCommand);
    expect(readFileSync(join(ROOT, ".ci", "run"), "utf8").split("\n")).toContain(testCommand);
  });

  it("GIVEN the README THEN it states the CDKTF sunset date and the synth:hcl exit path", () => {
    const text = readme();
    expect(text).toContain("2025-12-10");
    expect(text).toContain("npm run synth:hcl");
  });
});
