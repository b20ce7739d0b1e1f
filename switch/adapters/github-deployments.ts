import type { Octokit } from "@octokit/rest";
import type { DeploymentRecorder } from "../ports";

export interface GithubDeploymentsOptions {
  readonly token: string;
  /** owner/name */
  readonly repository: string;
  /** Commit or ref the deployment is about (CI_COMMIT_SHA / GITHUB_SHA). */
  readonly ref: string;
  readonly environmentUrl: string;
  /** @default "production" */
  readonly environment?: string;
  /** @default https://api.github.com (tests point it at a loopback server) */
  readonly baseUrl?: string;
  readonly logUrl?: string;
  readonly warn: (line: string) => void;
  /** Masks every secret in play: a description leaves for GitHub, so it passes through the redactor like any output. @default as is */
  readonly redact?: (text: string) => string;
}

/**
 * Records each cutover as a GitHub Deployment (in_progress → success/failure). Reporting must never break
 * a deploy, so every failure here becomes a warning.
 */
export class GithubDeployments implements DeploymentRecorder {
  private client: Promise<Octokit> | undefined;
  private readonly owner: string;
  private readonly repo: string;

  private shown(description: string): string {
    return (this.options.redact ?? ((t: string) => t))(description).slice(0, 140);
  }

  constructor(private readonly options: GithubDeploymentsOptions) {
    [this.owner, this.repo] = options.repository.split("/");
  }

  /** Loaded on first use: most runs record no deployment, and a rollback's start is on the way to its flip. */
  private get octokit(): Promise<Octokit> {
    const { token, baseUrl } = this.options;
    return (this.client ??= import("@octokit/rest").then(({ Octokit }) => new Octokit({ auth: token, baseUrl, userAgent: "do-bluegreen", request: { retries: 0 } })));
  }

  private async status(id: number, state: "in_progress" | "success" | "failure", description: string): Promise<void> {
    await (await this.octokit).rest.repos.createDeploymentStatus({
      owner: this.owner,
      repo: this.repo,
      deployment_id: id,
      state,
      description: this.shown(description),
      environment_url: this.options.environmentUrl,
      log_url: this.options.logUrl,
      auto_inactive: true,
    });
  }

  async start(image: string, description: string): Promise<number | undefined> {
    try {
      const created = await (await this.octokit).rest.repos.createDeployment({
        owner: this.owner,
        repo: this.repo,
        ref: this.options.ref,
        environment: this.options.environment ?? "production",
        description: this.shown(description),
        payload: { image: (this.options.redact ?? ((t: string) => t))(image) },
        auto_merge: false,
        required_contexts: [],
        production_environment: true,
      });
      if (!("id" in created.data)) throw new Error(created.data.message ?? "no deployment created");
      await this.status(created.data.id, "in_progress", description);
      return created.data.id;
    } catch (error) {
      this.options.warn(`could not record a GitHub deployment (${(error as Error).message})`);
      return undefined;
    }
  }

  async finish(handle: number | undefined, state: "success" | "failure", description: string): Promise<void> {
    if (handle === undefined) return;
    await this.status(handle, state, description).catch((error: Error) => this.options.warn(`could not update GitHub deployment ${handle} (${error.message})`));
  }
}

/** When GITHUB_TOKEN/GITHUB_REPOSITORY are not set. */
export const noDeploymentRecorder: DeploymentRecorder = {
  start: async () => undefined,
  finish: async () => undefined,
};
