/**
 * A structural diff of two JSON values, for fixture failures: one
 * `- path: expected` / `+ path: actual` line pair per difference, paths
 * written as in JavaScript (`short_circuit.error.status_code`,
 * `input[0].content`, `context["request-id"]`). Private to the library.
 */
import { isRawNumber, numberText, sameNumber } from "../_lossless_json.ts";

/**
 * `exact`: the values are equal. `partial`: every key the expectation
 * names matches, at any depth; objects may have more keys. Arrays match
 * element by element and must be as long in both modes.
 */
export type MatchMode = "exact" | "partial";

const MAX_VALUE_CHARS = 160;

/** One difference: a value `expected` has and `actual` lacks, one only `actual` has, or one that changed. */
export interface JsonDifference {
  kind: "missing" | "added" | "changed";
  /** As in JavaScript, `""` for the whole value. */
  path: string;
  expected?: unknown;
  actual?: unknown;
}

/** How `actual` differs from `expected`, one entry per path; none when it matches. */
export function jsonDifferences(expected: unknown, actual: unknown, mode: MatchMode): JsonDifference[] {
  const out: JsonDifference[] = [];
  walk(expected, actual, "", mode, out);
  return out;
}

/** Lines describing how `actual` differs from `expected`; none when it matches. */
export function diffJson(expected: unknown, actual: unknown, mode: MatchMode): string[] {
  return jsonDifferences(expected, actual, mode).flatMap((d) => {
    const at = d.path || "(the whole value)";
    if (d.kind === "missing") return [`- ${at}: ${show(d.expected)}`];
    if (d.kind === "added") return [`+ ${at}: ${show(d.actual)}`];
    return [`- ${at}: ${show(d.expected)}`, `+ ${at}: ${show(d.actual)}`];
  });
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

function walk(expected: unknown, actual: unknown, path: string, mode: MatchMode, out: JsonDifference[]): void {
  if (isObject(expected) && isObject(actual)) {
    for (const key of Object.keys(expected)) {
      const at = join(path, key);
      if (Object.hasOwn(actual, key)) walk(expected[key], actual[key], at, mode, out);
      else out.push({ kind: "missing", path: at, expected: expected[key] });
    }
    if (mode === "exact") {
      for (const key of Object.keys(actual)) {
        if (!Object.hasOwn(expected, key)) out.push({ kind: "added", path: join(path, key), actual: actual[key] });
      }
    }
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const at = `${path}[${i}]`;
      if (i >= actual.length) out.push({ kind: "missing", path: at, expected: expected[i] });
      else if (i >= expected.length) out.push({ kind: "added", path: at, actual: actual[i] });
      else walk(expected[i], actual[i], at, mode, out);
    }
    return;
  }
  if (!same(expected, actual)) out.push({ kind: "changed", path, expected, actual });
}

function same(a: unknown, b: unknown): boolean {
  if (numberText(a) !== undefined || numberText(b) !== undefined) return sameNumber(a, b);
  return a === b;
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
