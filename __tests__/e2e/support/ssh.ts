import { readFileSync } from "node:fs";
import Docker from "dockerode";
import { Client, ConnectConfig } from "ssh2";
import { Lab } from "../../../lab/lab";
import { LabHost } from "../../../lab/plan";
import { sshPaths } from "../../../lab/services/sshd";

/** Connects to a lab droplet exactly as the switch does: root, the lab's key, the host key pinned by known_hosts. */
export function sshOptions(lab: Lab, host: LabHost, knownHosts?: string): ConnectConfig {
  const paths = sshPaths(lab.plan);
  const pinned = (knownHosts ?? readFileSync(paths.knownHosts, "utf8"))
    .split("\n")
    .filter((line) => line.split(" ")[0]?.split(",").includes(host.publicIp))
    .map((line) => line.split(" ")[2]);
  return {
    host: host.publicIp,
    port: 22,
    username: "root",
    privateKey: readFileSync(paths.clientKey),
    hostVerifier: (key: Buffer) => pinned.includes(key.toString("base64")),
    readyTimeout: 5000,
  };
}

export function dockerOverSsh(lab: Lab, worker: LabHost): Docker {
  const { host, port, username, ...rest } = sshOptions(lab, worker);
  return new Docker({ protocol: "ssh", host, port, username, sshOptions: rest } as Docker.DockerOptions);
}

export function sshConnect(options: ConnectConfig): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client.once("ready", () => resolve(client)).once("error", reject).connect(options);
  });
}

export async function sshExec(lab: Lab, host: LabHost, command: string, input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const client = await sshConnect(sshOptions(lab, host));
  try {
    return await new Promise((resolve, reject) => {
      client.exec(command, (error, stream) => {
        if (error) return reject(error);
        let stdout = "";
        let stderr = "";
        stream.on("data", (d: Buffer) => (stdout += d));
        stream.stderr.on("data", (d: Buffer) => (stderr += d));
        stream.on("close", (code: number) => resolve({ code, stdout, stderr }));
        if (input !== undefined) stream.end(input);
      });
    });
  } finally {
    client.end();
  }
}

/** HTTP GET through an SSH tunnel on `via` (ssh2 forwardOut), like the switch's health gate. */
export async function getThroughTunnel(lab: Lab, via: LabHost, targetIp: string, port: number, path: string): Promise<string> {
  const client = await sshConnect(sshOptions(lab, via));
  try {
    return await new Promise((resolve, reject) => {
      client.forwardOut("127.0.0.1", 0, targetIp, port, (error, stream) => {
        if (error) return reject(error);
        let response = "";
        stream.on("data", (d: Buffer) => (response += d));
        stream.on("close", () => resolve(response));
        stream.end(`GET ${path} HTTP/1.1\r\nHost: ${targetIp}\r\nConnection: close\r\n\r\n`);
      });
    });
  } finally {
    client.end();
  }
}

/** Pulls with dockerode and waits for the stream; pull errors arrive in-stream with err = null. */
export async function pull(docker: Docker, ref: string, auth: { username: string; password: string; serveraddress: string }): Promise<void> {
  const stream = await docker.pull(ref, { authconfig: auth });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (error: Error | null, output: { error?: string }[]) => {
      const failed = output?.find((o) => o.error);
      if (error) reject(error);
      else if (failed) reject(new Error(failed.error));
      else resolve();
    }),
  );
}
