import { checkCloudConfig, checkHaproxyConfig } from "./debian-validators";

describe("Debian validators used by the tests", () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it.each([
    ["haproxy", () => checkHaproxyConfig("global\n")],
    ["cloud-init", () => checkCloudConfig("#cloud-config\n")],
  ])("GIVEN %s is missing from PATH WHEN a validator runs THEN it fails and says to run the install script", (binary, validate) => {
    process.env.PATH = "/nonexistent";
    expect(validate).toThrow(`${binary} is not installed: run \`bash scripts/install-debian-packages.sh\` as root`);
  });
});
