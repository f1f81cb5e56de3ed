/**
 * Readable names for the functions a trap names: Rust's legacy symbol
 * mangling (`_ZN8dlmalloc8dlmalloc17Dlmalloc$LT$A$GT$4free17h…E`, what
 * rustc writes into a wasm name section by default) becomes
 * `dlmalloc::dlmalloc::Dlmalloc<A>::free`. Other names come back unchanged.
 * Private to the library.
 *
 * @example
 * ```ts
 * import { demangle } from "./demangle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(demangle("_ZN4core6result13unwrap_failed17h0123456789abcdefE"), "core::result::unwrap_failed");
 * assert.equal(demangle("_ZN8dlmalloc8dlmalloc17Dlmalloc$LT$A$GT$4free17hc162d4563cf6e25bE"), "dlmalloc::dlmalloc::Dlmalloc<A>::free");
 * assert.equal(demangle("~lib/rt/stub/__alloc"), "~lib/rt/stub/__alloc");
 * ```
 *
 * @module
 */

const ESCAPES: Record<string, string> = {
  SP: "@",
  BP: "*",
  RF: "&",
  LT: "<",
  GT: ">",
  LP: "(",
  RP: ")",
  C: ",",
};

/** A Rust legacy-mangled symbol made readable; anything else as it is. */
export function demangle(name: string): string {
  if (!name.startsWith("_ZN") || !name.endsWith("E")) return name;
  const parts: string[] = [];
  let i = 3;
  while (i < name.length - 1) {
    const digits = /^\d+/.exec(name.slice(i))?.[0];
    if (!digits) return name;
    i += digits.length;
    const len = Number(digits);
    if (i + len > name.length - 1) return name;
    parts.push(name.slice(i, i + len));
    i += len;
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts.at(-1)!)) parts.pop();
  return parts.map(unescape).join("::");
}

function unescape(part: string): string {
  return part
    .replace(/^_\$/, "$")
    .replace(/\$([A-Z]+|u[0-9a-f]+)\$/g, (whole, code: string) => {
      if (code.startsWith("u")) return String.fromCodePoint(parseInt(code.slice(1), 16));
      return ESCAPES[code] ?? whole;
    })
    .replaceAll("..", "::");
}
