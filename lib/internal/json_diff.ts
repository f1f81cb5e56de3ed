/**
 * The one JSON diff: how a parsed JSON value differs from an expected one,
 * path by path. Two ways to call two values equal:
 *
 * - `lossless` (fixtures, `check`): numbers by their exact value, as
 *   `parseLossless` keeps them (`1.0e0` is `1`; two integers past 2^53
 *   differ when their digits do), strings exactly.
 * - `go`, as Go's `encoding/json` sees them (the benchmark's and the
 *   fuzzer's check of an output against its native twin): numbers as
 *   float64 (with -0 distinct from 0), and strings after lone surrogates
 *   become U+FFFD (Go decodes a lone `\ud800` escape that way, so a plugin
 *   that answers U+FFFD for it changes nothing Bifrost can see).
 *
 * Either way object key order does not matter; in `partial` mode keys the
 * expectation does not name are ignored, at any depth; arrays match element
 * by element. Paths are written as in JavaScript (`short_circuit.error`,
 * `input[0].content`, `context["request-id"]`).
 *
 * @example
 * ```ts
 * import { diffJson, jsonDiff } from "./json_diff.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(jsonDiff({ a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }), undefined);
 * assert.equal(jsonDiff({ a: [1, { b: "x" }] }, { a: [1, { b: "y" }] }), '$.a[1].b: expected "x", found "y"');
 * assert.equal(jsonDiff("\ud800", "\ufffd"), undefined);
 * assert.deepEqual(diffJson({ a: 1 }, { a: 1, b: 2 }, "partial"), []);
 * assert.deepEqual(diffJson({ a: 1 }, { a: 2 }, "exact"), ["- a: 1", "+ a: 2"]);
 * ```
 *
 * @module
 */
import { isRawNumber, numberText, sameNumber } from "./lossless_json.ts";

/**
 * `exact`: the values are equal. `partial`: every key the expectation
 * names matches, at any depth; objects may have more keys. Arrays match
 * element by element and must be as long in both modes.
 */
export type MatchMode = "exact" | "partial";

/** How two leaves (numbers, strings, booleans, null) are compared; see the module documentation. */
export type JsonEquality = "lossless" | "go";

/** One difference: a value `expected` has and `actual` lacks, one only `actual` has, or one that changed. */
export interface JsonDifference {
  kind: "missing" | "added" | "changed";
  /** As in JavaScript, `""` for the whole value. */
  path: string;
  expected?: unknown;
  actual?: unknown;
}

const MAX_VALUE_CHARS = 160;
const MAX_PREVIEW_CHARS = 60;

/** How `actual` differs from `expected`, one entry per path, at most `limit` of them; none when it matches. */
export function jsonDifferences(
  expected: unknown,
  actual: unknown,
  mode: MatchMode,
  equality: JsonEquality = "lossless",
  limit = Infinity,
): JsonDifference[] {
  const out: JsonDifference[] = [];
  walk(expected, actual, "", { mode, same: equality === "go" ? sameInGo : sameLossless, limit }, out);
  return out;
}

/** Lines describing how `actual` differs from `expected` (`- path: expected`, `+ path: actual`); none when it matches. */
export function diffJson(expected: unknown, actual: unknown, mode: MatchMode): string[] {
  return jsonDifferences(expected, actual, mode).flatMap((d) => {
    const at = d.path || "(the whole value)";
    if (d.kind === "missing") return [`- ${at}: ${show(d.expected)}`];
    if (d.kind === "added") return [`+ ${at}: ${show(d.actual)}`];
    return [`- ${at}: ${show(d.expected)}`, `+ ${at}: ${show(d.actual)}`];
  });
}

/**
 * The first difference between `expected` and `actual` as Go sees them, on
 * one line with its path from `$`; `undefined` when they are equal.
 */
export function jsonDiff(expected: unknown, actual: unknown): string | undefined {
  const [d] = jsonDifferences(expected, actual, "exact", "go", 1);
  if (d === undefined) return undefined;
  const at = d.path === "" || d.path.startsWith("[") ? `$${d.path}` : `$.${d.path}`;
  if (d.kind === "missing") return `${at}: missing`;
  if (d.kind === "added") return `${at}: unexpected (${preview(d.actual)})`;
  return `${at}: expected ${preview(d.expected)}, found ${preview(d.actual)}`;
}

/**
 * `actual` cut down to the shape of `expected`: the keys `expected` names
 * (at any depth), so rewriting a partial expectation keeps it partial.
 * Arrays of another length and values of another kind are taken whole.
 */
export function projectOnto(expected: unknown, actual: unknown): unknown {
  if (isObject(expected) && isObject(actual)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(expected)) {
      if (Object.hasOwn(actual, key)) out[key] = projectOnto(expected[key], actual[key]);
    }
    return out;
  }
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
    return actual.map((v, i) => projectOnto(expected[i], v));
  }
  return actual;
}

interface Walk {
  mode: MatchMode;
  same(a: unknown, b: unknown): boolean;
  limit: number;
}

function walk(expected: unknown, actual: unknown, path: string, w: Walk, out: JsonDifference[]): void {
  if (out.length >= w.limit) return;
  if (isObject(expected) && isObject(actual)) {
    for (const key of Object.keys(expected)) {
      const at = join(path, key);
      if (Object.hasOwn(actual, key)) walk(expected[key], actual[key], at, w, out);
      else out.push({ kind: "missing", path: at, expected: expected[key] });
      if (out.length >= w.limit) return;
    }
    if (w.mode === "exact") {
      for (const key of Object.keys(actual)) {
        if (out.length >= w.limit) return;
        if (!Object.hasOwn(expected, key)) out.push({ kind: "added", path: join(path, key), actual: actual[key] });
      }
    }
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n && out.length < w.limit; i++) {
      const at = `${path}[${i}]`;
      if (i >= actual.length) out.push({ kind: "missing", path: at, expected: expected[i] });
      else if (i >= expected.length) out.push({ kind: "added", path: at, actual: actual[i] });
      else walk(expected[i], actual[i], at, w, out);
    }
    return;
  }
  if (!w.same(expected, actual)) out.push({ kind: "changed", path, expected, actual });
}

function sameLossless(a: unknown, b: unknown): boolean {
  if (numberText(a) !== undefined || numberText(b) !== undefined) return sameNumber(a, b);
  return a === b;
}

function sameInGo(a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string") return a === b || a.toWellFormed() === b.toWellFormed();
  return Object.is(a, b);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isRawNumber(v);
}

function join(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  return path === "" && part.startsWith(".") ? part.slice(1) : `${path}${part}`;
}

function show(v: unknown): string {
  const text = v === undefined ? "(missing)" : JSON.stringify(v);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function preview(v: unknown): string {
  const text = Object.is(v, -0) ? "-0" : JSON.stringify(v) ?? String(v);
  return text.length > MAX_PREVIEW_CHARS ? `${text.slice(0, MAX_PREVIEW_CHARS)}...` : text;
}
