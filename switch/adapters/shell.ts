/** A command runner on some host: SSH to a droplet in production and the lab, a local shell in tests. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RemoteShell {
  /** For messages: "web-lb (198.18.1.10)". */
  readonly label: string;
  exec(command: string, stdin?: string): Promise<ExecResult>;
}

export { shellQuote } from "../../core/shell-quote";
