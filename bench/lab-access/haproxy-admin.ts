/**
 * A few runtime-API commands on the lab's own HAProxy, written straight to its admin socket (the lab
 * shares one filesystem). The bench uses them only between methods, without load, to put the balancer
 * back in its resting state (the first slot serving `target`, the second in maintenance) whatever the previous method left.
 */
import { connect } from "node:net";

export function haproxyAdmin(socketPath: string, command: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    let out = "";
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy admin socket ${socketPath}: no answer to "${command}"`)));
    socket.on("connect", () => socket.end(`${command}\n`));
    socket.on("data", (chunk) => (out += chunk.toString("utf8")));
    socket.on("end", () => resolve(out));
    socket.on("error", reject);
  });
}

export function restingStateCommands(backend: string, slots: readonly [string, string], target: { readonly ip: string; readonly port: number }): string[] {
  const [serving, idle] = slots.map((s) => `${backend}/${s}`);
  return [`set server ${idle} state maint`, `set server ${serving} state maint`, `set server ${serving} addr ${target.ip} port ${target.port}`, `set server ${serving} state ready`, `set server ${serving} health up`];
}
