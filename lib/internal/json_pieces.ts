/**
 * A value's JSON written in pieces: the small JSON around its large strings
 * and byte bodies, and those written where the text goes (a plugin's memory,
 * the pipe to an engine's process, an upstream request) a slice at a time.
 * The JSON of a 100 MiB chat request then needs no 100 MiB string of its
 * own, and an HTTP hook's body no 133 MiB base64 string: those copies were
 * most of the gateway's peak memory for a large request. Private to the
 * library.
 *
 * @example
 * ```ts
 * import { Base64Bytes, jsonPieces } from "./json_pieces.ts";
 * import assert from "node:assert/strict";
 *
 * const body = new Base64Bytes(new TextEncoder().encode("hi"));
 * const value = { big: "a\"".repeat(8), body, small: 1 };
 * assert.equal(JSON.stringify(value), '{"big":"' + 'a\\"'.repeat(8) + '","body":"aGk=","small":1}');
 * const pieces = jsonPieces(value, { large: 8 });
 * assert.ok(typeof pieces !== "string");
 * assert.equal(pieces.text(), JSON.stringify(value));
 * const into = new Uint8Array(pieces.length);
 * pieces.writeInto(into);
 * assert.equal(new TextDecoder().decode(into), JSON.stringify(value));
 * assert.equal(jsonPieces({ small: "text" }, { large: 8 }), '{"small":"text"}');
 * ```
 *
 * @module
 */
import { encodeBase64 } from "./base64.ts";

/** Strings this long or longer, and every {@link Base64Bytes}, are written as pieces of their own. */
export const LARGE_STRING = 1 << 20;

/** Characters of a large string per slice written; bytes of a body per slice (a multiple of 3: whole base64 quads). */
const SLICE = 1 << 20;
const BASE64_SLICE = 3 << 18;

const encoder = new TextEncoder();

/** Called by {@link Base64Bytes.toJSON} while {@link jsonPieces} serializes: a placeholder instead of the base64. */
let collect: ((big: Base64Bytes) => string) | undefined;

/**
 * A byte body that goes into JSON as a base64 string, as Go writes a
 * `[]byte` (the body of an HTTP hook's request or response). In
 * `JSON.stringify` it is its base64 text; in {@link jsonPieces}, a piece
 * written a slice at a time. It holds the bytes, or the text they are the
 * UTF-8 of (a request body kept as the text it is parsed from, not beside
 * it).
 */
export class Base64Bytes {
  readonly #bytes: Uint8Array<ArrayBuffer> | undefined;
  /** The text the bytes are the UTF-8 of, when it holds that instead of them. */
  readonly text: string | undefined;
  /** The number of bytes. */
  readonly length: number;

  /** The bytes, or a text and the length of its UTF-8 (`text`'s UTF-8 are the bytes: it is held instead). */
  constructor(source: Uint8Array<ArrayBuffer> | { text: string; byteLength: number }) {
    if (source instanceof Uint8Array) {
      this.#bytes = source;
      this.length = source.length;
    } else {
      this.text = source.text;
      this.length = source.byteLength;
    }
  }

  /** The bytes (encoded now from a text: a copy). */
  get bytes(): Uint8Array<ArrayBuffer> {
    return this.text === undefined ? this.#bytes! : encoder.encode(this.text);
  }

