import assert from "node:assert/strict";
import { Base64Bytes, jsonPieces } from "./json_pieces.ts";

const MIB = 1 << 20;
const decoder = new TextDecoder();

/** Every way to get the pieces' bytes gives JSON.stringify's UTF-8. */
function assertSameAsStringify(value: unknown, large: number): void {
  const want = JSON.stringify(value);
  const pieces = jsonPieces(value, { large });
  assert.ok(typeof pieces !== "string", "large parts are pieces");
  assert.equal(pieces.length, new TextEncoder().encode(want).length);
  const into = new Uint8Array(pieces.length + 2).fill(0xff);
  pieces.writeInto(into.subarray(1, 1 + pieces.length));
  assert.equal(into[0], 0xff, "nothing written before");
  assert.equal(into.at(-1), 0xff, "nothing written after");
  assert.ok(decoder.decode(into.subarray(1, -1)) === want, "writeInto");
  const chunks = [...pieces.chunks()];
  assert.ok(chunks.every((c) => c.length <= 4 * MIB), "chunks are bounded");
  assert.ok(decoder.decode(concat(chunks)) === want, "chunks");
  assert.ok(pieces.text() === want, "text");
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.length) - c.length);
  return out;
}

Deno.test("jsonPieces: a value without large parts is JSON.stringify's text", () => {
  const value = { a: "x".repeat(99), b: [1, null, true], c: { "é": "ü\n" } };
  assert.equal(jsonPieces(value, { large: 100 }), JSON.stringify(value));
});

Deno.test("jsonPieces: large plain, escaped and non-ASCII strings, anywhere in the value", () => {
  assertSameAsStringify({ plain: "data:image/png;base64,".padEnd(3 * MIB + 17, "A") }, 1024);
  assertSameAsStringify(['quote" back\\ nl\n tab\t ctl\u0001 '.repeat(200_000)], 1024);
  assertSameAsStringify({ deep: [{ x: "é😀漢".repeat(700_000) }, "small", "ü".repeat(5000)] }, 1024);
  // The top-level value itself, and keys and numbers around it.
  assertSameAsStringify("z".repeat(5000), 1024);
});

Deno.test("jsonPieces: a surrogate pair on a slice boundary stays whole, and lone surrogates are escaped", () => {
  for (const shift of [0, 1]) {
    const s = "a".repeat(MIB - 1 + shift) + "😀" + "b".repeat(10) + "\ud800" + "tail";
    assertSameAsStringify({ s }, 1024);
  }
});

Deno.test("jsonPieces: Base64Bytes of every remainder and across slices, as Go writes []byte", () => {
  for (const n of [0, 1, 2, 3, 4, 3 * (1 << 18) - 1, 3 * (1 << 18), 3 * (1 << 18) + 2, 2 * MIB + 1]) {
    const bytes = new Uint8Array(n).map((_, i) => (i * 7919) & 0xff);
    const value = { context: { id: "x" }, request: { body: new Base64Bytes(bytes), path: "/v1/chat" } };
    assertSameAsStringify(value, 1 << 30);
    // A placeholder is longer than a small threshold: it is not taken for a large string.
    assertSameAsStringify(value, 4);
  }
});

Deno.test("Base64Bytes of a text: the base64 of its UTF-8, written a slice at a time whatever the characters", () => {
  const texts = [
    "",
    "a",
    "ab",
    "abc",
    "é",
    "a".repeat(3 << 18) + "é😀",
    "é😀漢".repeat(400_000),
    "x".repeat((3 << 18) - 1) + "😀" + "y".repeat(5),
  ];
  for (const text of texts) {
    const bytes = new TextEncoder().encode(text);
    const b = new Base64Bytes({ text, byteLength: bytes.length });
    assert.ok(b.text === text && b.length === bytes.length);
    assert.ok(String(b) === String(new Base64Bytes(bytes)), `${text.length} characters`);
    assert.deepEqual(b.bytes, bytes);
    assertSameAsStringify({ body: b }, 1 << 30);
  }
});

Deno.test("jsonPieces: a placeholder-like string in the value is left as it is", () => {
  const value = { trap: "\ue0000:0\ue001", big: "q".repeat(4096) };
  assertSameAsStringify(value, 1024);
});

Deno.test("jsonPieces: a replacer applies first, to large strings too", () => {
  const value = { b: "x".repeat(3000), a: { d: 1, c: "y".repeat(2000) } };
  const sorted = function (_key: string, v: unknown) {
    return v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v;
  };
  const pieces = jsonPieces(value, { large: 1024, replacer: sorted });
  assert.ok(typeof pieces !== "string");
  assert.equal(pieces.text(), JSON.stringify(value, sorted));
  const upper = (_key: string, v: unknown) => typeof v === "string" ? v.toUpperCase() : v;
  assert.equal(
    (jsonPieces(value, { large: 1024, replacer: upper }) as { text(): string }).text(),
    JSON.stringify(value, upper),
  );
});

Deno.test("Base64Bytes: plain JSON.stringify writes its base64, and jsonPieces leaves no state behind", () => {
  const b = new Base64Bytes(new Uint8Array([0, 1, 2, 250]));
  assert.throws(() => jsonPieces({ b, bad: 1n }), TypeError);
  assert.equal(JSON.stringify({ b }), '{"b":"AAEC+g=="}');
  assert.equal(String(b), "AAEC+g==");
});
