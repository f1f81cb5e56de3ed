import assert from "node:assert/strict";
import { PluginHost } from "./host.ts";
import {
  httpPostHookInput,
  httpPreHookInput,
  postHookInput,
  preHookInput,
  streamChunkInput,
  TEST_REQUEST_ID,
} from "./input_builders.ts";
import { testPlugin } from "../../testing/plugins.ts";

Deno.test("Built inputs drive the hello-world plugin through every hook", async () => {
  const host = await PluginHost.load(await testPlugin("hello-world"));
  try {
    const mock = await host.preHook(preHookInput({ model: "mock-model" }));
    assert.equal(mock.output.short_circuit?.response?.chat_response?.id, `mock-${TEST_REQUEST_ID}`);
    const plain = await host.preHook(preHookInput({ messages: [{ role: "system", content: "Be brief" }] }));
    assert.equal(plain.output.has_short_circuit, false);
    const post = await host.postHook(postHookInput({ model: "gpt-4o" }));
    assert.equal(post.output.response?.chat_response?.model, "gpt-4o (via assemblyscript-wasm)");
    const failed = await host.postHook(postHookInput({ error: "Boom" }));
    assert.equal(failed.output.error?.error?.message, "Boom (via assemblyscript plugin)");
    const http = await host.httpPreHook(httpPreHookInput({ headers: { "X-A": "1" }, body: { model: "openai/x" } }));
    assert.equal(http.output.context.http_intercepted, true);
    const httpPost = await host.httpPostHook(httpPostHookInput());
    assert.equal(httpPost.output.error, "");
    const chunk = streamChunkInput({ content: "Hé" });
    const streamed = await host.httpStreamChunkHook(chunk);
    assert.deepEqual(streamed.output.chunk, chunk.chunk);
  } finally {
    host.close();
  }
});

Deno.test("Builders return fresh objects: changing one input never changes the next", () => {
  const context = { "request-id": "r", tags: ["a"] };
  const a = preHookInput({ context });
  (a.context.tags as string[]).push("b");
  a.request.input.push({ role: "user", content: "more" });
  assert.deepEqual(preHookInput({ context }).context, { "request-id": "r", tags: ["a"] });
  assert.equal(preHookInput().request.input.length, 1);
});
