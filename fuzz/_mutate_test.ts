import assert from "node:assert/strict";
import { corpus, fromValue, generateCase, type Node, Rng, serialize } from "./_mutate.ts";

const text = (n: Node, style?: Parameters<typeof serialize>[1]) => new TextDecoder().decode(serialize(n, style));

Deno.test("Rng is deterministic per seed and stream, and int() stays in range", () => {
  const a = new Rng(7, 3);
  const b = new Rng(7, 3);
  const c = new Rng(7, 4);
  const xs = Array.from({ length: 100 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 100 }, () => b.next()));
  assert.notDeepEqual(xs, Array.from({ length: 100 }, () => c.next()));
  for (let i = 0; i < 1000; i++) {
    const n = a.int(7);
    assert.ok(Number.isInteger(n) && n >= 0 && n < 7);
  }
});

Deno.test("serialize() writes what JSON.stringify writes, in every style (and -0 as -0)", () => {
  const value = { a: [1, 2.5, "x\u0000\ud800", { b: null }], c: true, "": {} };
  assert.equal(text(fromValue(value)), JSON.stringify(value));
  for (const style of ["spaced", "pretty"] as const) {
    assert.deepEqual(JSON.parse(text(fromValue(value), style)), value);
  }
  assert.equal(text(fromValue({ a: [] }), "pretty"), '{\n  "a": []\n}');
  assert.equal(text(fromValue([-0])), "[-0]");
});

Deno.test("serialize() keeps duplicate keys, raw numbers and strings, bytes and deep nesting", () => {
  const tree: Node = {
    k: "obj",
    entries: [
      [{ k: "str", value: "a" }, { k: "num", raw: "1e400" }],
      [{ k: "str", value: "a", raw: '"\\u0061"' }, { k: "str", value: "/", raw: '"\\/"' }],
      [{ k: "str", value: "b" }, { k: "bytes", bytes: new Uint8Array([0x22, 0xff, 0x22]) }],
      [{ k: "str", value: "c" }, { k: "deep", depth: 3, open: "{", inner: { k: "lit", raw: "null" } }],
    ],
  };
  assert.deepEqual(
    serialize(tree),
    new Uint8Array([
      ...new TextEncoder().encode('{"a":1e400,"\\u0061":"\\/","b":'),
      0x22,
      0xff,
      0x22,
      ...new TextEncoder().encode(',"c":{"d":{"d":{"d":null}}}}'),
    ]),
  );
});

Deno.test("generateCase() is a pure function of seed and index", () => {
  for (const i of [0, 1, 17, 999]) {
    const a = generateCase(42, i);
    const b = generateCase(42, i);
    assert.deepEqual(a.input, b.input);
    assert.deepEqual(a.mutations, b.mutations);
    assert.equal(a.hook, b.hook);
  }
  assert.notDeepEqual(generateCase(42, 5).input, generateCase(43, 5).input);
});

Deno.test("generateCase() covers every hook and mutation kind over a few thousand cases", () => {
  const hooks = new Set<string>();
  const kinds = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const c = generateCase(1, i);
    hooks.add(c.hook);
    for (const m of c.mutations) kinds.add(m.split(" ")[0]!);
  }
  assert.deepEqual([...hooks].sort(), Object.keys(corpus()).sort());
  for (
    const k of [
      "drop",
      "duplicate",
      "retype",
      "null",
      "nulls",
      "nest",
      "huge",
      "unicode",
      "invalid",
      "number",
      "unknown",
      "escaped",
      "bad",
      "model",
      "kind:",
      "post",
      "truncate",
      "flip",
      "insert",
      "byte",
      "trailing",
      "control",
    ]
  ) {
    assert.ok(kinds.has(k), `no "${k}" mutation in 3000 cases`);
  }
});
