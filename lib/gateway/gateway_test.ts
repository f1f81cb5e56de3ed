import assert from "node:assert/strict";
import { formatRequestLine, startGateway } from "./gateway.ts";
import type { RequestLogEvent } from "./types.ts";
import { startMockUpstream } from "../mock/mock_upstream.ts";
import { testPlugin, type TestPluginName } from "../../testing/plugins.ts";
import { startTestGateway, type TestGateway } from "../../testing/gateway.ts";
import type { HookCallEvent } from "./types.ts";

function setup(plugins: TestPluginName[] = ["behaviours", "hello-world", "trap"]): Promise<TestGateway> {
  return startTestGateway(plugins);
}

function chat(s: TestGateway, model: string, opts: { stream?: boolean; action?: string; content?: string } = {}) {
  return fetch(`${s.gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(opts.action ? { "x-test-action": opts.action } : {}) },
    body: JSON.stringify({
      model,
      messages: [{ role: "user", content: opts.content ?? "hi you" }],
      ...(opts.stream ? { stream: true } : {}),
    }),
  });
}

async function sse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => e.slice(6));
}

Deno.test("startGateway() sends a request upstream and applies the post hook's model suffix", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.model, "gpt-4o (via assemblyscript-wasm)");
  assert.equal(body.choices[0].message.content, "Echo: hi you");
  assert.equal(s.upstream.requests.length, 1);
  assert.equal((s.upstream.requests[0]!.body as { model: string }).model, "gpt-4o");
});

Deno.test("startGateway() answers mock-model from the plugin without calling the upstream", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/mock-model");
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.choices[0].message.content, "This is a mock response!");
  assert.match(body.id, /^mock-[0-9a-f-]{36}$/);
  // Post hooks run on short-circuited responses too.
  assert.equal(body.model, "mock-model (via assemblyscript-wasm)");
  assert.equal(s.upstream.requests.length, 0);
});

Deno.test("startGateway() fails rate-limited-model with the plugin's 429 error", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/rate-limited-model");
  assert.equal(res.status, 429);
  const body = await res.json();
  assert.equal(body.error.type, "rate_limit");
  assert.equal(body.error.message, "Rate limit exceeded (via assemblyscript plugin)");
  assert.equal(s.upstream.requests.length, 0);
});

Deno.test("startGateway() passes an upstream failure through the post hook's error suffix", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/fail-503");
  assert.equal(res.status, 503);
  const body = await res.json();
  assert.match(body.error.message, / \(via assemblyscript plugin\)$/);
});

Deno.test("startGateway() fails the request of a trapping plugin with 500 and keeps serving", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/trap-model");
  assert.equal(res.status, 500);
  const body = await res.json();
  assert.equal(body.error.type, "plugin_error");
  assert.match(body.error.message, /Plugin "trap-on-demand" failed in pre_hook: .*unreachable/);
  const next = await chat(s, "openai/gpt-4o");
  assert.equal(next.status, 200);
  assert.equal((await next.json()).model, "gpt-4o (via assemblyscript-wasm)");
});

Deno.test("startGateway() streams every chunk through the post hook and the chunk hook and ends with [DONE]", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { stream: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
  const events = await sse(res);
  assert.equal(events.at(-1), "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join(""), "Echo: hi you");
  // hello-world's post hook runs once per chunk, as in Bifrost: every chunk's model carries its suffix.
  for (const c of chunks) assert.equal(c.model, "gpt-4o (via assemblyscript-wasm)");
});

Deno.test("startGateway() runs the hooks of each chunk in Bifrost's order: post hooks, then chunk hooks, both reversed", async () => {
  await using s = await setup(["behaviours", "kinds"]);
  const res = await s.post("/v1/chat/completions", {
    model: "openai/gpt-4o",
    messages: [{ role: "user", content: "a b" }],
    stream: true,
  });
  // The mock streams a role chunk, one per word of "Echo: a b" and a finish chunk.
  assert.equal((await res.text()).split("\n\n").filter((e) => e.startsWith("data: {")).length, 5);
  const calls = s.calls.map((c) => `${c.plugin}:${c.hook}`);
  const perChunk = [
    "kinds:post_hook",
    "behaviours:post_hook",
    "kinds:http_stream_chunk_hook",
    "behaviours:http_stream_chunk_hook",
  ];
  assert.deepEqual(calls, [
    "behaviours:http_pre_hook",
    "kinds:http_pre_hook",
    "behaviours:pre_hook",
    "kinds:pre_hook",
    ...Array.from({ length: 5 }, () => perChunk).flat(),
    "kinds:http_post_hook",
    "behaviours:http_post_hook",
  ]);
});

Deno.test("startGateway() sends a post hook's error on one chunk as an error chunk and goes on streaming", async () => {
  await using s = await setup();
  const events = await sse(await chat(s, "openai/gpt-4o", { stream: true, action: "chunk-error", content: "a you b" }));
  assert.equal(events.at(-1), "[DONE]");
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  const error = chunks.find((c) => c.error);
  // Post hooks run in reverse order: behaviours, listed first, has the last word (hello-world's suffix came before).
  assert.equal(error.error.message, "chunk refused by the behaviours plugin");
  assert.equal(error.status_code, 400);
  const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");
  assert.equal(text, "Echo: a b", "the chunks before and after the refused one are streamed");
});

Deno.test("startGateway() passes an upstream failure mid-stream through the post hooks and ends the stream", async () => {
  await using s = await setup();
  const events = await sse(await chat(s, "openai/fail-stream-2", { stream: true }));
  assert.equal(events.at(-1), "[DONE]");
  const last = JSON.parse(events.at(-2)!);
  assert.ok(last.error.message.endsWith(" (via assemblyscript plugin)"), last.error.message);
  assert.equal(events.length, 4, "two chunks, the error, [DONE]");
});

Deno.test("startGateway() drops chunks the chunk hook skips", async () => {
  await using s = await setup();
  const events = await sse(await chat(s, "openai/gpt-4o", { stream: true, action: "skip-chunks" }));
  const text = events.slice(0, -1).map((e) => JSON.parse(e).choices[0]?.delta?.content ?? "").join("");
  assert.equal(text, "Echo: hi ");
  assert.equal(events.at(-1), "[DONE]");
});

Deno.test("startGateway() ends a stream with an error event when the chunk hook returns an error without a chunk", async () => {
  await using s = await setup();
  const text = await (await chat(s, "openai/gpt-4o", { stream: true, action: "end-stream" })).text();
  assert.ok(
    text.endsWith(
      'event: error\ndata: {"error":"failed to intercept chunk with plugin behaviours: ' +
        'stream ended by the behaviours plugin"}\n\n',
    ),
    text,
  );
  assert.ok(!text.includes("[DONE]"));
});

Deno.test("startGateway() keeps a chunk the chunk hook returns with an error, and logs the error", async () => {
  await using s = await setup();
  const events = await sse(await chat(s, "openai/gpt-4o", { stream: true, action: "warn-chunk" }));
  const text = events.slice(0, -1).map((e) => JSON.parse(e).choices[0]?.delta?.content ?? "").join("");
  assert.equal(text, "Echo: hi you");
  assert.ok(s.logs.some((l) => l.includes("a warning from the behaviours plugin")), s.logs.join("\n"));
});

Deno.test("startGateway() runs the HTTP post hooks after a stream; an error arrives as an error event before [DONE]", async () => {
  await using s = await setup();
  const text = await (await chat(s, "openai/gpt-4o", { stream: true, action: "post-error" })).text();
  assert.ok(
    text.endsWith(
      'event: error\ndata: {"error":"transport post-hook plugin behaviours: ' +
        'refused after the answer by the behaviours plugin"}\n\ndata: [DONE]\n\n',
    ),
    text,
  );
});

/** Waits for `done()` to hold, polling, for at most 5 s. */
async function waitFor(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`Not within 5 s: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function isCancellation(c: HookCallEvent): boolean {
  return c.hook === "post_hook" && JSON.parse(c.input).error?.error?.type === "request_cancelled";
}

Deno.test("startGateway() hooks a stream's chunks only as fast as its client takes them", async () => {
  await using s = await setup(["hello-world"]);
  const content = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ");
  const res = await s.gateway.handle(
    new Request(`${s.gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content }], stream: true }),
    }),
  );
  const reader = res.body!.getReader();
  const hooked = () => s.calls.filter((c) => c.hook === "post_hook").length;
  for (let read = 1; read <= 20; read++) {
    assert.equal((await reader.read()).done, false);
    // A slow client: the gateway has all the time it needs to run ahead, and takes one chunk ahead at most.
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(hooked() <= read + 1, `${hooked()} chunks hooked when the client had read ${read}`);
  }
  const before = s.calls.length;
  await reader.cancel();
  // Cancelling ends the hooking: the cancellation error through the post hook, the HTTP post hook, nothing more.
  const after = s.calls.slice(before).map((c) => isCancellation(c) ? "cancelled" : c.hook);
  assert.deepEqual(after.slice(-2), ["cancelled", "http_post_hook"]);
  assert.ok(after.length <= 4, after.join(", "));
});

Deno.test("startGateway() cancels the upstream when a stream's client goes away, and stops hooking its chunks", async () => {
  await using s = await setup(["behaviours", "hello-world"]);
  const client = new AbortController();
  const content = Array.from({ length: 100 }, (_, i) => `w${i}`).join(" ");
  const res = await fetch(`${s.gateway.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ model: "openai/slow-stream-20", messages: [{ role: "user", content }], stream: true }),
    signal: client.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  await reader.read();
  client.abort();
  const stream = s.upstream.requests[0]!.stream!;
  await waitFor(() => stream.ended !== null, "the upstream's stream ends");
  assert.equal(stream.ended, "cancelled", "the gateway aborts its upstream request");
  assert.ok(stream.sent < stream.events, `the upstream sent ${stream.sent} of ${stream.events} events`);
  // As in Bifrost: the post hooks see the cancellation error once, the HTTP post hooks run once, errors only logged.
  await waitFor(() => s.hooks().includes("http_post_hook"), "the HTTP post hooks run");
  const calls = s.calls.map((c) => `${c.plugin}:${isCancellation(c) ? "cancelled" : c.hook}`);
  const last = calls.lastIndexOf("behaviours:http_stream_chunk_hook");
  assert.deepEqual(calls.slice(last + 1), [
    "hello-world:cancelled",
    "behaviours:cancelled",
    "hello-world:http_post_hook",
    "behaviours:http_post_hook",
  ]);
  assert.ok(calls.filter((c) => c === "behaviours:http_stream_chunk_hook").length <= 4, calls.join("\n"));
});

Deno.test("startGateway() streams a short-circuit answer as one chunk, as it is, after the post hooks", async () => {
  await using s = await setup(["hello-world", "behaviours"]);
  const events = await sse(await chat(s, "openai/gpt-4o", { stream: true, action: "whole-answer" }));
  assert.equal(events.length, 2);
  const only = JSON.parse(events[0]!);
  // Bifrost sends the plugin's chat completion as it is: choices with a message, not a delta.
  assert.equal(only.choices[0].delta, undefined);
  assert.equal(only.choices[0].message.content, "a whole answer");
  assert.equal(only.model, "gpt-4o (via assemblyscript-wasm)");
  assert.equal(events.at(-1), "[DONE]");
  assert.equal(s.upstream.requests.length, 0);
  assert.ok(s.logs.some((l) => l.includes("which clients read as no text")), s.logs.join("\n"));
});

Deno.test("startGateway() streams hello-world's mock for a streamed chat as the one chunk it answers, with a delta", async () => {
  await using s = await setup();
  const events = await sse(await chat(s, "openai/mock-model", { stream: true }));
  assert.equal(events.length, 2);
  const only = JSON.parse(events[0]!);
  assert.equal(only.object, "chat.completion.chunk");
  assert.deepEqual(only.choices, [
    { index: 0, delta: { role: "assistant", content: "This is a mock response!" }, finish_reason: "stop" },
  ]);
  assert.equal(only.model, "mock-model (via assemblyscript-wasm)");
  assert.deepEqual(only.usage, { prompt_tokens: 10, completion_tokens: 15, total_tokens: 25 });
  assert.equal(events.at(-1), "[DONE]");
  assert.equal(s.upstream.requests.length, 0);
  assert.ok(!s.logs.some((l) => l.includes("which clients read as no text")), s.logs.join("\n"));
});

Deno.test("startGateway() answers a short-circuit error of a streamed request in JSON, after the post hooks", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/rate-limited-model", { stream: true });
  assert.equal(res.status, 429);
  assert.equal((await res.json()).error.message, "Rate limit exceeded (via assemblyscript plugin)");
});

Deno.test("startGateway() answers 500 with the text of an HTTP pre hook error, as plain text like Bifrost", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "http-error" });
  assert.equal(res.status, 500);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  assert.equal(await res.text(), "blocked by the behaviours plugin");
  assert.equal(s.upstream.requests.length, 0);
});

