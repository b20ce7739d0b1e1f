import { parse } from "yaml";
import { renderWorkerUserData, SSHD_DROP_IN } from "../../../core/cloud-init";
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
    expect(doc.runcmd[0]).toEqual(["systemctl", "enable", "--now", "docker"]);
    expect(text).not.toMatch(/docker (run|create)/);
    expect(JSON.parse(doc.write_files[0].content)).toEqual({ "live-restore": true, "log-driver": "local" });
  });

  it("GIVEN a non-default SSH port WHEN rendered THEN sshd's drop-in also moves the port, and sshd is restarted", () => {
    const doc = parse(renderWorkerUserData({ sshPort: 2222 }));
    const dropIn = doc.write_files.find((f: { path: string }) => f.path === SSHD_DROP_IN);
    expect(dropIn.content.split("\n")).toContain("Port 2222");
    expect(doc.runcmd.at(-1)).toEqual(["systemctl", "restart", "ssh"]);
  });

  describe("SSH is closed by default", () => {
    const doc = parse(renderWorkerUserData());

    it("GIVEN the defaults WHEN rendered THEN sshd refuses root and passwords, in a drop-in read before any other (first value wins)", () => {
      expect(SSHD_DROP_IN).toBe("/etc/ssh/sshd_config.d/00-do-bluegreen.conf");
      const dropIn = doc.write_files.find((f: { path: string }) => f.path === SSHD_DROP_IN);
      expect(dropIn.content).toBe("PermitRootLogin no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n");
      expect(doc.ssh_pwauth).toBe(false);
      expect(doc.runcmd).toContainEqual(["systemctl", "restart", "ssh"]);
    });

    it("GIVEN the defaults WHEN rendered THEN a non-root deploy user with no password is created and joins the docker group once Docker is installed", () => {
      expect(doc.users).toEqual([{ name: "deploy", shell: "/bin/bash", lock_passwd: true, sudo: "ALL=(ALL) NOPASSWD:ALL" }]);
      const join = doc.runcmd.findIndex((c: string[]) => c.join(" ") === "usermod -aG docker deploy");
      expect(join).toBeGreaterThan(doc.runcmd.findIndex((c: string[]) => c.includes("docker") && c[0] === "systemctl"));
    });

    it("GIVEN the defaults WHEN rendered THEN the account's keys (root's, as DigitalOcean installs them) are copied to the deploy user before sshd restarts", () => {
      // disable_root false keeps root's key lines plain (no "login as" command prefix), so the copy is a working key file.
      expect(doc.disable_root).toBe(false);
      const copy = doc.runcmd.findIndex((c: string[]) => c[0] === "sh" && c[2].includes("/root/.ssh/authorized_keys"));
      expect(doc.runcmd[copy][2]).toBe(
        "test -s /root/.ssh/authorized_keys && install -d -m 0700 -o 'deploy' -g 'deploy' '/home/deploy/.ssh' && install -m 0600 -o 'deploy' -g 'deploy' /root/.ssh/authorized_keys '/home/deploy/.ssh/authorized_keys'",
      );
      expect(copy).toBeLessThan(doc.runcmd.findIndex((c: string[]) => c.join(" ") === "systemctl restart ssh"));
    });

    it("GIVEN another SSH_USER WHEN rendered THEN that user is created and given the keys", () => {
      const other = parse(renderWorkerUserData({ deployUser: "ops" }));
      expect(other.users.map((u: { name: string }) => u.name)).toEqual(["ops"]);
      expect(other.runcmd).toContainEqual(["usermod", "-aG", "docker", "ops"]);
      expect(JSON.stringify(other.runcmd)).toContain("/home/ops/.ssh/authorized_keys");
      expect(checkCloudConfig(renderWorkerUserData({ deployUser: "ops" })).ok).toBe(true);
    });
  });
});
