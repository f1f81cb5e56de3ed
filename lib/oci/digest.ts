/**
 * Content digests: the `sha256:<hex>` identifiers every OCI blob and
 * manifest is addressed by, and the check that content matches them.
 *
 * @module
 */
import { InputError, RegistryError } from "../errors.ts";

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/**
 * The `sha256:<hex>` digest of `data`.
 *
 * @example
 * ```ts
 * import { sha256Digest } from "./digest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   await sha256Digest(new TextEncoder().encode("{}")),
 *   "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
 * );
 * ```
 */
export async function sha256Digest(data: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource));
  return `sha256:${Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Whether `value` is a sha256 digest this toolkit can verify.
 *
 * @example
 * ```ts
 * import { isDigest } from "./digest.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isDigest("sha256:" + "a".repeat(64)), true);
 * assert.equal(isDigest("sha512:abc"), false);
 * ```
 */
export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

/** Throws an {@link InputError} (field `what`) unless `value` is a sha256 digest. */
export function assertDigest(value: string, what = "digest"): string {
  if (!isDigest(value)) {
    throw new InputError(`Invalid ${what} "${value}": expected sha256: followed by 64 lowercase hex digits`, what);
  }
  return value;
}

/**
 * Checks that `data` has the size and digest `expected` names, or throws a
 * {@link RegistryError} saying which content (`what`) was wrong and how.
 *
 * @example
 * ```ts
 * import { sha256Digest, verifyContent } from "./digest.ts";
 * import assert from "node:assert/strict";
 * const data = new Uint8Array([1, 2, 3]);
 * await verifyContent(data, { digest: await sha256Digest(data), size: 3 }, "blob");
 * await assert.rejects(
 *   verifyContent(new Uint8Array([1, 2, 4]), { digest: await sha256Digest(data), size: 3 }, "blob"),
 *   /Digest mismatch for blob/,
 * );
 * ```
 */
export async function verifyContent(
  data: Uint8Array,
  expected: { digest: string; size?: number },
  what: string,
): Promise<void> {
  if (expected.size !== undefined && data.length !== expected.size) {
    throw new RegistryError(
      `Size mismatch for ${what}: expected ${expected.size} bytes for "${expected.digest}", got ${data.length}`,
    );
  }
  const actual = await sha256Digest(data);
  if (actual !== expected.digest) {
    throw new RegistryError(`Digest mismatch for ${what}: expected "${expected.digest}", the content is "${actual}"`);
  }
}
