// The hello-world plugin's behaviours, through the real built .wasm.
import assert from "node:assert/strict";
import { TestPlugin } from "../testing/raw_plugin.ts";
import {
  embeddingPreHookInput,
  listModelsPreHookInput,
  responsesPreHookInput,
  textCompletionPreHookInput,
} from "../lib/host/input_builders.ts";
import { testPlugin } from "../testing/plugins.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../testdata/hello_world/${name}.json`, import.meta.url));
const NAME = "hello-world-wasm-typescript";

function preInput(model: string, context: Record<string, unknown> = { request_id: "abc-123" }) {
  return JSON.stringify({
    context,
    request: { provider: "openai", model, input: [{ role: "user", content: "Hello" }], params: { temperature: 0.7 } },
  });
}

Deno.test("hello-world get_name() returns its name as raw UTF-8", async () => {
  const p = await TestPlugin.load();
  assert.equal(p.name(), NAME);
});

Deno.test("hello-world init() accepts a config object and refuses invalid JSON with a reason", async () => {
  const p = await TestPlugin.load({ init: false });
  assert.equal(p.init('{"custom_option":"value"}'), 0);
  assert.equal(p.init(""), 0);
  assert.equal(p.init("null"), 0, "Go marshals a nil config map as null");
  assert.equal(p.init(" null\n"), 0);
  assert.notEqual(p.init('{"custom_option":'), 0);
  assert.match(p.lastError(), /^init: invalid config: input is not valid JSON/);
  assert.notEqual(p.init('{"mock_models":"not-a-list"}'), 0);
  assert.match(p.lastError(), /mock_models: expected array, found string/);
  assert.notEqual(p.init("[1,2]"), 0);
  assert.match(p.lastError(), /not a JSON object/);
});

Deno.test("hello-world init() config mock_models and rate_limit_models replace the defaults", async () => {
  const p = await TestPlugin.load({ config: '{"mock_models":["m1"],"rate_limit_models":["r1"]}' });
  assert.equal(p.callJson("pre_hook", preInput("m1")).has_short_circuit, true);
  assert.equal(p.callJson("pre_hook", preInput("mock-model")).has_short_circuit, false);
  const limited = p.callJson("pre_hook", preInput("r1"));
  assert.equal(limited.short_circuit.error.status_code, 429);
});

Deno.test("hello-world http_pre_hook and legacy http_intercept pass through and set http_intercepted", async () => {
  const p = await TestPlugin.load();
  for (const hook of ["http_pre_hook", "http_intercept"]) {
    const out = p.callJson(hook, fixture("http_pre_hook"));
    assert.deepEqual(out, {
      context: { request_id: "abc-123", http_intercepted: true },
      request: null,
      response: null,
      has_response: false,
      error: "",
    });
  }
});

Deno.test("hello-world pre_hook marks the context and passes the request through unchanged", async () => {
  const p = await TestPlugin.load();
  const input = JSON.parse(fixture("pre_hook_rich"));
  const out = p.callJson("pre_hook", fixture("pre_hook_rich"));
  assert.deepEqual(out, {
    context: { ...input.context, plugin_processed: true, plugin_name: NAME },
    request: null,
    short_circuit: null,
    has_short_circuit: false,
    error: "",
  });
  // Raw context values come back byte for byte.
  assert.match(p.lastRaw, /"tenant":\{"id": 7, "tags": \["a", "b"\]\}/);
});

Deno.test("hello-world pre_hook answers mock-model with the mock response", async () => {
  const p = await TestPlugin.load();
  const out = p.callJson("pre_hook", preInput("mock-model"));
  assert.equal(out.has_short_circuit, true);
  assert.equal(out.error, "");
  assert.deepEqual(out.short_circuit, {
    response: {
      chat_response: {
        id: "mock-abc-123",
        model: "mock-model",
        choices: [{
          index: 0,
          message: { role: "assistant", content: "This is a mock response!" },
          finish_reason: "stop",
        }],
        usage: { prompt_tokens: 10, completion_tokens: 15, total_tokens: 25 },
      },
    },
  });
  assert.equal(out.context.plugin_processed, true);
  assert.equal(out.context.plugin_name, NAME);
});

