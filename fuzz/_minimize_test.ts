import assert from "node:assert/strict";
import { minimizeBytes, minimizeTree } from "./_minimize.ts";
import { fromValue, type Node, serialize } from "./_mutate.ts";

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("minimizeTree() keeps only what the failure needs", async () => {
  const tree = fromValue({
    context: { request_id: "abc", tenant: { id: 7, tags: ["a", "b"] } },
    request: { model: "mock-model", input: [{ role: "user", content: "x".repeat(500) }], params: { t: 1 } },
  });
  // "Fails" while the text still holds the model name.
  const result = await minimizeTree(tree, "compact", (b) => Promise.resolve(decode(b).includes("mock-model")));
  assert.equal(decode(result.input), '{"request":{"model":"mock-model"}}');
  assert.ok(result.attempts > 5);
});

Deno.test("minimizeTree() halves deep nesting and long strings to the threshold that matters", async () => {
  const tree: Node = { k: "deep", depth: 100_000, open: "[", inner: fromValue({ s: "y".repeat(1000) }) };
  const result = await minimizeTree(tree, "compact", (b) => {
    const t = decode(b);
    return Promise.resolve(t.startsWith("[".repeat(513)) && t.includes("yyyy"));
  });
  const t = decode(result.input);
  assert.ok(t.startsWith("[".repeat(513)) && !t.startsWith("[".repeat(514)), `depth ${t.indexOf("{")}`);
  assert.match(t, /"yyyy"|\["yyyy"/);
  assert.ok(result.input.length < 1100);
});

Deno.test("minimizeTree() stops at its budget", async () => {
  const tree = fromValue({ a: 1, b: 2, c: 3 });
  const result = await minimizeTree(tree, "compact", () => Promise.resolve(false), 4);
  assert.equal(result.attempts, 4);
  assert.deepEqual(result.input, serialize(tree));
});

Deno.test("minimizeBytes() finds the one byte that matters", async () => {
  const input = new TextEncoder().encode(`{"a":"${"x".repeat(300)}\u00ff${"y".repeat(300)}"}`);
  const result = await minimizeBytes(input, (b) => Promise.resolve(b.includes(0xc3)));
  assert.deepEqual([...result.input], [0xc3]);
});
