import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuthorizedKeysFile, readKeysScript, writeKeysScript } from "../../../switch/adapters/authorized-keys";
import { LocalShell } from "../fakes/local-shell";

describe("authorized_keys on a droplet (local shell)", () => {
  const dir = mkdtempSync(join(tmpdir(), "switch-keys-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    [".ssh/authorized_keys", 'case "$rel" in /*) f="$rel" ;; *) f="$HOME/$rel" ;; esac'],
    ["/etc/lab/authorized_keys", "rel='/etc/lab/authorized_keys'"],
  ])("GIVEN SSH_AUTHORIZED_KEYS_FILE %s WHEN the scripts are built THEN a relative path is under the user's home, an absolute one is used as it is", (path, line) => {
    expect(readKeysScript(path)).toContain(line);
    expect(writeKeysScript(path, "x\n")).toContain(line);
  });

  it("GIVEN no file WHEN read THEN null; WHEN written THEN the directory and the file (mode 600) hold exactly the text, and no temp file stays", async () => {
    const file = join(dir, "ssh", "authorized_keys");
    const port = new AuthorizedKeysFile(new LocalShell(), file);
    expect(await port.read()).toBeNull();
    await port.write("# managed\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b\n");
    expect(readFileSync(file, "utf8")).toBe("# managed\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl a@b\n");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, "ssh")).mode & 0o777).toBe(0o700);
    expect(await port.read()).toBe(readFileSync(file, "utf8"));
    expect(readdirSync(join(dir, "ssh"))).toEqual(["authorized_keys"]);
  });

  it("GIVEN an existing file WHEN replaced THEN the new text is there whole (renamed over it, not rewritten in place)", async () => {
    const file = join(dir, "replace");
    writeFileSync(file, "old\n");
    const inode = statSync(file).ino;
    await new AuthorizedKeysFile(new LocalShell(), file).write("new 'quoted' $HOME `x`\n");
    expect(readFileSync(file, "utf8")).toBe("new 'quoted' $HOME `x`\n");
    expect(statSync(file).ino).not.toBe(inode);
  });

  it("GIVEN a directory that cannot be created WHEN writing THEN the error names the path and the fix", async () => {
    const blocker = join(dir, "blocker");
    writeFileSync(blocker, "");
    await expect(new AuthorizedKeysFile(new LocalShell(), join(blocker, "keys")).write("x\n")).rejects.toThrow(/^cannot write .*blocker\/keys on localhost \(.*\)$/);
  });
});