Deno.test("startGateway() logs a pre hook's error and goes on with the request it returned, as Bifrost's core does", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "pre-error" });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).model, "gpt-4o-mini (via assemblyscript-wasm)");
  assert.equal((s.upstream.requests[0]!.body as { model: string }).model, "gpt-4o-mini");
  // The plugin counts as run: its post hook runs too.
  assert.ok(s.calls.some((c) => c.plugin === "behaviours" && c.hook === "post_hook"), s.hooks().join(", "));
  const warning = s.logs.find((l) => l.includes("a pre hook error from the behaviours plugin"));
  assert.match(warning ?? "", /^warning: plugin "behaviours" pre_hook: a pre hook error from the behaviours plugin \(/);
  assert.match(warning!, /short-circuit/);
});

Deno.test("startGateway() honours a pre hook's short-circuit that comes with an error", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "pre-error-reject" });
  assert.equal(res.status, 403);
  assert.equal((await res.json()).error.message, "refused by the behaviours plugin");
  assert.equal(s.upstream.requests.length, 0);
  assert.ok(s.logs.some((l) => l.includes("a pre hook error from the behaviours plugin")), s.logs.join("\n"));
});

Deno.test("startGateway() returns an HTTP pre hook's own response", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "http-respond" });
  assert.equal(res.status, 418);
  assert.deepEqual(await res.json(), { teapot: true });
});

