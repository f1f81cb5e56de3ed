// The SDK's request kinds (assembly/sdk/kinds.ts) through a plugin that
// reports what it reads (testdata/plugins/kinds.ts), checked against the
// Deno twin of the same rules (lib/abi/request_kinds.ts) on every case.
import assert from "node:assert/strict";
import { PluginHost } from "../lib/host/host.ts";
import { requestKindOf, responseKindOf } from "../lib/abi/request_kinds.ts";
import { testPlugin } from "../testing/plugins.ts";

type Json = Record<string, unknown>;
const TYPE = "bifrost-http-request-type";

interface PreCase {
  what: string;
  context?: Json;
  request: Json;
  kind: string;
  model?: string;
  read: string;
}

const PRE_CASES: PreCase[] = [
  {
    what: "the seed's flat chat request",
    request: { provider: "openai", model: "gpt-4", input: [{ role: "user", content: "Hello" }] },
    kind: "chat",
    model: "gpt-4",
    read: "user: Hello",
  },
  {
    what: "a text completion named by the context",
    context: { [TYPE]: "text_completion" },
    request: { provider: "openai", model: "m", input: "Say hi" },
    kind: "text_completion",
    read: "Say hi",
  },
  {
    what: "a prompt array without a context key",
    request: { model: "m", input: ["a", "b"], params: { max_tokens: 5 } },
    kind: "text_completion",
    read: "a|b",
  },
  {
    what: "an embedding request in the core's 2026 shape, named by the context",
    context: { [TYPE]: "embedding" },
    request: {
      model: "e",
      input: [[{ type: "text", text: "hello" }], { content: [{ type: "text", text: "world" }] }, [{
        type: "tokens",
        tokens: [1],
      }]],
    },
    kind: "embedding",
    read: "hello|world",
  },
  {
    what: "an embedding request in OpenAI's shape, told by its params",
    request: { model: "e", input: ["x", "y"], params: { encoding_format: "float" } },
    kind: "embedding",
    read: "x|y",
  },
  {
    what: "token arrays",
    request: { model: "e", input: [1, 2, 3] },
    kind: "embedding",
    read: "",
  },
  {
    what: "a Responses request named by the context, its messages without a type",
    context: { [TYPE]: "responses_stream" },
    request: { model: "m", input: [{ role: "user", content: "hi" }], params: { instructions: "Be brief" } },
    kind: "responses",
    read: "(message) hi; instructions Be brief",
  },
  {
    what: "a Responses request told by its typed items",
    request: {
      model: "m",
      input: [
        { role: "system", content: "sys" },
        { type: "message", role: "user", content: [{ type: "input_text", text: "What?" }] },
        { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
      ],
    },
    kind: "responses",
    read: "(message) sys; message What?; function_call",
  },
  {
    what: "a model list",
    context: { [TYPE]: "list_models" },
    request: { provider: "openai" },
    kind: "list_models",
    model: "",
    read: "openai",
  },
  {
    what: "a chat request wrapped in chat_request",
    request: { chat_request: { provider: "openai", model: "w", input: [{ role: "user", content: "in" }] } },
    kind: "chat",
    model: "w",
    read: "user: in",
  },
  {
    what: "Go's field names with a RequestType",
    request: {
      RequestType: "text_completion",
      ChatRequest: null,
      TextCompletionRequest: { provider: "openai", model: "g", input: "go" },
    },
    kind: "text_completion",
    model: "g",
    read: "go",
  },
  {
    what: "Go's field names alone, a null wrapper skipped",
    request: {
      ChatRequest: null,
      ResponsesRequest: { model: "r", input: [{ type: "message", role: "user", content: "x" }] },
    },
    kind: "responses",
    model: "r",
    read: "message x",
  },
  {
    what: "a request type the SDK does not type",
    context: { [TYPE]: "speech" },
    request: { model: "tts-1", input: "say this" },
    kind: "unknown",
    read: "",
  },
  {
    what: "the context winning over a wrapper",
    context: { [TYPE]: "embedding" },
    request: { chat_request: { model: "c", input: ["one"] } },
    kind: "embedding",
    model: "c",
    read: "one",
  },
];

async function withPlugin(f: (host: PluginHost) => Promise<void>): Promise<void> {
  const host = await PluginHost.load(await testPlugin("kinds"));
  try {
    await f(host);
  } finally {
    host.close();
  }
}

Deno.test("the SDK tells every request kind from its signals and reads it through the kind's view", async () => {
  await withPlugin(async (host) => {
    for (const c of PRE_CASES) {
      const { output } = await host.preHook({ context: { ...c.context }, request: c.request as never });
      assert.equal(output.error, "", c.what);
      const ctx = output.context as Json;
      assert.equal(ctx.kind, c.kind, c.what);
      assert.equal(ctx.read, c.read, c.what);
      if (c.model !== undefined) assert.equal(ctx.model, c.model, c.what);
      assert.equal(ctx.stream, String(c.context?.[TYPE] ?? "").endsWith("_stream"), c.what);
      assert.equal(requestKindOf(c.context ?? {}, c.request).kind, c.kind, `the Deno twin disagrees: ${c.what}`);
    }
  });
});

Deno.test("the SDK writes a change through a kind's view back where the fields are, keeping the rest", async () => {
  await withPlugin(async (host) => {
    const flat = { model: "rename-me", input: "p", params: { max_tokens: 1e0 }, extra: [1, { a: null }] };
    const one = await host.preHook({ context: { [TYPE]: "text_completion" }, request: flat as never });
    assert.deepEqual(one.output.request, { ...flat, model: "renamed" });
    const wrapped = {
      responses_request: { model: "rename-me", input: [{ type: "message", role: "user", content: "x" }] },
    };
    const two = await host.preHook({ context: {}, request: wrapped as never });
    assert.deepEqual(two.output.request, { responses_request: { ...wrapped.responses_request, model: "renamed" } });
  });
});

Deno.test("the SDK reports a wrapper of the wrong type and a model of the wrong type as problems", async () => {
  await withPlugin(async (host) => {
    const bad = await host.preHook({ context: {}, request: { chat_request: 5 } as never });
    assert.match(bad.output.error ?? "", /request\.chat_request: expected object, found number/);
    const model = await host.preHook({ context: {}, request: { text_completion_request: { model: [] } } as never });
    assert.match(model.output.error ?? "", /request\.text_completion_request\.model: expected string, found array/);
  });
});

const ANSWERS: { what: string; response: Json; kind: string; model: string; read: string }[] = [
  {
    what: "a text completion",
    response: {
      text_completion_response: {
        id: "c",
        object: "text_completion",
        model: "t",
        choices: [{ index: 0, text: "done" }],
      },
    },
    kind: "text_completion",
    model: "t",
    read: "done",
  },
  {
    what: "a Responses answer with a reasoning item",
    response: {
      responses_response: {
        object: "response",
        model: "r",
        output: [
          { type: "reasoning", summary: [] },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "a" }, { type: "refusal" }] },
          { type: "message", role: "assistant", content: [{ type: "output_text", text: "b" }] },
        ],
      },
    },
    kind: "responses",
    model: "r",
    read: "ab",
  },
  {
    what: "an embeddings answer",
    response: { embedding_response: { object: "list", model: "e", data: [{ object: "embedding", embedding: [0.5] }] } },
    kind: "embedding",
    model: "e",
    read: "1 vectors",
  },
  {
    what: "a model list",
    response: { list_models_response: { data: [{ id: "openai/gpt-4o" }] } },
    kind: "list_models",
    model: "",
    read: "openai/gpt-4o",
  },
  {
    what: "a flat chat completion",
    response: {
      object: "chat.completion",
      model: "f",
      choices: [{ index: 0, message: { role: "assistant", content: "hi" } }],
    },
    kind: "chat",
    model: "f",
    read: "",
  },
  {
    what: "Go's field name",
    response: { ChatResponse: null, ResponsesResponse: { object: "response", model: "g", output: [] } },
    kind: "responses",
    model: "g",
    read: "",
  },
  {
    what: "a streamed chat chunk",
    response: {
      chat_response: {
        id: "s",
        object: "chat.completion.chunk",
        model: "c",
        choices: [{ index: 0, delta: { content: "He" }, finish_reason: null }],
      },
    },
    kind: "chat",
    model: "c",
    read: "",
  },
  {
    what: "a flat chat chunk",
    response: { object: "chat.completion.chunk", model: "c", choices: [] },
    kind: "chat",
    model: "c",
    read: "",
  },
  {
    what: "a streamed Responses text delta (no answer of its own)",
    response: { responses_stream_response: { type: "response.output_text.delta", sequence_number: 3, delta: "He" } },
    kind: "responses",
    model: "",
    read: "",
  },
  {
    what: "a streamed Responses completed event, flat",
    response: {
      type: "response.completed",
      response: {
        object: "response",
        model: "d",
        output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "all" }] }],
      },
    },
    kind: "responses",
    model: "d",
    read: "all",
  },
  {
    what: "an answer of no kind the SDK knows",
    response: { speech_response: { audio: "..." } },
    kind: "unknown",
    model: "",
    read: "",
  },
];

