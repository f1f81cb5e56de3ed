import assert from "node:assert/strict";
import { diffJson, jsonDiff, projectOnto } from "./json_diff.ts";
import { parseLossless } from "./lossless_json.ts";

Deno.test("jsonDiff() ignores key order and compares nested values", () => {
  assert.equal(jsonDiff({ a: 1, b: [true, null] }, { b: [true, null], a: 1 }), undefined);
  assert.equal(jsonDiff({ a: { b: [1, 2] } }, { a: { b: [1, 3] } }), "$.a.b[1]: expected 2, found 3");
});

Deno.test("jsonDiff() names missing and unexpected keys, quoting odd ones", () => {
  assert.equal(jsonDiff({ a: 1, "x y": 2 }, { a: 1 }), '$["x y"]: missing');
  assert.equal(jsonDiff({ a: 1 }, { a: 1, extra: null }), "$.extra: unexpected (null)");
});

Deno.test("jsonDiff() tells -0 from 0, arrays from objects and lengths apart", () => {
  assert.equal(jsonDiff(-0, 0), "$: expected -0, found 0");
  assert.equal(jsonDiff([1], { 0: 1 }), '$: expected [1], found {"0":1}');
  assert.equal(jsonDiff([1, 2], [1]), "$[1]: missing");
  assert.equal(jsonDiff({ l: [1] }, { l: [1, 2] }), "$.l[1]: unexpected (2)");
  assert.equal(jsonDiff(null, {}), "$: expected null, found {}");
});

Deno.test("jsonDiff() treats a lone surrogate and U+FFFD as equal (Go decodes one as the other)", () => {
  assert.equal(jsonDiff({ s: "a\udc00b" }, { s: "a\ufffdb" }), undefined);
  assert.equal(jsonDiff({ s: "a\udc00b" }, { s: "a?b" }), '$.s: expected "a\\udc00b", found "a?b"');
});

Deno.test("jsonDiff() treats a __proto__ key as data", () => {
  const withProto = JSON.parse('{"__proto__":{"x":1}}');
  assert.equal(jsonDiff(withProto, JSON.parse('{"__proto__":{"x":1}}')), undefined);
  assert.equal(jsonDiff(withProto, {}), "$.__proto__: missing");
});

Deno.test("diffJson() reports changed, missing and unexpected values with their paths", () => {
  const expected = { context: { "request-id": "r1", seen: true }, choices: [{ index: 0 }], model: "a" };
  const actual = { context: { "request-id": "r2" }, choices: [{ index: 0 }, { index: 1 }], model: "a", extra: null };
  assert.deepEqual(diffJson(expected, actual, "exact"), [
    '- context["request-id"]: "r1"',
    '+ context["request-id"]: "r2"',
    "- context.seen: true",
    '+ choices[1]: {"index":1}',
    "+ extra: null",
  ]);
});

Deno.test("diffJson() in partial mode ignores keys the expectation does not name, at any depth", () => {
  const expected = { context: { seen: true }, list: [{ a: 1 }] };
  const actual = { context: { seen: true, other: 1 }, list: [{ a: 1, b: 2 }], more: "x" };
  assert.deepEqual(diffJson(expected, actual, "partial"), []);
  assert.deepEqual(diffJson(expected, actual, "exact"), ["+ context.other: 1", "+ list[0].b: 2", '+ more: "x"']);
  assert.deepEqual(diffJson({ list: [1, 2] }, { list: [1] }, "partial"), ["- list[1]: 2"]);
});

Deno.test("diffJson() compares numbers by value, exactly for large integers", () => {
  const a = parseLossless('{"n": 12345678901234567890, "f": 1.0e0, "z": -0}');
  const b = parseLossless('{"n": 12345678901234567890, "f": 1, "z": 0}');
  const c = parseLossless('{"n": 12345678901234567891, "f": 1, "z": 0}');
  assert.deepEqual(diffJson(a, b, "exact"), []);
  assert.deepEqual(diffJson(a, c, "exact"), ["- n: 12345678901234567890", "+ n: 12345678901234567891"]);
  assert.deepEqual(diffJson(1, "1", "exact"), ["- (the whole value): 1", '+ (the whole value): "1"']);
});

Deno.test("diffJson() shortens long values", () => {
  const [line] = diffJson({ s: "x".repeat(500) }, {}, "exact");
  assert.ok(line!.length < 200 && line!.endsWith("…"), line);
});

Deno.test("projectOnto() keeps the keys an expectation names and takes other shapes whole", () => {
  const expected = { context: { seen: false }, list: [{ a: 0 }], gone: 1, whole: { x: 1 } };
  const actual = { context: { seen: true, other: 1 }, list: [{ a: 5, b: 6 }], whole: [1, 2], new: 3 };
  assert.deepEqual(projectOnto(expected, actual), { context: { seen: true }, list: [{ a: 5 }], whole: [1, 2] });
  assert.deepEqual(projectOnto({ list: [1] }, { list: [1, 2] }), { list: [1, 2] });
});