Deno.test("hello-world pre_hook reads the request id from Go's request-id key too", async () => {
  const p = await TestPlugin.load();
  const out = p.callJson("pre_hook", preInput("mock-model", { "request-id": "go-1" }));
  assert.equal(out.short_circuit.response.chat_response.id, "mock-go-1");
});

Deno.test("hello-world pre_hook rejects rate-limited-model with a 429 rate_limit error", async () => {
  const p = await TestPlugin.load();
  const out = p.callJson("pre_hook", preInput("rate-limited-model"));
  assert.equal(out.has_short_circuit, true);
  assert.deepEqual(out.short_circuit, {
    error: { error: { message: "Rate limit exceeded", type: "rate_limit", code: "429" }, status_code: 429 },
  });
});

Deno.test("hello-world post_hook appends the model suffix and keeps every other field", async () => {
  const p = await TestPlugin.load();
  const input = JSON.parse(fixture("post_hook_rich"));
  const out = p.callJson("post_hook", fixture("post_hook_rich"));
  const expected = structuredClone(input.response);
  expected.chat_response.model = "gpt-4o (via assemblyscript-wasm)";
  assert.deepEqual(out.response, expected);
  assert.deepEqual(out.context, { ...input.context, post_hook_completed: true });
  assert.equal(out.has_error, false);
  assert.equal(out.error, null);
  assert.equal(out.hook_error, "");
  // Untouched raw values survive byte for byte (not re-formatted by a number parser).
  assert.match(p.lastRaw, /"latency": 123\.456/);
});

Deno.test("hello-world post_hook appends the error suffix and keeps the error's other fields", async () => {
  const p = await TestPlugin.load();
  const input = JSON.parse(fixture("post_hook_error"));
  const out = p.callJson("post_hook", fixture("post_hook_error"));
  const expected = structuredClone(input.error);
  expected.error.message = "Upstream failed é (via assemblyscript plugin)";
  assert.deepEqual(out.error, expected);
  assert.equal(out.has_error, true);
  assert.equal(out.response, null);
  assert.equal(out.context.post_hook_completed, true);
});

Deno.test("hello-world http_post_hook passes through", async () => {
  const p = await TestPlugin.load();
  const input = JSON.parse(fixture("http_pre_hook"));
  input.response = { status_code: 200, headers: { "Content-Type": "application/json" }, body: btoa("{}") };
  const out = p.callJson("http_post_hook", JSON.stringify(input));
  assert.deepEqual(out, { context: input.context, response: null, error: "" });
});

Deno.test("hello-world http_stream_chunk_hook keeps the chunk exactly", async () => {
  const p = await TestPlugin.load();
  const input = JSON.parse(fixture("stream_chunk"));
  const out = p.callJson("http_stream_chunk_hook", fixture("stream_chunk"));
  assert.deepEqual(out, { context: input.context, chunk: input.chunk, has_chunk: true, skip: false, error: "" });
});

Deno.test("hello-world cleanup() returns 0", async () => {
  const p = await TestPlugin.load();
  assert.equal(p.cleanup(), 0);
});

