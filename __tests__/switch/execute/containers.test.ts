import { registryAuthFor } from "../../../switch/execute/containers";

describe("registry credentials go only to CI_REGISTRY", () => {
  const creds = { user: "deployer", password: "registry-password-s3cret" };
  it.each([
    ["the image names CI_REGISTRY", "registry.gitlab.com", "registry.gitlab.com/acme/web:v2", true],
    ["CI_REGISTRY with a port, the image on that port", "registry.test:5000", "registry.test:5000/acme/web:v2", true],
    ["CI_REGISTRY in another case (hostnames are case-insensitive)", "Registry.GitLab.com", "registry.gitlab.com/acme/web:v2", true],
    ["CI_REGISTRY is empty: no registry is known to be theirs", "", "registry.gitlab.com/acme/web:v2", false],
    ["CI_REGISTRY is empty and the image is on Docker Hub", "", "acme/web:v2", false],
    ["the image names another registry", "registry.gitlab.com", "evil.example/acme/web:v2", false],
    ["the image names CI_REGISTRY on another port", "registry.test:5000", "registry.test:5001/acme/web:v2", false],
    ["a look-alike host", "registry.gitlab.com", "registry.gitlab.com.evil.example/acme/web:v2", false],
    ["the image is on Docker Hub", "registry.gitlab.com", "acme/web:v2", false],
  ])("GIVEN %s WHEN pulling THEN credentials are sent: %s", (_name, host, image, sent) => {
    const auth = registryAuthFor(image, { host, ...creds });
    if (sent) expect(auth).toEqual({ username: "deployer", password: creds.password, serveraddress: image.split("/")[0] });
    else expect(auth).toBeUndefined();
  });

  it("GIVEN no user or password WHEN pulling from CI_REGISTRY THEN nothing is sent", () => {
    expect(registryAuthFor("registry.gitlab.com/acme/web:v2", { host: "registry.gitlab.com", user: "", password: "x".repeat(10) })).toBeUndefined();
    expect(registryAuthFor("registry.gitlab.com/acme/web:v2", { host: "registry.gitlab.com", user: "u", password: "" })).toBeUndefined();
  });
});
