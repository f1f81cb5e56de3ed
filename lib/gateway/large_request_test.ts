import assert from "node:assert/strict";
import { decodeBase64 } from "../internal/base64.ts";
import { DEFAULT_HOOK_TIMEOUT_MS } from "../host/types.ts";
import { startTestGateway } from "../../testing/gateway.ts";

const MIB = 1 << 20;

// A large request's hook inputs and upstream body are written in pieces (never one string); whatever its characters,
// each is the JSON the gateway would have written whole: the plugin parses it, the HTTP hooks get the body's exact
// bytes, and the mock upstream echoes the message back unchanged.
for (
  const [mode, host] of [["in the gateway's thread", {}], ["in a child process", {
    timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
  }]] as const
) {
  Deno.test(`a 9 MiB chat request with quotes, newlines and non-ASCII passes whole, ${mode}`, async () => {
    const text = 'é "quoted" \\ 😀\n漢'.repeat(600_000).slice(0, 9 * MIB);
    const body = new TextEncoder().encode(JSON.stringify({
      model: "openai/gpt-4o",
      messages: [{ role: "user", content: text }, { role: "user", content: [{ type: "text", text: "tail" }] }],
    }));
    assert.ok(body.length >= 8 * MIB, "a large request");
    await using t = await startTestGateway(["hello-world"], { host });
    const { gateway } = t;
    const seen = (hook: string) => t.calls.findLast((c) => c.hook === hook)!.input;
    // The echo is of the last user message: send the large one last too, in a second request.
    const res = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).choices[0].message.content, "Echo: tail");
    const httpPre = JSON.parse(seen("http_pre_hook"));
    assert.deepEqual(decodeBase64(httpPre.request.body), body);
    const httpPost = JSON.parse(seen("http_post_hook"));
    assert.deepEqual(decodeBase64(httpPost.request.body), body);
    assert.ok(seen("pre_hook").includes(JSON.stringify(text)), "the pre_hook input holds the message");
    const last = new TextEncoder().encode(
      JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: text }] }),
    );
    const echo = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: last });
    assert.equal(echo.status, 200);
    assert.ok((await echo.json()).choices[0].message.content === `Echo: ${text}`, "the upstream got the message whole");
  });
}

// A small request can get a large answer: embeddings of many inputs. The answer makes the request large (hook inputs
// written in pieces, an ASCII one streamed to the plugin's process a slice at a time) and passes through whole.
for (
  const [mode, host] of [["in the gateway's thread", {}], ["in a child process", {
    timeoutMs: DEFAULT_HOOK_TIMEOUT_MS,
  }]] as const
) {
  Deno.test(`a 14 MB embeddings answer to a small request passes whole, ${mode}`, async () => {
    await using t = await startTestGateway(["hello-world"], { host });
    const { gateway, upstream } = t;
    const request = {
      model: "openai/text-embedding-3-small",
      input: Array.from({ length: 500 }, (_, i) => `text ${i}`),
      dimensions: 3072,
    };
    const res = await fetch(`${gateway.url}/v1/embeddings`, { method: "POST", body: JSON.stringify(request) });
    const text = await res.text();
    assert.equal(res.status, 200, text.slice(0, 300));
    assert.ok(text.length >= 8 * MIB, `a large answer: ${text.length} characters`);
    const direct = await fetch(`${upstream.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ ...request, model: "text-embedding-3-small" }),
    });
    const want = await direct.json();
    const got = JSON.parse(text);
    assert.equal(got.data.length, 500);
    assert.deepEqual(got.data, want.data);
    assert.equal(got.model, `${want.model} (via assemblyscript-wasm)`);
  });
}
