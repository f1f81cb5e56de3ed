/**
 * JSON parsing that keeps every number exactly as written: a number that
 * a JS double cannot hold as written (`12345678901234567890`, `1.0e0`,
 * `-0`) stays its source text through `JSON.rawJSON`, so a fixture
 * rewritten from a parsed value keeps its numbers byte for byte.
 * Private to the library.
 */

/** `JSON.rawJSON` and friends (V8's JSON source text access; not in every lib.d.ts yet). */
interface RawJsonApi {
  rawJSON(text: string): unknown;
  isRawJSON(value: unknown): value is { rawJSON: string };
}
const rawApi = JSON as unknown as RawJsonApi;

type Reviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

const keepNumbers: Reviver = (_key, value, context) => {
  if (typeof value !== "number" || context?.source === undefined) return value;
  return String(value) === context.source ? value : rawApi.rawJSON(context.source);
};

/** Parses `text` keeping numbers exactly (see the module documentation). Throws `SyntaxError` like `JSON.parse`. */
export function parseLossless(text: string): unknown {
  return JSON.parse(text, keepNumbers as (key: string, value: unknown) => unknown);
}

/** Whether `value` is a number kept as its source text. */
export function isRawNumber(value: unknown): value is { rawJSON: string } {
  return rawApi.isRawJSON(value);
}

/** Pretty JSON with two-space indents and a final newline, numbers as parsed. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * Whether two JSON numbers (plain or kept as text) are the same number:
 * integers compare exactly, others as doubles.
 */
export function sameNumber(a: unknown, b: unknown): boolean {
  const x = numberText(a);
  const y = numberText(b);
  if (x === undefined || y === undefined) return false;
  if (/^-?\d+$/.test(x) && /^-?\d+$/.test(y)) return BigInt(x) === BigInt(y);
  return Number(x) === Number(y);
}

/** The source text of a JSON number (plain or kept), `undefined` for anything else. */
export function numberText(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value).toString() : String(value);
  return isRawNumber(value) ? value.rawJSON : undefined;
}