Deno.test("the SDK tells every answer kind and reads it through the kind's view", async () => {
  await withPlugin(async (host) => {
    for (const a of ANSWERS) {
      const { output } = await host.postHook({
        context: {},
        response: a.response as never,
        error: {},
        has_error: false,
      });
      assert.equal(output.hook_error, "", a.what);
      const ctx = output.context as Json;
      assert.deepEqual([ctx.answer_kind, ctx.answer_model, ctx.answer_read], [a.kind, a.model, a.read], a.what);
      assert.equal(responseKindOf(a.response).kind, a.kind, `the Deno twin disagrees: ${a.what}`);
    }
    const renamed = await host.postHook({
      context: {},
      response: { responses_response: { model: "rename-me", output: [], usage: { input_tokens: 1 } } } as never,
      error: {},
      has_error: false,
    });
    assert.deepEqual(renamed.output.response, {
      responses_response: { model: "renamed", output: [], usage: { input_tokens: 1 } },
    });
    // A streamed event: the model is its answer's; an event without one is left as it is.
    const created = { type: "response.created", sequence_number: 0, response: { model: "rename-me", output: [] } };
    const event = await host.postHook({
      context: {},
      response: { responses_stream_response: created } as never,
      error: {},
      has_error: false,
    });
    assert.deepEqual(event.output.response, {
      responses_stream_response: { ...created, response: { model: "renamed", output: [] } },
    });
  });
});

Deno.test("the SDK reads a stream's deltas, which name the role in the first chunk only", async () => {
  await withPlugin(async (host) => {
    const chunk = (delta: Json) => ({
      chat_response: { object: "chat.completion.chunk", model: "c", choices: [{ index: 0, delta }] },
    });
    const reads = [];
    for (const delta of [{ role: "assistant", content: "" }, { content: "He" }, {}]) {
      const { output } = await host.postHook({
        context: {},
        response: chunk(delta) as never,
        error: {},
        has_error: false,
      });
      assert.equal(output.hook_error, "", JSON.stringify(delta));
      reads.push((output.context as Json).answer_delta);
    }
    assert.deepEqual(reads, ["assistant: ", ": He", ": "]);
  });
});
