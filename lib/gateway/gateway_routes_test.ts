// The gateway's routes besides chat, with hello-world and a plugin that
// reports what the SDK read (testdata/plugins/kinds.ts), and hostile bodies.
import assert from "node:assert/strict";
import { sseEvents, startTestGateway, type TestGateway } from "../../testing/gateway.ts";
import type { TestPluginName } from "../../testing/plugins.ts";

const setup = (plugins: TestPluginName[] = ["hello-world"]): Promise<TestGateway> => startTestGateway(plugins);

const SUFFIX = " (via assemblyscript-wasm)";

Deno.test("gateway: /v1/completions goes through every hook and the upstream, and comes back suffixed", async () => {
  await using s = await setup();
  const res = await s.post("/v1/completions", { model: "openai/gpt-3.5-turbo-instruct", prompt: "Say hi" });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.choices[0].text, "Echo: Say hi");
  assert.equal(body.model, `gpt-3.5-turbo-instruct${SUFFIX}`);
  assert.deepEqual(s.hooks(), ["http_pre_hook", "pre_hook", "post_hook", "http_post_hook"]);
  const pre = JSON.parse(s.calls[1]!.input);
  assert.deepEqual(pre.request, {
    request_type: "text_completion",
    provider: "openai",
    model: "gpt-3.5-turbo-instruct",
    input: "Say hi",
    params: {},
  });
  assert.equal(pre.context["bifrost-http-request-type"], "text_completion");
  assert.deepEqual(Object.keys(JSON.parse(s.calls[2]!.input).response), ["text_completion_response"]);
  assert.equal(s.upstream.requests[0]!.path, "/v1/completions");
});

Deno.test("gateway: mock-model and rate-limited-model work on text completions and the Responses API", async () => {
  await using s = await setup();
  const text = await (await s.post("/v1/completions", { model: "openai/mock-model", prompt: "x" })).json();
  assert.equal(text.choices[0].text, "This is a mock response!");
  assert.equal(text.object, "text_completion");
  const answer = await (await s.post("/openai/v1/responses", { model: "mock-model", input: "x" })).json();
  assert.equal(answer.object, "response");
  assert.equal(answer.output[0].content[0].text, "This is a mock response!");
  assert.equal(answer.model, `mock-model${SUFFIX}`);
  for (const [path, body] of [["/v1/responses", { input: "x" }], ["/openai/completions", { prompt: "x" }]] as const) {
    const limited = await s.post(path, { model: "openai/rate-limited-model", ...body });
    assert.equal(limited.status, 429, path);
    assert.equal((await limited.json()).error.type, "rate_limit");
  }
  assert.equal(s.upstream.requests.length, 0);
});

Deno.test("gateway: a streamed Responses request sends OpenAI's named events through the chunk hook", async () => {
  await using s = await setup(["kinds"]);
  const res = await s.post("/openai/v1/responses", { model: "gpt-4o", input: "stream me", stream: true });
  assert.equal(res.status, 200);
  const list = sseEvents(await res.text());
  assert.ok(list.every((e) => e.event === JSON.parse(e.data).type), "every event is named by its type");
  assert.equal(list[0]!.event, "response.created");
  assert.equal(list.at(-1)!.event, "response.completed");
  assert.ok(!list.some((e) => e.data === "[DONE]"), "the Responses API sends no [DONE]");
  const deltas = list.filter((e) => e.event === "response.output_text.delta").map((e) => JSON.parse(e.data).delta);
  assert.equal(deltas.join(""), "Echo: stream me");
  const pre = JSON.parse(s.calls.find((c) => c.hook === "pre_hook")!.output);
  assert.deepEqual([pre.context.kind, pre.context.stream, pre.context.read], ["responses", true, "message stream me"]);
});

Deno.test("gateway: the post hook sees each streamed chunk in its kind's field, and hello-world suffixes its model", async () => {
  await using s = await setup(["hello-world", "kinds"]);
  const list = sseEvents(
    await (await s.post("/v1/responses", { model: "openai/gpt-4o", input: "a", stream: true })).text(),
  );
  const posts = s.calls.filter((c) => c.hook === "post_hook" && c.plugin === "kinds").map((c) => JSON.parse(c.input));
  assert.equal(posts.length, list.length, "one post hook call per event");
  assert.deepEqual(
    posts.map((p) => Object.keys(p.response)),
    list.map(() => ["responses_stream_response"]),
  );
  // Events that carry the answer carry hello-world's suffix; deltas have no model and pass untouched.
  const completed = JSON.parse(list.at(-1)!.data);
  assert.equal(completed.response.model, `gpt-4o${SUFFIX}`);
  assert.equal(JSON.parse(list[0]!.data).response.model, `gpt-4o${SUFFIX}`);
  const delta = JSON.parse(list.find((e) => e.event === "response.output_text.delta")!.data);
  assert.equal(delta.model, undefined);
  const text = sseEvents(
    await (await s.post("/v1/completions", { model: "openai/gpt-3.5-turbo-instruct", prompt: "a b", stream: true }))
      .text(),
  );
  for (const e of text.slice(0, -1)) assert.equal(JSON.parse(e.data).model, `gpt-3.5-turbo-instruct${SUFFIX}`);
  const textPost = s.calls.filter((c) => c.hook === "post_hook").map((c) => JSON.parse(c.input)).at(-1);
  assert.deepEqual(Object.keys(textPost.response), ["text_completion_response"]);
});