const BAD_INPUTS: [string, Uint8Array | string, RegExp][] = [
  ["malformed JSON", '{"context":{},"request":', /input is not valid JSON/],
  ["trailing garbage", '{"context":{},"request":{}} x', /input is not valid JSON/],
  ["an array", "[1,2,3]", /input is not a JSON object/],
  ["a string", '"hello"', /input is not a JSON object/],
  ["empty input", "", /input is not valid JSON/],
  ["a missing request", '{"context":{}}', /request: missing \(expected object\)/],
  ["a null request", '{"context":{},"request":null}', /request: missing/],
  ["a request of the wrong type", '{"context":{},"request":"x"}', /request: expected object, found string/],
  ["a context of the wrong type", '{"context":[1],"request":{}}', /context: expected object, found array/],
  [
    "a model of the wrong type",
    '{"context":{},"request":{"model":5}}',
    /request\.model: expected string, found number/,
  ],
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), /not valid UTF-8/],
  ["an overlong UTF-8 sequence", new Uint8Array([0x22, 0xc0, 0xaf, 0x22]), /not valid UTF-8/],
  ["a UTF-8 encoded surrogate", new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), /not valid UTF-8/],
  ["a truncated UTF-8 sequence", new Uint8Array([0x22, 0xe2, 0x82]), /not valid UTF-8/],
  [
    "nesting deeper than 512 levels",
    `{"context":{},"request":{"x":${"[".repeat(100000)}${"]".repeat(100000)}}}`,
    /nested deeper than 512 levels/,
  ],
  ["an unclosed deep nest", `{"context":${"[".repeat(100000)}`, /nested deeper than 512 levels/],
];

for (const [what, input, error] of BAD_INPUTS) {
  Deno.test(`hello-world pre_hook reports ${what} in the error field and keeps working`, async () => {
    const p = await TestPlugin.load();
    const out = p.callJson("pre_hook", input);
    assert.match(out.error, error);
    assert.equal(out.has_short_circuit, false);
    assert.equal(out.request, null);
    // The instance is still usable.
    assert.equal(p.callJson("pre_hook", preInput("mock-model")).has_short_circuit, true);
  });
}

Deno.test("hello-world post_hook reports bad input in hook_error, not error", async () => {
  const p = await TestPlugin.load();
  const out = p.callJson("post_hook", '{"context":{},"has_error":true,"error":null}');
  assert.match(out.hook_error, /error: missing while has_error is true/);
  const out2 = p.callJson("post_hook", '{"context":{},"has_error":false,"response":{"chat_response":{"model":1}}}');
  assert.match(out2.hook_error, /response\.chat_response\.model: expected string, found number/);
  assert.equal(out2.response, null);
});

Deno.test("hello-world refuses inputs over its limit with an error naming the limit and the fix, and stays usable", async () => {
  const p = await TestPlugin.load({ wasm: await testPlugin("hello-world-1mb") });
  const input = (n: number) =>
    `{"context":{},"request":{"model":"x","input":[{"role":"user","content":"${"a".repeat(n)}"}]}}`;
  const overhead = input(0).length;
  assert.equal(p.callJson("pre_hook", input((1 << 20) - overhead)).error, "");
  const out = p.callJson("pre_hook", input((3 << 20) - overhead + 1));
  assert.equal(
    out.error,
    `invalid pre_hook input: input is too large (${(3 << 20) + 1} bytes; this plugin takes at most 1048576 bytes: ` +
      "build it with a larger BIFROST_AS_MAX_INPUT_MB, e.g. bifrost-as build --max-input-mb 4)",
  );
  assert.equal(out.request, null);
  assert.equal(p.callJson("pre_hook", preInput("gpt-4")).error, "");
  assert.equal(p.maxInputSize(), 1 << 20);
});

Deno.test("hello-world takes a 20 MiB request (an image inline) and its HTTP form base64-encoded", async () => {
  const p = await TestPlugin.load();
  const image = "data:image/png;base64," + "iVBORw0KGgo".repeat((20 << 20) / 11);
  const request = {
    model: "gpt-4o",
    input: [{ role: "user", content: [{ type: "image_url", image_url: { url: image } }] }],
  };
  const pre = p.callJson("pre_hook", JSON.stringify({ context: { request_id: "r" }, request }));
  assert.equal(pre.error, "");
  assert.equal(pre.context.plugin_processed, true);
  const body = btoa(JSON.stringify({ model: "openai/gpt-4o", messages: request.input }));
  const http = p.callJson(
    "http_pre_hook",
    JSON.stringify({ context: {}, request: { method: "POST", path: "/v1/chat/completions", headers: {}, body } }),
  );
  assert.equal(http.error, "");
  assert.equal(http.context.http_intercepted, true);
  assert.equal(p.maxInputSize(), 512 << 20);
});

