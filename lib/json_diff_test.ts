import assert from "node:assert/strict";
import { jsonDiff } from "./json_diff.ts";

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
  assert.equal(jsonDiff([1, 2], [1]), "$: expected 2 elements, found 1");
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
