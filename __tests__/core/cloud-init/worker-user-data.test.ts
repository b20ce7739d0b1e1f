import { parse } from "yaml";
import { renderWorkerUserData } from "../../../core/cloud-init";
import { checkCloudConfig } from "../debian-validators";

describe("renderWorkerUserData", () => {
  it.each([22, 2222])("GIVEN sshd on port %i WHEN rendered THEN the real `cloud-init schema` accepts it", (sshPort) => {
    const result = checkCloudConfig(renderWorkerUserData({ sshPort }));
    expect(result.output).toMatch(/Valid cloud-config/);
    expect(result.ok).toBe(true);
  });

  it("GIVEN a document cloud-init rejects THEN the validator fails (it can fail)", () => {
    expect(checkCloudConfig(renderWorkerUserData().replace("packages:", "packages: 5\nx:")).ok).toBe(false);
  });

  it("GIVEN the defaults WHEN rendered THEN Docker is installed and enabled, and no app container is started", () => {
    const text = renderWorkerUserData();
    expect(text.startsWith("#cloud-config\n")).toBe(true);
    const doc = parse(text);
    expect(doc.packages).toEqual(["docker.io"]);
    expect(doc.runcmd).toEqual([["systemctl", "enable", "--now", "docker"]]);
    expect(text).not.toMatch(/docker (run|create)/);
    expect(JSON.parse(doc.write_files[0].content)).toEqual({ "live-restore": true, "log-driver": "local" });
  });

  it("GIVEN a non-default SSH port WHEN rendered THEN sshd gets a drop-in and is restarted", () => {
    const doc = parse(renderWorkerUserData({ sshPort: 2222 }));
    expect(doc.write_files).toContainEqual(expect.objectContaining({ path: "/etc/ssh/sshd_config.d/do-bluegreen-port.conf", content: "Port 2222\n" }));
    expect(doc.runcmd).toContainEqual(["systemctl", "restart", "ssh"]);
  });
});