Deno.test("gateway: a short-circuit of a streamed Responses or text request is streamed as one chunk, as Bifrost does", async () => {
  await using s = await setup(["hello-world", "behaviours"]);
  // A whole Responses answer (responses_response): Bifrost streams only a stream event
  // (responses_stream_response), so the client gets an empty chunk.
  const whole = await fetch(`${s.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "x-test-action": "whole-answer" },
    body: JSON.stringify({ model: "openai/gpt-4o", input: "x", stream: true }),
  });
  assert.deepEqual(sseEvents(await whole.text()).map((e) => e.data), ["{}", "[DONE]"]);
  // hello-world answers a stream with a response.completed event: it goes out named, and ends the stream.
  const list = sseEvents(
    await (await s.post("/v1/responses", { model: "openai/mock-model", input: "x", stream: true })).text(),
  );
  assert.deepEqual(list.map((e) => e.event), ["response.completed"]);
  const completed = JSON.parse(list[0]!.data);
  assert.equal(completed.response.output[0].content[0].text, "This is a mock response!");
  assert.equal(completed.response.model, `mock-model${SUFFIX}`);
  const text = sseEvents(
    await (await s.post("/v1/completions", { model: "openai/mock-model", prompt: "x", stream: true })).text(),
  );
  assert.equal(JSON.parse(text[0]!.data).choices[0].text, "This is a mock response!");
  assert.equal(JSON.parse(text[0]!.data).model, `mock-model${SUFFIX}`);
  assert.equal(text.at(-1)!.data, "[DONE]");
});

Deno.test("gateway: stream_options.include_usage gives a usage chunk on chat and text streams", async () => {
  await using s = await setup();
  for (
    const [path, body] of [["/v1/chat/completions", { messages: [{ role: "user", content: "a b" }] }], [
      "/v1/completions",
      { prompt: "a b" },
    ]] as const
  ) {
    const res = await s.post(path, {
      model: "openai/gpt-4o",
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = sseEvents(await res.text()).slice(0, -1).map((e) => JSON.parse(e.data));
    const last = chunks.at(-1)!;
    assert.deepEqual(last.choices, [], path);
    assert.deepEqual(last.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 }, path);
  }
});

Deno.test("gateway: /v1/embeddings reaches the plugin in the core's shape and the upstream in OpenAI's", async () => {
  await using s = await setup(["kinds"]);
  const res = await s.post("/v1/embeddings", { model: "openai/text-embedding-3-small", input: ["a", "b"] });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.data.length, 2);
  const pre = JSON.parse(s.calls.find((c) => c.hook === "pre_hook")!.input);
  assert.deepEqual(pre.request.input, [[{ type: "text", text: "a" }], [{ type: "text", text: "b" }]]);
  assert.deepEqual((s.upstream.requests[0]!.body as { input: unknown }).input, ["a", "b"]);
  const post = JSON.parse(s.calls.find((c) => c.hook === "post_hook")!.output);
  assert.deepEqual([post.context.answer_kind, post.context.answer_read], ["embedding", "2 vectors"]);
});

Deno.test("gateway: GET /v1/models lists the upstream's models as provider/model through the hooks", async () => {
  await using s = await setup(["kinds"]);
  for (const path of ["/v1/models", "/openai/v1/models", "/openai/models"]) {
    const res = await fetch(`${s.gateway.url}${path}`);
    const body = await res.json();
    assert.equal(res.status, 200, path);
    assert.ok(body.data.some((m: { id: string }) => m.id === "openai/gpt-4o"), path);
  }
  const pre = JSON.parse(s.calls.find((c) => c.hook === "pre_hook")!.input);
  assert.deepEqual(pre.request, { request_type: "list_models", provider: "openai" });
  assert.equal(pre.context["bifrost-http-request-type"], "list_models");
});

Deno.test("gateway: the /openai prefixes take a model without a provider, and mark the integration in the context", async () => {
  await using s = await setup(["kinds"]);
  for (const path of ["/openai/chat/completions", "/openai/v1/chat/completions"]) {
    const res = await s.post(path, { model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
    assert.equal((await res.json()).choices[0].message.content, "Echo: hi", path);
  }
  const prefixed = await s.post("/openai/v1/chat/completions", {
    model: "openai/gpt-4o",
    messages: [{ role: "user", content: "hi" }],
  });
  assert.equal(prefixed.status, 200);
  await prefixed.body?.cancel();
  const other = await s.post("/openai/v1/chat/completions", { model: "anthropic/claude", messages: [] });
  assert.equal(other.status, 400);
  assert.match((await other.json()).error.message, /Provider "anthropic" is not configured/);
  const pre = JSON.parse(s.calls.find((c) => c.hook === "pre_hook")!.input);
  assert.equal(pre.context["bifrost-integration-type"], "openai");
  assert.equal(pre.request.model, "gpt-4o");
});

Deno.test("gateway: a plugin answering another kind's field gets the client null, as Bifrost answers it; a stream fails", async () => {
  await using s = await setup(["behaviours"]);
  const res = await fetch(`${s.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "x-test-action": "chat-answer" },
    body: JSON.stringify({ model: "openai/gpt-4o", input: "x" }),
  });
  assert.equal(res.status, 200);
  assert.equal(await res.json(), null);
  assert.ok(
    s.logs.some((l) =>
      /^warning: Plugin "behaviours" pre_hook answered a responses request with chat_response \(expected responses_response\)/
        .test(l)
    ),
    s.logs.join("\n"),
  );
  const streamed = await fetch(`${s.gateway.url}/v1/responses`, {
    method: "POST",
    headers: { "x-test-action": "chat-answer" },
    body: JSON.stringify({ model: "openai/gpt-4o", input: "x", stream: true }),
  });
  assert.equal(streamed.status, 500);
  assert.match((await streamed.json()).error.message, /answered a responses request with chat_response/);
  assert.equal(s.upstream.requests.length, 0);
});