Deno.test("startGateway() refuses a changed path with 409 and Bifrost's message", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "change-path" });
  assert.equal(res.status, 409);
  assert.equal((await res.json()).error.message, "request method/path was modified by a plugin, this is not allowed");
});

Deno.test("startGateway() logs an HTTP post hook's error and sends the answer, as Bifrost does", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "post-error" });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).choices[0].message.content, "Echo: hi you");
  assert.ok(s.logs.some((l) => l.includes("refused after the answer by the behaviours plugin")), s.logs.join("\n"));
});

Deno.test("startGateway() merges headers an HTTP pre hook adds", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "add-header" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-seen-added"), "1");
  await res.body?.cancel();
});

Deno.test("startGateway() uses the body an HTTP pre hook puts in place", async () => {
  await using s = await setup();
  const res = await chat(s, "openai/gpt-4o", { action: "replace-body" });
  assert.equal((await res.json()).choices[0].message.content, "Echo: replaced");
});

Deno.test("startGateway() gives 50 concurrent requests their own answers", async () => {
  await using s = await setup();
  const answers = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const res = await chat(s, i % 5 === 0 ? "openai/mock-model" : "openai/gpt-4o", { content: `question ${i}` });
      return { i, status: res.status, body: await res.json() };
    }),
  );
  for (const { i, status, body } of answers) {
    assert.equal(status, 200);
    const want = i % 5 === 0 ? "This is a mock response!" : `Echo: question ${i}`;
    assert.equal(body.choices[0].message.content, want);
  }
});

