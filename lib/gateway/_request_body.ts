/**
 * Reading a client's request body safely: at most {@link MAX_BODY_BYTES}
 * read (a larger body is refused as it arrives, not buffered), nesting
 * counted before anything recursive parses it, and a JSON object required.
 * Every refusal is a status and a message for Bifrost's error shape.
 * Private to the gateway.
 *
 * @module
 */
import { jsonDepth } from "../internal/json_depth.ts";
import { decodeUtf8 } from "../internal/utf8.ts";
import { LARGE_STRING } from "../internal/json_pieces.ts";

/** Bifrost's default `client.max_request_body_size_mb` is 100; a larger body gets 413. */
export const MAX_BODY_BYTES = 100 << 20;

/**
 * Bodies nested deeper are refused with 400. Go's decoder allows 10,000
 * levels, but the SDK refuses hook inputs deeper than 512 and serde_json
 * (Rust plugins) 128 by default, so a deeper body could only fail in a
 * plugin; JSON.stringify, which builds every hook input, recurses too.
 */
export const MAX_BODY_DEPTH = 256;

/** Why a body was refused. */
export interface BodyProblem {
  status: 400 | 413;
  message: string;
}

/** The body's bytes, read up to the limit; a problem as soon as it is exceeded. */
export async function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array<ArrayBuffer> | BodyProblem> {
  const tooLarge = (): BodyProblem => ({
    status: 413,
    message: `Request body is larger than ${limit} bytes (Bifrost's max_request_body_size_mb)`,
  });
  const declared = Number(req.headers.get("content-length"));
  if (declared > limit) {
    await req.body?.cancel();
    return tooLarge();
  }
  const bytes = await readBodyBytes(req, limit);
  return bytes ?? tooLarge();
}

/**
 * A request's body in one buffer: of its declared size when it declares one,
 * else doubled as needed (chunks joined at the end would hold it twice).
 * `null` as soon as it passes `limit` bytes, the rest unread.
 */
async function readBodyBytes(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!req.body) return new Uint8Array();
  const declared = Number(req.headers.get("content-length"));
  let out = new Uint8Array(Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, limit) : 1 << 16);
  let size = 0;
  for await (const chunk of req.body) {
    if (size + chunk.length > limit) return null;
    if (size + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(size + chunk.length, out.length * 2)));
      grown.set(out.subarray(0, size));
      out = grown;
    }
    out.set(chunk, size);
    size += chunk.length;
  }
  return size === out.length ? out : out.subarray(0, size);
}

/**
 * The body as a JSON object, or why it is not one.
 *
 * @example
 * ```ts
 * import { parseBody } from "./_request_body.ts";
 * import assert from "node:assert/strict";
 *
 * const enc = (s: string) => new TextEncoder().encode(s);
 * assert.deepEqual(parseBody(enc('{"model":"openai/gpt-4o"}')), { body: { model: "openai/gpt-4o" } });
 * assert.equal((parseBody(enc("[1]")) as { message: string }).message, "Invalid request body: expected a JSON object, found an array");
 * assert.match((parseBody(enc("[".repeat(100_000))) as { message: string }).message, /nested deeper than 256/);
 * ```
 */
export function parseBody(bytes: Uint8Array): { body: Record<string, unknown> } | BodyProblem {
  const text = decodeUtf8(bytes);
  return text === undefined ? bad("not valid UTF-8") : parseText(text);
}

const bad = (why: string): BodyProblem => ({ status: 400, message: `Invalid request body: ${why}` });

/** {@link parseBody} of a body already decoded (a leading byte order mark skipped, as the WHATWG decoder does). */
export function parseText(decoded: string): { body: Record<string, unknown> } | BodyProblem {
  const text = decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  if (jsonDepth(text, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) return bad(`nested deeper than ${MAX_BODY_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return bad((e as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const found = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    return bad(`expected a JSON object, found ${found}`);
  }
  return { body: value as Record<string, unknown> };
}

/**
 * Makes the large strings of a parsed body slices of the text it was
 * parsed from: a string `JSON.parse` copied out of a 100 MiB body (an image
 * inline) is then held once, inside the body's text (kept for the HTTP post
 * hooks), not a second time beside it. A string is replaced only by a
 * literal of the same characters (one with no escapes); `large` is the
 * length from which strings are shared.
 *
 * @example
 * ```ts
 * import { parseText, shareStrings } from "./_request_body.ts";
 * import assert from "node:assert/strict";
 *
 * const text = `{"a":"${"x".repeat(64)}","b":["${"y".repeat(64)}"],"c":"esc\\\\aped${"z".repeat(64)}"}`;
 * const { body } = parseText(text) as { body: { a: string; b: string[]; c: string } };
 * shareStrings(body, text, 64);
 * assert.deepEqual(body, JSON.parse(text));
 * ```
 */
export function shareStrings(value: unknown, text: string, large = LARGE_STRING): void {
  // The body's string literals of `large` characters or more without escapes, by length.
  const literals = new Map<number, [number, number][]>();
  for (let open = text.indexOf('"'); open >= 0;) {
    let close = text.indexOf('"', open + 1);
    while (close > 0 && escapedAt(text, close)) close = text.indexOf('"', close + 1);
    if (close < 0) break;
    const length = close - open - 1;
    if (length >= large && !text.slice(open + 1, close).includes("\\")) {
      const same = literals.get(length) ?? [];
      same.push([open + 1, close]);
      literals.set(length, same);
    }
    open = text.indexOf('"', close + 1);
  }
  if (literals.size > 0) share(value, text, literals, large);
}

/** Whether the character at `i` follows an odd number of backslashes. */
function escapedAt(text: string, i: number): boolean {
  let n = 0;
  while (text.charCodeAt(i - 1 - n) === 92) n++;
  return n % 2 === 1;
}

function share(value: unknown, text: string, literals: Map<number, [number, number][]>, large: number): void {
  if (typeof value !== "object" || value === null) return;
  const holder = value as Record<string, unknown>;
  for (const key of Object.keys(holder)) {
    const v = holder[key];
    if (typeof v !== "string") share(v, text, literals, large);
    else if (v.length >= large) {
      for (const [a, b] of literals.get(v.length) ?? []) {
        const slice = text.slice(a, b);
        if (slice === v) {
          holder[key] = slice;
          break;
        }
      }
    }
  }
}