Deno.test("gateway: every route answers errors in Bifrost's shape with the right status", async () => {
  await using s = await setup();
  const cases: [string, string, unknown, number, RegExp][] = [
    ["POST", "/v1/nowhere", {}, 404, /No route for POST \/v1\/nowhere/],
    ["GET", "/v1/chat/completions", undefined, 405, /Method GET is not allowed/],
    ["POST", "/v1/models", {}, 405, /Method POST is not allowed/],
    ["POST", "/v1/completions", { model: "openai/m", prompt: 5 }, 400, /"prompt" must be a string/],
    ["POST", "/v1/responses", { model: "openai/m", input: 5 }, 400, /"input" must be a string or an array/],
    ["POST", "/v1/embeddings", { model: "openai/m", input: { a: 1 } }, 400, /"input" must be a string/],
    ["POST", "/v1/embeddings", { model: "openai/m", input: "x", stream: true }, 400, /does not stream/],
    [
      "POST",
      "/v1/chat/completions",
      { model: "openai/m", messages: [], stream: "yes" },
      400,
      /"stream" must be a boolean/,
    ],
    ["POST", "/v1/chat/completions", { model: "openai/m", messages: [1] }, 400, /"messages\[0\]" must be an object/],
    ["POST", "/v1/chat/completions", { model: 5, messages: [] }, 400, /"model" must be a non-empty string/],
    ["POST", "/v1/chat/completions", { model: "openai/m", messages: [], fallbacks: [1] }, 400, /"fallbacks"/],
    ["POST", "/v1/chat/completions", "[1]", 400, /expected a JSON object, found an array/],
    ["POST", "/v1/chat/completions", "{", 400, /Invalid request body/],
    ["POST", "/v1/responses", "[".repeat(100_000), 400, /nested deeper than 256 levels/],
    ["POST", "/v1/responses", `{"model":${"{".repeat(300)}${"}".repeat(300)}}`, 400, /nested deeper/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const res = await fetch(`${s.gateway.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const json = await res.json();
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(json)}`);
    assert.equal(json.is_bifrost_error, false);
    assert.equal(json.status_code, status);
    assert.match(json.error.message, message, `${method} ${path}`);
  }
  // And it keeps serving.
  const ok = await s.post("/v1/chat/completions", {
    model: "openai/gpt-4o",
    messages: [{ role: "user", content: "x" }],
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("gateway: a body over 100 MiB is refused with 413 as it arrives, and the gateway keeps serving", async () => {
  await using s = await setup();
  const chunk = new Uint8Array(1 << 20).fill(0x20);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ > 101) return controller.close();
      controller.enqueue(chunk);
    },
  });
  const res = await fetch(`${s.gateway.url}/v1/chat/completions`, { method: "POST", body });
  assert.equal(res.status, 413);
  assert.match((await res.json()).error.message, /larger than 104857600 bytes/);
  assert.ok(sent < 110);
  const ok = await s.post("/v1/chat/completions", {
    model: "openai/gpt-4o",
    messages: [{ role: "user", content: "x" }],
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});
