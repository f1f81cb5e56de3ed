/**
 * Semantic comparison of parsed JSON values, as Go's `encoding/json` sees
 * them: object key order does not matter, numbers compare as float64 (with
 * -0 distinct from 0), and strings compare after lone surrogates become
 * U+FFFD (Go decodes a lone `\ud800` escape that way, so a plugin that
 * answers U+FFFD for it changes nothing Bifrost can see).
 *
 * @example
 * ```ts
 * import { jsonDiff } from "./json_diff.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(jsonDiff({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }), undefined);
 * assert.equal(jsonDiff({ a: [1, { b: "x" }] }, { a: [1, { b: "y" }] }), '$.a[1].b: expected "x", found "y"');
 * assert.equal(jsonDiff("\ud800", "\ufffd"), undefined);
 * ```
 *
 * @module
 */

/** The first difference between `expected` and `actual` (its path and both values), or `undefined` when equal. */
export function jsonDiff(expected: unknown, actual: unknown, path = "$"): string | undefined {
  if (typeof expected === "string" && typeof actual === "string") {
    return expected === actual || expected.toWellFormed() === actual.toWellFormed()
      ? undefined
      : mismatch(path, expected, actual);
  }
  if (typeof expected === "number" && typeof actual === "number") {
    return Object.is(expected, actual) ? undefined : mismatch(path, expected, actual);
  }
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return mismatch(path, expected, actual);
    if (expected.length !== actual.length) {
      return `${path}: expected ${expected.length} elements, found ${actual.length}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const d = jsonDiff(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(expected) && isObject(actual)) {
    for (const key of Object.keys(expected)) {
      if (!Object.hasOwn(actual, key)) return `${keyPath(path, key)}: missing`;
      const d = jsonDiff(expected[key], actual[key], keyPath(path, key));
      if (d) return d;
    }
    for (const key of Object.keys(actual)) {
      if (!Object.hasOwn(expected, key)) return `${keyPath(path, key)}: unexpected (${preview(actual[key])})`;
    }
    return undefined;
  }
  return expected === actual ? undefined : mismatch(path, expected, actual);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function mismatch(path: string, expected: unknown, actual: unknown): string {
  return `${path}: expected ${preview(expected)}, found ${preview(actual)}`;
}

function preview(v: unknown): string {
  const text = Object.is(v, -0) ? "-0" : JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}...` : text;
}