Deno.test("startGateway() reports bad requests in Bifrost's error shape", async () => {
  await using s = await setup(["hello-world"]);
  for (
    const [body, status, message] of [
      ["{not json", 400, /Invalid request body/],
      [JSON.stringify({ model: "gpt-4o", messages: [] }), 400, /provider\/model/],
      [JSON.stringify({ model: "anthropic/claude", messages: [] }), 400, /Provider "anthropic" is not configured/],
    ] as const
  ) {
    const res = await fetch(`${s.gateway.url}/v1/chat/completions`, { method: "POST", body });
    assert.equal(res.status, status);
    const json = await res.json();
    assert.equal(json.is_bifrost_error, false);
    assert.match(json.error.message, message);
  }
});

Deno.test("startGateway() skips disabled plugins", async () => {
  const upstream = await startMockUpstream({ port: 0 });
  const gateway = await startGateway({
    plugins: [{ name: "hello-world", path: await testPlugin("hello-world"), enabled: false }],
    upstreamUrl: upstream.url,
    port: 0,
  });
  try {
    assert.deepEqual(gateway.plugins, []);
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "x" }] }),
    });
    assert.equal((await res.json()).model, "gpt-4o");
  } finally {
    await gateway.close();
    await upstream.close();
  }
});

Deno.test("The gateway reports each request once answered: method, path, status, latency, hooks run, short-circuit", async () => {
  await using upstream = await startMockUpstream({ port: 0 });
  const events: RequestLogEvent[] = [];
  await using gateway = await startGateway({
    plugins: [{ name: "hello", path: await testPlugin("hello-world") }],
    upstreamUrl: upstream.url,
    port: 0,
    onRequest: (e) => events.push(e),
  });
  const chat = (model: string) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: `openai/${model}`, messages: [{ role: "user", content: "hi" }] }),
    }).then((r) => r.body?.cancel());
  await chat("gpt-4o");
  await chat("mock-model");
  await chat("rate-limited-model");
  await fetch(`${gateway.url}/nowhere`).then((r) => r.body?.cancel());
  assert.deepEqual(events.map((e) => [e.method, e.path, e.status, e.hooks, e.shortCircuit]), [
    ["POST", "/v1/chat/completions", 200, [
      "hello:http_pre_hook",
      "hello:pre_hook",
      "hello:post_hook",
      "hello:http_post_hook",
    ], undefined],
    ["POST", "/v1/chat/completions", 200, [
      "hello:http_pre_hook",
      "hello:pre_hook",
      "hello:post_hook",
      "hello:http_post_hook",
    ], "hello pre_hook: response"],
    ["POST", "/v1/chat/completions", 429, [
      "hello:http_pre_hook",
      "hello:pre_hook",
      "hello:post_hook",
      "hello:http_post_hook",
    ], "hello pre_hook: error 429"],
    ["GET", "/nowhere", 404, [], undefined],
  ]);
  assert.ok(events.every((e) => e.ms >= 0 && e.ms < 10_000));
  assert.match(
    formatRequestLine(events[1]!),
    /^POST \/v1\/chat\/completions 200 \d+(\.\d)? ms · hooks: hello \(http_pre_hook, pre_hook, post_hook, http_post_hook\) · short-circuit: hello pre_hook: response$/,
  );
});