  /** The base64 text a slice at a time (whole quads, each about a MiB at most), padded at the end. */
  *base64(): Generator<string> {
    if (this.text === undefined) {
      for (let i = 0; i < this.length; i += BASE64_SLICE) {
        yield encodeBase64(this.#bytes!.subarray(i, i + BASE64_SLICE));
      }
      return;
    }
    // The text's UTF-8 a slice at a time; the 1 or 2 bytes past the last whole triple carried to the next slice.
    let carry = new Uint8Array(0);
    for (const [a, b] of slices(this.text, BASE64_SLICE)) {
      const encoded = encoder.encode(this.text.slice(a, b));
      const bytes = carry.length === 0 ? encoded : concat(carry, encoded);
      const whole = bytes.length - (bytes.length % 3);
      if (whole > 0) yield encodeBase64(bytes.subarray(0, whole));
      carry = bytes.slice(whole);
    }
    if (carry.length > 0) yield encodeBase64(carry);
  }

  /** Its base64 text (a copy 4/3 of the bytes: the one {@link jsonPieces} avoids). */
  toString(): string {
    return [...this.base64()].join("");
  }

  toJSON(): string {
    return collect ? collect(this) : this.toString();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Something whose bytes can be written into a buffer of exactly {@link length} bytes. */
export interface ByteWriter {
  readonly length: number;
  writeInto(into: Uint8Array): void;
}

/** One piece: bytes as they are, a text whose characters are all printable ASCII (its bytes), or a body's base64. */
type Piece =
  | { bytes: Uint8Array }
  | { ascii: string }
  | { base64: Base64Bytes };

function pieceLength(p: Piece): number {
  if ("bytes" in p) return p.bytes.length;
  if ("ascii" in p) return p.ascii.length;
  return 4 * Math.ceil(p.base64.length / 3);
}

/** Any character JSON.stringify escapes, or that is not ASCII. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** Slice ends of `s`, at most `size` characters apart, never inside a surrogate pair. */
function* slices(s: string, size = SLICE): Generator<[number, number]> {
  for (let at = 0; at < s.length;) {
    let end = Math.min(s.length, at + size);
    const last = s.charCodeAt(end - 1);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield [at, end];
    at = end;
  }
}

/** The UTF-8 of `text` in slices of about a MiB at most, never splitting a surrogate pair. */
export function* textChunks(text: string): Generator<Uint8Array> {
  for (const [a, b] of slices(text)) yield encoder.encode(text.slice(a, b));
}

/** A large string's JSON literal, quotes excluded: as it is when plain, else escaped a slice at a time. */
function stringPieces(s: string, out: Piece[]): void {
  if (!NOT_PLAIN.test(s)) {
    out.push({ ascii: s });
    return;
  }
  // The escaped UTF-8 is held (one copy, in bytes, not a second string besides them).
  for (const [a, b] of slices(s)) out.push({ bytes: encoder.encode(JSON.stringify(s.slice(a, b)).slice(1, -1)) });
}

/**
 * JSON text in pieces; its bytes are the UTF-8 of `JSON.stringify` of the
 * value, written without that string ever being whole.
 */
export class JsonPieces implements ByteWriter {
  readonly length: number;

  constructor(readonly pieces: readonly Piece[]) {
    this.length = pieces.reduce((n, p) => n + pieceLength(p), 0);
  }

  /** Writes the text into `into`, which is {@link length} bytes long. */
  writeInto(into: Uint8Array): void {
    let at = 0;
    for (const p of this.pieces) {
      if ("bytes" in p) into.set(p.bytes, at);
      else if ("ascii" in p) encoder.encodeInto(p.ascii, into.subarray(at, at + p.ascii.length));
      else {
        let to = at;
        for (const quads of p.base64.base64()) {
          to += encoder.encodeInto(quads, into.subarray(to, to + quads.length)).written;
        }
      }
      at += pieceLength(p);
    }
  }

  /** The text's bytes, in chunks of about a MiB at most (small pieces as they are). */
  *chunks(): Generator<Uint8Array> {
    for (const p of this.pieces) {
      if ("bytes" in p) yield p.bytes;
      else if ("ascii" in p) yield* textChunks(p.ascii);
      else {
        for (const quads of p.base64.base64()) yield encoder.encode(quads);
      }
    }
  }

  /** The whole text as one string: the copy this type avoids, for what needs it (a recorder, an error's detail). */
  text(): string {
    const decoder = new TextDecoder();
    return this.pieces.map((p) => "bytes" in p ? decoder.decode(p.bytes) : "ascii" in p ? p.ascii : p.base64.toString())
      .join("");
  }
}

/** Options of {@link jsonPieces}. */
export interface JsonPiecesOptions {
  /** Strings this long or longer are pieces of their own; default {@link LARGE_STRING}. */
  large?: number;
  /** A `JSON.stringify` replacer, applied first. */
  replacer?: (this: unknown, key: string, value: unknown) => unknown;
}

/**
 * The JSON of `value`: its text when it holds no string of `large`
 * characters or more and no {@link Base64Bytes}, else the text in
 * {@link JsonPieces}. A small value costs one `JSON.stringify` with a
 * replacer (slower than without one: call it where a value may be large).
 */
export function jsonPieces(value: unknown, options: JsonPiecesOptions = {}): string | JsonPieces {
  const { large = LARGE_STRING, replacer } = options;
  const big: (string | Base64Bytes)[] = [];
  // Placeholders: a private-use character, a nonce and an index; JSON.stringify writes them as they are. The nonce
  // is drawn at the first one: a small value (every upstream body) costs none.
  let nonce = "";
  const mark = (item: string | Base64Bytes) => `\ue000${(nonce ||= crypto.randomUUID())}:${big.push(item) - 1}\ue001`;
  let skeleton: string;
  collect = mark;
  try {
    // `this[key]` is the value before toJSON: a Base64Bytes has already left its placeholder.
    skeleton = JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
      if (replacer) v = replacer.call(this, key, v);
      return typeof v === "string" && v.length >= large && !(this[key] instanceof Base64Bytes) ? mark(v) : v;
    });
  } finally {
    collect = undefined;
  }
  if (big.length === 0) return skeleton;
  const pieces: Piece[] = [];
  const marker = new RegExp(`\ue000${nonce}:(\\d+)\ue001`, "g");
  let at = 0;
  for (const m of skeleton.matchAll(marker)) {
    pieces.push({ bytes: encoder.encode(skeleton.slice(at, m.index)) });
    const item = big[Number(m[1])]!;
    if (typeof item === "string") stringPieces(item, pieces);
    else pieces.push({ base64: item });
    at = m.index + m[0].length;
  }
  pieces.push({ bytes: encoder.encode(skeleton.slice(at)) });
  return new JsonPieces(pieces);
}
