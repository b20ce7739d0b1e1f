import { UsageError } from "../core/errors";
import { InvalidImageReferenceError } from "./errors";

/** A parsed Docker image reference. Only explicit versions are deployable: a bare name means "latest", which no audit line can name. */
export interface ImageRef {
  /** As given, e.g. registry.example.com:5000/acme/web:v2 */
  readonly raw: string;
  /** Registry host (with port) or "docker.io" when the reference has none. */
  readonly registry: string;
  /** Repository without registry, tag or digest, e.g. acme/web */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

// The grammar of github.com/distribution/reference, reduced to what `docker pull` accepts.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?";
const REFERENCE = new RegExp(`^(?:(${DOMAIN})/)?(${COMPONENT}(?:/${COMPONENT})*)(?::([\\w][\\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);

export function parseImageRef(raw: string): ImageRef {
  const ref = raw.trim();
  if (!ref) throw new InvalidImageReferenceError(raw, "it is empty");
  if (ref.length > 512) throw new InvalidImageReferenceError(raw, "it is longer than 512 characters");
  const match = REFERENCE.exec(ref);
  if (!match) throw new InvalidImageReferenceError(raw, "it is not a valid Docker reference (lowercase path, optional :tag, optional @sha256:digest)");
  const [, first, rest, tag, digest] = match;
  // Like docker: the first component names a registry only if it looks like a host ("." or ":" or localhost); "acme/web" is a Docker Hub path.
  const isRegistry = !!first && (/[.:]/.test(first) || first === "localhost");
  if (first && !isRegistry && first !== first.toLowerCase()) throw new InvalidImageReferenceError(raw, "repository names must be lowercase");
  const registry = isRegistry ? first : "docker.io";
  const repository = first && !isRegistry ? `${first}/${rest}` : rest;
  if (!tag && !digest) throw new InvalidImageReferenceError(raw, "it names no version (add :tag or @sha256:digest; an implicit :latest cannot be audited or rolled back to)");
  return { raw: ref, registry, repository, tag: tag || undefined, digest: digest || undefined };
}

/**
 * The repository as Docker writes it in an image's RepoDigests (`<name>@sha256:…`): Docker Hub's familiar form
 * (`acme/web`, `nginx` for `library/nginx`), else `registry/repository`.
 */
export function digestName(ref: ImageRef): string {
  if (ref.registry !== "docker.io") return `${ref.registry}/${ref.repository}`;
  return ref.repository.replace(/^library\//, "");
}

/**
 * In CI a release is the digest the build pushed: a tag can be moved by anyone who can push to the repository (a
 * merge-request build, say) between the build and the switch. `allowTag`: SWITCH_ALLOW_TAG_REFERENCE=true.
 */
export function requireDigestInCi(ref: ImageRef, inCi: boolean, allowTag: boolean): void {
  if (!inCi || allowTag || ref.digest) return;
  throw new UsageError(
    `${ref.raw} names a tag only, and tags are mutable: in CI the switch deploys registry/path@sha256:<digest>, the image the build job pushed`,
    `deploy ${ref.registry === "docker.io" ? "" : `${ref.registry}/`}${ref.repository}@sha256:<digest> (the build job's pushed digest), or set SWITCH_ALLOW_TAG_REFERENCE=true to accept a tag`,
  );
}

/** The human version of an image: its tag, else the short digest. */
export function versionOf(ref: ImageRef): string {
  return ref.tag ?? (ref.digest ? ref.digest.slice(0, 19) : ref.raw);
}
