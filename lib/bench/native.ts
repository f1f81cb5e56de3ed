/**
 * hello-world's hooks in plain JavaScript, on values `JSON.parse` produced:
 * the benchmark's native floor (`JSON.parse`, the hook's one change,
 * `JSON.stringify` of its output) and the fuzzer's reference model of what
 * the plugin must answer for an input it accepts.
 *
 * It follows `assembly/hello_world.ts` with its default config: pre_hook
 * marks the context and short-circuits `mock-model` (a mock answer in the
 * request's kind: chat, text completion or Responses API, as a stream's one
 * chunk when the request streams; other kinds pass)
 * and `rate-limited-model` (a 429 error); post_hook marks the context and
 * suffixes the model of an answer of a known kind with a model, or the
 * error's message; the HTTP pre hook marks the context; the other hooks pass
 * everything through. Kinds are read as the SDK reads them
 * (`../abi/request_kinds.ts`).
 *
 * @example
 * ```ts
 * import { nativeHook } from "./native.ts";
 * import assert from "node:assert/strict";
 *
 * const out = JSON.parse(nativeHook("pre_hook", '{"context":{"request_id":"r1"},"request":{"model":"gpt-4o"}}'));
 * assert.deepEqual(out.context, { request_id: "r1", plugin_processed: true, plugin_name: "hello-world-wasm-typescript" });
 * assert.equal(out.has_short_circuit, false);
 * ```
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { isStreamRequest, type RequestKindName, requestKindOf, responseKindOf } from "../abi/request_kinds.ts";

/** The name hello-world registers under. */
export const HELLO_WORLD_NAME = "hello-world-wasm-typescript";
/** What hello-world's post_hook appends to a response's model. */
export const MODEL_SUFFIX = " (via assemblyscript-wasm)";
/** What hello-world's post_hook appends to an error's message. */
export const ERROR_SUFFIX = " (via assemblyscript plugin)";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Options of {@link helloWorldOutput}: another plugin with hello-world's behaviours. */
export interface TwinOptions {
  /** The name written into the context by pre_hook. Default {@link HELLO_WORLD_NAME}. */
  name?: string;
  /** What post_hook appends to a response's model. Default {@link MODEL_SUFFIX}. */
  modelSuffix?: string;
  /** What post_hook appends to an error's message. Default {@link ERROR_SUFFIX}. */
  errorSuffix?: string;
}

/** The Rust serde plugin (`testdata/rust-plugin/`, Bifrost's Rust example): its name and the example's suffixes. */
export const RUST_TWIN: Required<TwinOptions> = {
  name: "hello-world-wasm-rust",
  modelSuffix: " (via rust-wasm)",
  errorSuffix: " (via rust plugin)",
};

/**
 * The output hello-world answers for a parsed input it accepts (an input
 * whose fields have the types the plugin reads). It reuses and changes the
 * input's objects, as a hook working on its own parse would.
 */
export function helloWorldOutput(hook: HookName, input: unknown, options: TwinOptions = {}): Json {
  const i = isObject(input) ? input : {};
  const context: Json = isObject(i.context) ? i.context : {};
  switch (hook) {
    case "http_intercept":
    case "http_pre_hook":
      context.http_intercepted = true;
      return { context, request: null, response: null, has_response: false, error: "" };
    case "http_post_hook":
      return { context, response: null, error: "" };
    case "http_stream_chunk_hook":
      return { context, chunk: i.chunk, has_chunk: true, skip: false, error: "" };
    case "pre_hook":
      return preHook(i, context, options.name ?? HELLO_WORLD_NAME);
    case "post_hook":
      return postHook(i, context, options);
  }
}

/**
 * What the SDK's `BifrostResponse.textAnswer` builds: a text answer in the kind's shape, with usage 10 + 15; with
 * `stream`, a chat answer as one `chat.completion.chunk` and a Responses answer as one `response.completed` event.
 */
function textAnswer(kind: RequestKindName, id: string, model: string, text: string, stream: boolean): Json | undefined {
  if (kind === "text_completion") {
    const usage = { prompt_tokens: 10, completion_tokens: 15, total_tokens: 25 };
    const choices = [{ index: 0, text, finish_reason: "stop" }];
    return { text_completion_response: { id, object: "text_completion", model, choices, usage } };
  }
  if (kind === "responses") {
    const message = {
      type: "message",
      id: `msg-${id}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    };
    const usage = { input_tokens: 10, output_tokens: 15, total_tokens: 25 };
    const response = { id, object: "response", created_at: 0, status: "completed", model, output: [message], usage };
    return stream
      ? { responses_stream_response: { type: "response.completed", sequence_number: 0, response } }
      : { responses_response: response };
  }
  if (kind !== "chat") return undefined;
  const message = { role: "assistant", content: text };
  return {
    chat_response: {
      id,
      ...(stream ? { object: "chat.completion.chunk" } : {}),
      model,
      choices: [{ index: 0, [stream ? "delta" : "message"]: message, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 15, total_tokens: 25 },
    },
  };
}

function preHook(input: Json, context: Json, name: string): Json {
  context.plugin_processed = true;
  context.plugin_name = name;
  const request = isObject(input.request) ? input.request : {};
  const reading = requestKindOf(context, request);
  const model = typeof reading.body.model === "string" ? reading.body.model : "";
  const output: Json = { context, request: null, short_circuit: null, has_short_circuit: false, error: "" };
  if (model === "mock-model") {
    const id = typeof context.request_id === "string"
      ? context.request_id
      : typeof context["request-id"] === "string"
      ? context["request-id"]
      : "";
    const answer = textAnswer(reading.kind, `mock-${id}`, model, "This is a mock response!", isStreamRequest(context));
    if (answer) {
      output.short_circuit = { response: answer };
      output.has_short_circuit = true;
    }
  } else if (model === "rate-limited-model") {
    output.short_circuit = {
      error: { error: { message: "Rate limit exceeded", type: "rate_limit", code: "429" }, status_code: 429 },
    };
    output.has_short_circuit = true;
  }
  return output;
}

function postHook(input: Json, context: Json, options: TwinOptions): Json {
  context.post_hook_completed = true;
  const output: Json = { context, response: null, error: null, has_error: false, hook_error: "" };
  if (input.has_error === true) {
    const error = input.error as Json;
    const field = isObject(error.error) ? error.error : (error.error = {}) as Json;
    field.message = (typeof field.message === "string" ? field.message : "") + (options.errorSuffix ?? ERROR_SUFFIX);
    output.error = error;
    output.has_error = true;
    return output;
  }
  if (!isObject(input.response)) return output;
  const { kind, body } = responseKindOf(input.response);
  if (kind === "unknown" || kind === "list_models") return output;
  body.model = (typeof body.model === "string" ? body.model : "") + (options.modelSuffix ?? MODEL_SUFFIX);
  output.response = input.response;
  return output;
}

/** The native floor: `JSON.parse`, hello-world's change, `JSON.stringify` of its output. */
export function nativeHook(hook: HookName, text: string): string {
  return JSON.stringify(helloWorldOutput(hook, JSON.parse(text)));
}
