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
  const bad = (why: string): BodyProblem => ({ status: 400, message: `Invalid request body: ${why}` });
  const decoded = decodeUtf8(bytes);
  if (decoded === undefined) return bad("not valid UTF-8");
  // A byte order mark is skipped, as the WHATWG decoder this replaced did.
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
