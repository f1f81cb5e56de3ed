/**
 * Image references: `[registry[:port]/]repository[:tag][@digest]`, with
 * Docker's defaults (`docker.io`, `library/`, `latest`).
 *
 * @module
 */
import { InputError } from "../errors.ts";
import { assertDigest } from "./digest.ts";

/** A parsed image reference. */
export interface ImageReference {
  /** Registry host as written, e.g. `ghcr.io`, `127.0.0.1:5000`; `docker.io` when omitted. */
  registry: string;
  /** Repository path, e.g. `library/alpine`. */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::[0-9]{1,5})?$/;

/** The default registry, as Docker names it. */
export const DOCKER_HUB = "docker.io";

/**
 * Parses an image reference, or throws an {@link InputError} (field `reference`) naming what is wrong.
 *
 * @example
 * ```ts
 * import { parseReference } from "./reference.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseReference("alpine"), { registry: "docker.io", repository: "library/alpine" });
 * assert.deepEqual(parseReference("127.0.0.1:5000/plugins/hello:1.0"), {
 *   registry: "127.0.0.1:5000",
 *   repository: "plugins/hello",
 *   tag: "1.0",
 * });
 * assert.throws(() => parseReference("Plugins/Hello"), /Invalid image reference "Plugins\/Hello"/);
 * ```
 */
export function parseReference(ref: string): ImageReference {
  const fail = (why: string): never => {
    throw new InputError(`Invalid image reference "${ref}": ${why}`, "reference");
  };
  let rest = ref.trim();
  if (!rest) fail("it is empty");
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      assertDigest(digest);
    } catch {
      fail(`digest "${digest}" is not sha256: followed by 64 lowercase hex digits`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/") && !rest.slice(colon).includes("]")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`tag "${tag}" must be letters, digits, "_", "." or "-" (at most 128)`);
  }
  let registry = DOCKER_HUB;
  const slash = rest.indexOf("/");
  const first = slash === -1 ? "" : rest.slice(0, slash);
  if (first && (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["))) {
    if (!HOST.test(first)) fail(`registry "${first}" is not a host[:port]`);
    registry = first === "index.docker.io" ? DOCKER_HUB : first;
    rest = rest.slice(slash + 1);
  }
  if (registry === DOCKER_HUB && !rest.includes("/")) rest = `library/${rest}`;
  if (rest.length > 255) fail("the repository is longer than 255 characters");
  for (const part of rest.split("/")) {
    if (!COMPONENT.test(part)) {
      fail(`repository part "${part}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
    }
  }
  return { registry, repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/**
 * Formats a reference back to its canonical string.
 *
 * @example
 * ```ts
 * import { formatReference } from "./reference.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatReference({ registry: "ghcr.io", repository: "acme/plugin", tag: "1.0" }), "ghcr.io/acme/plugin:1.0");
 * ```
 */
export function formatReference(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** The tag or digest to ask the registry for: the digest when both are given, else `latest`. */
export function manifestReference(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? "latest";
}

/** The host:port the distribution API answers on (`registry-1.docker.io` for Docker Hub). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}

/**
 * Whether a registry host is on the loopback interface, where plain HTTP is
 * used without asking.
 *
 * @example
 * ```ts
 * import { isLoopback } from "./reference.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isLoopback("127.0.0.1:5000"), true);
 * assert.equal(isLoopback("ghcr.io"), false);
 * ```
 */
export function isLoopback(registry: string): boolean {
  const host = registry.replace(/:[0-9]+$/, "").replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
