import { mountsUnder } from "../../../lab/processes/leftovers";

const mountinfo = [
  "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
  "500 22 0:50 / /var/lib/do-bluegreen-lab/3/worker-a/docker/overlay2/abc/merged rw - overlay overlay rw",
  "501 22 0:4 net:[4026532] /run/do-bluegreen-lab/3/worker-a/exec/netns/default rw - nsfs nsfs rw",
  "502 22 0:51 / /var/lib/do-bluegreen-lab/3/worker-a/docker/containers/x/mounts/shm rw - tmpfs shm rw",
  "503 22 0:52 / /var/lib/do-bluegreen-lab/31/worker-a/docker/overlay2/def/merged rw - overlay overlay rw",
  "504 22 0:53 / /var/lib/do-bluegreen-lab/3/with\\040space rw - tmpfs x rw",
].join("\n");

describe("mountsUnder", () => {
  it("GIVEN dockerd's leftover mounts THEN those under the lab's dirs are listed deepest first, other labs' are not", () => {
    expect(mountsUnder(["/var/lib/do-bluegreen-lab/3", "/run/do-bluegreen-lab/3"], mountinfo)).toEqual([
      "/var/lib/do-bluegreen-lab/3/worker-a/docker/containers/x/mounts/shm",
      "/var/lib/do-bluegreen-lab/3/worker-a/docker/overlay2/abc/merged",
      "/run/do-bluegreen-lab/3/worker-a/exec/netns/default",
      "/var/lib/do-bluegreen-lab/3/with space",
    ]);
  });
});
