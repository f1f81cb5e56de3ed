/**
 * Free policies: which buffers a host frees after a call. Bifrost does not
 * document who frees a hook's input and output, so every engine calls a
 * plugin under each of these to prove it correct and bounded either way.
 *
 * @module
 */
import { InputError } from "../errors.ts";

/**
 * Which buffers the host frees after a call: `both` (input and output),
 * `input`, `none`, or `double` (each twice). Bifrost's own policy is not
 * documented, so a plugin should stay correct and bounded under all four.
 */
export type FreePolicy = "both" | "input" | "none" | "double";

/** Every free policy, in the order reports list them. */
export const FREE_POLICIES: readonly FreePolicy[] = ["both", "input", "none", "double"];

/**
 * Checks a free policy name, e.g. from the command line. Throws
 * `InputError` (field `freePolicy`) for anything but {@link FREE_POLICIES}.
 *
 * @example
 * ```ts
 * import { parseFreePolicy } from "./free_policy.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseFreePolicy("none"), "none");
 * assert.throws(() => parseFreePolicy("some"), { message: 'Unknown free policy "some": expected both, input, none, double' });
 * ```
 */
export function parseFreePolicy(value: string): FreePolicy {
  const found = FREE_POLICIES.find((p) => p === value.trim());
  if (!found) {
    throw new InputError(`Unknown free policy "${value}": expected ${FREE_POLICIES.join(", ")}`, "freePolicy");
  }
  return found;
}

/**
 * A comma-separated list of free policies, each checked by {@link parseFreePolicy}.
 *
 * @example
 * ```ts
 * import { parseFreePolicies } from "./free_policy.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFreePolicies("both, none"), ["both", "none"]);
 * ```
 */
export function parseFreePolicies(value: string): FreePolicy[] {
  return value.split(",").map(parseFreePolicy);
}