Deno.test("hello-world accepts nesting up to 250 levels", async () => {
  const p = await TestPlugin.load();
  const out = p.callJson("pre_hook", `{"context":{},"request":{"model":"m","x":${"[".repeat(250)}${"]".repeat(250)}}}`);
  assert.equal(out.error, "");
});

Deno.test("hello-world handles a 1 MB message within its limits", async () => {
  const p = await TestPlugin.load();
  const big = preInput("gpt-4").replace("Hello", "é".repeat(1 << 19));
  assert.equal(p.callJson("pre_hook", big).error, "");
});

Deno.test("hello-world keeps memory flat over 20,000 calls whatever the host frees", async () => {
  for (const policy of ["both", "input", "none", "double"] as const) {
    const p = await TestPlugin.load({ freePolicy: policy });
    const input = fixture("post_hook_rich");
    for (let i = 0; i < 2_000; i++) p.call("post_hook", input);
    const warm = p.pages();
    for (let i = 0; i < 20_000; i++) p.call("post_hook", input);
    assert.equal(p.pages(), warm, `memory grew under free policy "${policy}"`);
  }
});

Deno.test("hello-world output stays readable after the host frees the input", async () => {
  const p = await TestPlugin.load({ freePolicy: "input" });
  const out = p.callJson("post_hook", fixture("post_hook_rich"));
  assert.equal(out.response.chat_response.model, "gpt-4o (via assemblyscript-wasm)");
});

Deno.test("hello-world rewrites strings with escapes, surrogate pairs and lone surrogates intact", async () => {
  const p = await TestPlugin.load();
  // Each of these broke json-as 1.6.0's string reader or writer (see testdata/fuzz/).
  for (
    const model of ["gpt-4o\\/mini", "abcdefg\\ud83d\\ude00", "x\\udfffy", "Thanks \\ud83d\\udc4d\\ud83c\\udfff no"]
  ) {
    const input = `{"context":{},"response":{"chat_response":{"model":"${model}"}},"has_error":false}`;
    const out = p.callJson("post_hook", input);
    assert.equal(out.response.chat_response.model, JSON.parse(`"${model}"`) + " (via assemblyscript-wasm)");
  }
});

// ---- the other request kinds (see docs/abi-request-kinds.md) ----

const TYPE = "bifrost-http-request-type";

function kindInput(type: string, model: string, input: unknown) {
  return JSON.stringify({ context: { request_id: "k1", [TYPE]: type }, request: { provider: "openai", model, input } });
}

Deno.test("hello-world pre_hook answers mock-model in a text completion's shape", async () => {
  const p = await TestPlugin.load();
  const input = textCompletionPreHookInput({ model: "mock-model", prompt: "Say hi", context: { request_id: "k1" } });
  const out = p.callJson("pre_hook", JSON.stringify(input));
  assert.deepEqual(out.short_circuit, {
    response: {
      text_completion_response: {
        id: "mock-k1",
        object: "text_completion",
        model: "mock-model",
        choices: [{ index: 0, text: "This is a mock response!", finish_reason: "stop" }],
        usage: { prompt_tokens: 10, completion_tokens: 15, total_tokens: 25 },
      },
    },
  });
});

Deno.test("hello-world pre_hook answers mock-model in a Responses API answer's shape; streamed, as one response.completed event", async () => {
  const p = await TestPlugin.load();
  const answer = {
    id: "mock-k1",
    object: "response",
    created_at: 0,
    status: "completed",
    model: "mock-model",
    output: [{
      type: "message",
      id: "msg-mock-k1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "This is a mock response!", annotations: [] }],
    }],
    usage: { input_tokens: 10, output_tokens: 15, total_tokens: 25 },
  };
  for (const stream of [false, true]) {
    const input = responsesPreHookInput({
      model: "mock-model",
      input: [{ role: "user", content: "hi" }],
      context: { request_id: "k1" },
      stream,
    });
    const out = p.callJson("pre_hook", JSON.stringify(input));
    // Bifrost streams a short-circuit as one chunk, as it is: a stream gets the event that carries the whole answer.
    assert.deepEqual(
      out.short_circuit.response,
      stream
        ? { responses_stream_response: { type: "response.completed", sequence_number: 0, response: answer } }
        : { responses_response: answer },
    );
  }
});

