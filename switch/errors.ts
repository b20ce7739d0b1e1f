import { ExitCode, ExternalError, UsageError } from "../core/errors";

/** Named failures of the switch. Each says what happened and the one thing to do next. */

export class LockHeldError extends UsageError {
  constructor(message: string, fix: string) {
    super(message, fix, { exitCode: ExitCode.lockHeld });
  }
}

/** This run's deploy lock was taken over or released while it ran: it stopped before its next change (exit 4). */
export class LockLostError extends ExternalError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      message,
      "another run may be changing the droplets now: run `npm run switch -- status`; the run that holds the lock repairs what this one left, or re-run once it is done",
      { ...options, exitCode: ExitCode.lockHeld },
    );
  }
}

export class InvalidImageReferenceError extends UsageError {
  constructor(ref: string, problem: string) {
    super(`invalid image reference ${JSON.stringify(ref)}: ${problem}`, "use registry/path:tag or registry/path@sha256:<64 hex>, e.g. registry.gitlab.com/acme/web:v2");
  }
}

/** The state of the droplets, tags or reserved IP does not allow the requested change. */
export class InconsistentStateError extends UsageError {}

/** The image was started but never proved healthy, or the public entry did not serve it: it never (or no longer) reaches users. */
export class ImageRejectedError extends ExternalError {
  constructor(message: string, fix: string, options?: { cause?: unknown }) {
    super(message, fix, { ...options, exitCode: ExitCode.rejected });
  }
}

export class DigitalOceanError extends ExternalError {
  readonly status: number;
  constructor(status: number, message: string, fix: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, fix, options);
    this.status = status;
  }
}

/** 401/403: a configuration problem, not an outage. */
export class DigitalOceanAuthError extends UsageError {}

export class SshError extends ExternalError {}
export class HostKeyMismatchError extends ExternalError {}
export class RegistryError extends ExternalError {}
export class DockerError extends ExternalError {}
/** The image has no such program (or it is not executable): the command or the image must change, not the droplet. */
export class MissingCommandError extends DockerError {}
export class HaproxyError extends ExternalError {}

/**
 * `haproxy -c` on the balancer rejected the rendered haproxy.cfg: the configuration is wrong (exit 2), so nothing was
 * installed and HAProxy keeps running the previous file.
 */
export class BalancerConfigRefusedError extends UsageError {}

/** SSH_AUTHORIZED_KEYS leaves out the key the switch connects with: installing it would lock the switch out. */
export class AuthorizedKeysLockoutError extends UsageError {}
