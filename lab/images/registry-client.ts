import { readFileSync } from "node:fs";
import { ExternalError } from "../../core/errors";
import { MEDIA_TYPES, sha256Digest, BuiltLayer } from "./oci";

/**
 * Pushes blobs and manifests through the registry's HTTP API (distribution v2) instead of
 * `docker push`: the shared runtime layer is uploaded once for all four demo images, and no
 * dockerd is needed to build them.
 */
export class RegistryPushError extends ExternalError {}

export class RegistryClient {
  private readonly authorization: string;

  constructor(
    private readonly address: string,
    user: string,
    password: string,
  ) {
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  }

  private url(path: string): string {
    return `http://${this.address}${path}`;
  }

  private async request(method: string, pathOrUrl: string, init: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = pathOrUrl.startsWith("http") ? pathOrUrl : this.url(pathOrUrl);
    return fetch(url, { method, body: init.body, headers: { authorization: this.authorization, ...init.headers } });
  }

  /** 200 with valid credentials, 401 without: the lab's probe that the registry is up and enforcing auth. */
  async ping(): Promise<number> {
    return (await this.request("GET", "/v2/")).status;
  }

  async hasBlob(repository: string, digest: string): Promise<boolean> {
    const res = await this.request("HEAD", `/v2/${repository}/blobs/${digest}`);
    return res.status === 200;
  }

  /** Monolithic upload: POST opens a session, PUT ?digest= closes it with the whole blob. */
  async pushBlob(repository: string, digest: string, body: Buffer): Promise<"uploaded" | "present"> {
    if (await this.hasBlob(repository, digest)) return "present";
    const start = await this.request("POST", `/v2/${repository}/blobs/uploads/`);
    if (start.status !== 202) throw await this.failure(`start upload of ${digest}`, start);
    const location = new URL(start.headers.get("location") ?? "", this.url("/"));
    location.searchParams.set("digest", digest);
    const put = await this.request("PUT", location.toString(), { body, headers: { "content-type": "application/octet-stream" } });
    if (put.status !== 201) throw await this.failure(`upload ${digest}`, put);
    return "uploaded";
  }

  async pushLayer(repository: string, layer: BuiltLayer): Promise<"uploaded" | "present"> {
    if (await this.hasBlob(repository, layer.digest)) return "present";
    return this.pushBlob(repository, layer.digest, readFileSync(layer.path));
  }

  /** Returns the manifest digest, which is what `docker pull` reports and the switch records. */
  async pushManifest(repository: string, tag: string, manifest: string): Promise<string> {
    const res = await this.request("PUT", `/v2/${repository}/manifests/${tag}`, { body: manifest, headers: { "content-type": MEDIA_TYPES.manifest } });
    if (res.status !== 201) throw await this.failure(`push manifest ${repository}:${tag}`, res);
    return res.headers.get("docker-content-digest") ?? sha256Digest(manifest);
  }

  private async failure(what: string, res: Response): Promise<RegistryPushError> {
    const text = (await res.text().catch(() => "")).slice(0, 300);
    return new RegistryPushError(`registry ${this.address}: ${what} failed with HTTP ${res.status} ${text}`, "check the lab registry's log under the lab's state dir (logs/registry.log)");
  }
}