Deno.test("hello-world pre_hook tells a stream from the request's request_type, as a real Bifrost sends it", async () => {
  const p = await TestPlugin.load();
  // Bifrost's transport names the route in the context (chat_completion for a streamed chat too); the loader puts
  // the core's request type in the request.
  for (const [type, stream] of [["chat_completion_stream", true], ["chat_completion", false]] as const) {
    const input = {
      context: { "request-id": "s1", "bifrost-http-request-type": "chat_completion" },
      request: { request_type: type, provider: "openai", model: "mock-model", input: [], params: {} },
    };
    const answer = p.callJson("pre_hook", JSON.stringify(input)).short_circuit.response.chat_response;
    assert.equal(answer.object === "chat.completion.chunk", stream, type);
    assert.equal(
      stream ? answer.choices[0].delta.content : answer.choices[0].message.content,
      "This is a mock response!",
    );
  }
});

Deno.test("hello-world pre_hook lets mock-model embeddings and model lists through, and rate-limits every kind", async () => {
  const p = await TestPlugin.load();
  for (const model of ["mock-model", "rate-limited-model"]) {
    const out = p.callJson("pre_hook", JSON.stringify(embeddingPreHookInput({ model, input: "x" })));
    assert.equal(out.has_short_circuit, model === "rate-limited-model", model);
  }
  const models = p.callJson("pre_hook", JSON.stringify(listModelsPreHookInput()));
  assert.deepEqual([models.has_short_circuit, models.context.plugin_processed], [false, true]);
  // A model list carries no model; a type the SDK does not type still goes by its model.
  for (const type of ["list_models", "speech"]) {
    const out = p.callJson("pre_hook", kindInput(type, "mock-model", "x"));
    assert.equal(out.has_short_circuit, false, type);
    const limited = p.callJson("pre_hook", kindInput(type, "rate-limited-model", "x"));
    assert.equal(limited.short_circuit.error.status_code, 429, type);
  }
});

Deno.test("hello-world pre_hook reads the model of a wrapped request", async () => {
  const p = await TestPlugin.load();
  const out = p.callJson(
    "pre_hook",
    JSON.stringify({ context: { request_id: "w" }, request: { chat_request: { model: "mock-model", input: [] } } }),
  );
  assert.equal(out.short_circuit.response.chat_response.id, "mock-w");
});

Deno.test("hello-world post_hook suffixes the model of every answer that has one and keeps the rest", async () => {
  const p = await TestPlugin.load();
  for (
    const response of [
      { text_completion_response: { model: "t", choices: [{ text: "x", logprobs: null }] } },
      { responses_response: { model: "r", output: [{ type: "reasoning", summary: [] }], created_at: 1 } },
      { embedding_response: { model: "e", data: [{ embedding: [1e-7, 0.25] }] } },
      { object: "chat.completion", model: "f", choices: [] },
    ]
  ) {
    const out = p.callJson("post_hook", JSON.stringify({ context: {}, response, error: {}, has_error: false }));
    const expected = structuredClone(response) as Record<string, Record<string, unknown>>;
    const body = (Object.values(expected).find((v) => typeof v === "object" && v !== null && "model" in v) ??
      expected) as Record<string, unknown>;
    body.model = `${body.model} (via assemblyscript-wasm)`;
    assert.deepEqual(out.response, expected);
  }
  for (const response of [{ list_models_response: { data: [{ id: "openai/m" }] } }, { speech_response: { a: 1 } }]) {
    const out = p.callJson("post_hook", JSON.stringify({ context: {}, response, error: {}, has_error: false }));
    assert.equal(out.response, null, "passed through untouched");
    assert.equal(out.hook_error, "");
  }
});
