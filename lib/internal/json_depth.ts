/**
 * The nesting depth of JSON text, counted without parsing it: a body nested
 * 100,000 levels deep is refused before `JSON.parse` or `JSON.stringify`
 * (which recurse) ever see it. Private to the library.
 */

/**
 * The nesting depth of JSON text (containers outside strings), stopping early past `limit`.
 *
 * @example
 * ```ts
 * import { jsonDepth } from "./json_depth.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(jsonDepth('{"a":[1,{"b":"[[["}]}'), 3);
 * assert.equal(jsonDepth("[".repeat(100_000), 10), 11);
 * ```
 */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
