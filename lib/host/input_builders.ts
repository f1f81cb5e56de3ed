/**
 * Builders of hook inputs for plugin tests written in Deno: the shapes of
 * `./hook_types.ts` with sensible defaults, so a test states only what it
 * is about. Each returns a fresh object; pass it to a {@link PluginHost}
 * hook method.
 *
 * @example
 * ```ts
 * import { preHookInput } from "./input_builders.ts";
 * import { PluginHost } from "./host.ts";
 * import assert from "node:assert/strict";
 *
 * // hello-world as `deno task build` builds it; in a plugin project, `PluginHost.load("build/my-plugin.wasm")`.
 * const host = await PluginHost.load(new URL("../../build/hello-world.wasm", import.meta.url));
 * const { output } = await host.preHook(preHookInput({ model: "gpt-4o", messages: "Hello" }));
 * assert.equal(output.has_short_circuit, false);
 * assert.equal(output.context.plugin_processed, true);
 * host.close();
 * ```
 *
 * @module
 */
import { encodeBase64 } from "../internal/base64.ts";
import type {
  BifrostChatRequest,
  BifrostChatResponse,
  BifrostContext,
  BifrostEmbeddingRequest,
  BifrostEmbeddingResponse,
  BifrostError,
  BifrostListModelsRequest,
  BifrostListModelsResponse,
  BifrostRequest,
  BifrostResponse,
  BifrostResponsesRequest,
  BifrostResponsesResponse,
  BifrostTextCompletionRequest,
  BifrostTextCompletionResponse,
  ChatMessage,
  ChatParameters,
  Fallback,
  HTTPPostHookInput,
  HTTPPreHookInput,
  HTTPRequest,
  HTTPResponse,
  HTTPStreamChunkInput,
  LLMUsage,
  PostHookInput,
  PreHookInput,
  RequestType,
  ResponsesItem,
  StreamChunk,
} from "../abi/hook_types.ts";
import { REQUEST_TYPE_KEY } from "../abi/hook_types.ts";
import { embeddingInputItems, responsesInputItems } from "../abi/request_kinds.ts";

/** The request id builders put in the context unless given one. */
export const TEST_REQUEST_ID = "test-request-1";

function context(given: BifrostContext | undefined): BifrostContext {
  return given ? structuredClone(given) : { "request-id": TEST_REQUEST_ID };
}

/** Messages: a string is one user message. */
function chatMessages(messages: ChatMessage[] | string | undefined): ChatMessage[] {
  if (messages === undefined) return [{ role: "user", content: "Hello" }];
  return typeof messages === "string" ? [{ role: "user", content: messages }] : structuredClone(messages);
}

/** Options of {@link preHookInput}. */
export interface PreHookInputOptions {
  /** Default `gpt-4o`. */
  model?: string;
  /** Default `openai`. */
  provider?: string;
  /** A string is one user message. Default: a user saying "Hello". */
  messages?: ChatMessage[] | string;
  params?: ChatParameters;
  fallbacks?: Fallback[];
  /** Default `{"request-id": TEST_REQUEST_ID}`. */
  context?: BifrostContext;
}

/**
 * The input of `pre_hook`.
 *
 * @example
 * ```ts
 * import { preHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = preHookInput({ model: "mock-model", messages: "Hi", params: { temperature: 0.2 } });
 * assert.deepEqual(input.request, {
 *   provider: "openai",
 *   model: "mock-model",
 *   input: [{ role: "user", content: "Hi" }],
 *   params: { temperature: 0.2 },
 * });
 * assert.deepEqual(input.context, { "request-id": "test-request-1" });
 * ```
 */
export function preHookInput(options: PreHookInputOptions = {}): PreHookInput<BifrostChatRequest> {
  return {
    context: context(options.context),
    request: {
      provider: options.provider ?? "openai",
      model: options.model ?? "gpt-4o",
      input: chatMessages(options.messages),
      ...(options.params ? { params: structuredClone(options.params) } : {}),
      ...(options.fallbacks ? { fallbacks: structuredClone(options.fallbacks) } : {}),
    },
  };
}

/** Options of {@link chatResponse}. */
export interface ChatResponseOptions {
  /** Default `gpt-4o`. */
  model?: string;
  /** The assistant's answer. Default `"Hello!"`. */
  content?: string;
  /** Default `chatcmpl-test`. */
  id?: string;
  /** Default `stop`. */
  finishReason?: string;
  /** Default 10 prompt and 5 completion tokens. */
  usage?: LLMUsage;
}

/**
 * An OpenAI-style chat completion with one choice.
 *
 * @example
 * ```ts
 * import { chatResponse } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const r = chatResponse({ content: "Bonjour" });
 * assert.equal(r.choices[0]?.message?.content, "Bonjour");
 * assert.equal(r.usage?.total_tokens, 15);
 * ```
 */
export function chatResponse(options: ChatResponseOptions = {}): BifrostChatResponse {
  return {
    id: options.id ?? "chatcmpl-test",
    object: "chat.completion",
    created: 1_700_000_000,
    model: options.model ?? "gpt-4o",
    choices: [{
      index: 0,
      message: { role: "assistant", content: options.content ?? "Hello!" },
      finish_reason: options.finishReason ?? "stop",
    }],
    usage: options.usage
      ? structuredClone(options.usage)
      : { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

/** Options of {@link postHookInput}: a response (the default) or an error. */
export interface PostHookInputOptions extends ChatResponseOptions {
  /** The whole response; default: {@link chatResponse} of the other options. */
  response?: BifrostResponse;
  /** Makes it an error result: a message, or the whole error. */
  error?: BifrostError | string;
  /** With a string `error`: its HTTP status. Default 500. */
  statusCode?: number;
  context?: BifrostContext;
}

/**
 * The input of `post_hook`: a response, or an error when `error` is given.
 *
 * @example
 * ```ts
 * import { postHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(postHookInput({ model: "m" }).response?.chat_response?.model, "m");
 * const failed = postHookInput({ error: "Upstream failed", statusCode: 502 });
 * assert.equal(failed.has_error, true);
 * assert.deepEqual(failed.error, { error: { message: "Upstream failed", type: "server_error" }, status_code: 502 });
 * assert.equal(failed.response, null);
 * ```
 */
export function postHookInput(options: PostHookInputOptions = {}): PostHookInput {
  const ctx = context(options.context);
  if (options.error !== undefined) {
    const error: BifrostError = typeof options.error === "string"
      ? { error: { message: options.error, type: "server_error" }, status_code: options.statusCode ?? 500 }
      : structuredClone(options.error);
    return { context: ctx, response: null, error, has_error: true };
  }
  const response = options.response ? structuredClone(options.response) : { chat_response: chatResponse(options) };
  return { context: ctx, response, error: null, has_error: false };
}

/** Options every LLM request builder beyond chat shares. */
export interface KindInputOptions {
  /** Default `gpt-4o` (`text-embedding-3-small` for embeddings). */
  model?: string;
  /** Default `openai`. */
  provider?: string;
  fallbacks?: Fallback[];
  /**
   * The context; the builder adds `bifrost-http-request-type` (the kind's
   * request type, `*_stream` with `stream`) as the local gateway does.
   * Default `{"request-id": TEST_REQUEST_ID}`.
   */
  context?: BifrostContext;
  /** A streamed request: the request type ends in `_stream`. */
  stream?: boolean;
}

/** A pre_hook input of one kind, flat as the local gateway sends it. */
function kindInput<R extends BifrostRequest>(
  type: RequestType,
  options: KindInputOptions,
  fields: Record<string, unknown>,
): PreHookInput<R> {
  const request = {
    provider: options.provider ?? "openai",
    ...fields,
    ...(options.fallbacks ? { fallbacks: structuredClone(options.fallbacks) } : {}),
  };
  return { context: { ...context(options.context), [REQUEST_TYPE_KEY]: type }, request: request as R };
}

/** Options of {@link textCompletionPreHookInput}. */
export interface TextCompletionInputOptions extends KindInputOptions {
  /** Default `"Say hi"`. */
  prompt?: string | string[];
  params?: BifrostTextCompletionRequest["params"];
}

/**
 * The input of `pre_hook` for a text completion (`POST /v1/completions`),
 * as the local gateway sends it.
 *
 * @example
 * ```ts
 * import { textCompletionPreHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = textCompletionPreHookInput({ model: "gpt-3.5-turbo-instruct", prompt: "Say hi", params: { max_tokens: 5 } });
 * assert.deepEqual(input.request, {
 *   provider: "openai",
 *   model: "gpt-3.5-turbo-instruct",
 *   input: "Say hi",
 *   params: { max_tokens: 5 },
 * });
 * assert.equal(input.context["bifrost-http-request-type"], "text_completion");
 * ```
 */
export function textCompletionPreHookInput(
  options: TextCompletionInputOptions = {},
): PreHookInput<BifrostTextCompletionRequest> {
  return kindInput<BifrostTextCompletionRequest>(
    options.stream ? "text_completion_stream" : "text_completion",
    options,
    {
      model: options.model ?? "gpt-4o",
      input: structuredClone(options.prompt ?? "Say hi"),
      ...(options.params ? { params: structuredClone(options.params) } : {}),
    },
  );
}

/** Options of {@link responsesPreHookInput}. */
export interface ResponsesInputOptions extends KindInputOptions {
  /** A string is one user message, as Bifrost reads it. Default `"Hello"`. */
  input?: string | ResponsesItem[];
  /** The request's params (`instructions`, `tools`, `max_output_tokens`, ...). */
  params?: BifrostResponsesRequest["params"];
}

/**
 * The input of `pre_hook` for the Responses API (`POST /v1/responses`), as
 * the local gateway sends it.
 *
 * @example
 * ```ts
 * import { responsesPreHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = responsesPreHookInput({ input: "Hi", params: { instructions: "Be brief" }, stream: true });
 * assert.deepEqual(input.request.input, [{ type: "message", role: "user", content: "Hi" }]);
 * assert.deepEqual(input.request.params, { instructions: "Be brief" });
 * assert.equal(input.context["bifrost-http-request-type"], "responses_stream");
 * ```
 */
export function responsesPreHookInput(options: ResponsesInputOptions = {}): PreHookInput<BifrostResponsesRequest> {
  return kindInput<BifrostResponsesRequest>(options.stream ? "responses_stream" : "responses", options, {
    model: options.model ?? "gpt-4o",
    input: responsesInputItems(structuredClone(options.input ?? "Hello")),
    ...(options.params ? { params: structuredClone(options.params) } : {}),
  });
}

/** Options of {@link embeddingPreHookInput}. */
export interface EmbeddingInputOptions extends Omit<KindInputOptions, "stream"> {
  /** In OpenAI's shapes (a string, strings, tokens); sent as items of parts. Default `["Hello"]`. */
  input?: string | string[] | number[] | number[][];
  params?: BifrostEmbeddingRequest["params"];
}

/**
 * The input of `pre_hook` for embeddings (`POST /v1/embeddings`), as the
 * local gateway sends it: one array of parts per input.
 *
 * @example
 * ```ts
 * import { embeddingPreHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = embeddingPreHookInput({ input: ["a", "b"], params: { dimensions: 8 } });
 * assert.deepEqual(input.request.input, [[{ type: "text", text: "a" }], [{ type: "text", text: "b" }]]);
 * assert.equal(input.request.model, "text-embedding-3-small");
 * assert.equal(input.context["bifrost-http-request-type"], "embedding");
 * ```
 */
export function embeddingPreHookInput(options: EmbeddingInputOptions = {}): PreHookInput<BifrostEmbeddingRequest> {
  return kindInput<BifrostEmbeddingRequest>("embedding", options, {
    model: options.model ?? "text-embedding-3-small",
    input: embeddingInputItems(structuredClone(options.input ?? ["Hello"])),
    ...(options.params ? { params: structuredClone(options.params) } : {}),
  });
}

/**
 * The input of `pre_hook` for a model list (`GET /v1/models`): the request
 * is the provider alone.
 *
 * @example
 * ```ts
 * import { listModelsPreHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = listModelsPreHookInput({ provider: "anthropic" });
 * assert.deepEqual(input.request, { provider: "anthropic" });
 * assert.equal(input.context["bifrost-http-request-type"], "list_models");
 * ```
 */
export function listModelsPreHookInput(
  options: Pick<KindInputOptions, "provider" | "context"> = {},
): PreHookInput<BifrostListModelsRequest> {
  return kindInput<BifrostListModelsRequest>("list_models", options, {});
}

/** Options of the answers of the kinds beyond chat. */
export interface AnswerOptions {
  /** Default `gpt-4o` (`text-embedding-3-small` for embeddings). */
  model?: string;
  /** The answer's text. Default `"Hello!"`. */
  text?: string;
  /** Default `"<kind>-test"`. */
  id?: string;
}

/**
 * An OpenAI text completion with one choice, for `postHookInput({ response:
 * { text_completion_response: ... } })`.
 *
 * @example
 * ```ts
 * import { postHookInput, textCompletionResponse } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = postHookInput({ response: { text_completion_response: textCompletionResponse({ text: "hi" }) } });
 * assert.equal(input.response?.text_completion_response?.choices[0]?.text, "hi");
 * ```
 */
export function textCompletionResponse(options: AnswerOptions = {}): BifrostTextCompletionResponse {
  return {
    id: options.id ?? "cmpl-test",
    object: "text_completion",
    created: 1_700_000_000,
    model: options.model ?? "gpt-4o",
    choices: [{ index: 0, text: options.text ?? "Hello!", finish_reason: "stop", logprobs: null }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

/**
 * A completed Responses API answer with one assistant message, for
 * `postHookInput({ response: { responses_response: ... } })`.
 *
 * @example
 * ```ts
 * import { responsesResponse } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = responsesResponse({ text: "Bonjour" });
 * assert.deepEqual(answer.output[0]?.content, [{ type: "output_text", text: "Bonjour", annotations: [] }]);
 * assert.equal(answer.usage?.total_tokens, 15);
 * ```
 */
export function responsesResponse(options: AnswerOptions = {}): BifrostResponsesResponse {
  const id = options.id ?? "resp-test";
  return {
    id,
    object: "response",
    created_at: 1_700_000_000,
    status: "completed",
    model: options.model ?? "gpt-4o",
    output: [{
      type: "message",
      id: `msg-${id}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: options.text ?? "Hello!", annotations: [] }],
    }],
    usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
  };
}

/**
 * An embeddings answer with one vector per input (`vectors`, default one of
 * three floats), for `postHookInput({ response: { embedding_response: ... } })`.
 *
 * @example
 * ```ts
 * import { embeddingResponse } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = embeddingResponse({ vectors: [[0.5], [0.25]] });
 * assert.deepEqual(answer.data.map((d) => d.index), [0, 1]);
 * assert.equal(answer.model, "text-embedding-3-small");
 * ```
 */
export function embeddingResponse(options: { model?: string; vectors?: number[][] } = {}): BifrostEmbeddingResponse {
  const vectors = options.vectors ?? [[0.1, 0.2, 0.3]];
  return {
    object: "list",
    model: options.model ?? "text-embedding-3-small",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding: [...embedding] })),
    usage: { prompt_tokens: vectors.length, total_tokens: vectors.length },
  };
}

/**
 * A model list, each model named `provider/model` as Bifrost names them,
 * for `postHookInput({ response: { list_models_response: ... } })`.
 *
 * @example
 * ```ts
 * import { listModelsResponse } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(listModelsResponse({ models: ["openai/gpt-4o"] }).data, [
 *   { id: "openai/gpt-4o", object: "model", owned_by: "openai" },
 * ]);
 * ```
 */
export function listModelsResponse(options: { models?: string[] } = {}): BifrostListModelsResponse {
  const models = options.models ?? ["openai/gpt-4o"];
  return {
    object: "list",
    data: models.map((id) => ({ id, object: "model", owned_by: id.split("/")[0]! })),
  };
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  /** Default `POST`. */
  method?: string;
  /** Default `/v1/chat/completions`. */
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Bytes or text are sent as they are, anything else as JSON; base64-encoded as Go does. Default: no body. */
  body?: Uint8Array | string | Record<string, unknown> | unknown[] | null;
}

/**
 * An HTTP request as the transport hooks see it (`body` in base64).
 *
 * @example
 * ```ts
 * import { httpRequest } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const r = httpRequest({ headers: { Authorization: "Bearer x" }, body: { model: "openai/gpt-4o" } });
 * assert.equal(atob(r.body!), '{"model":"openai/gpt-4o"}');
 * assert.equal(r.method, "POST");
 * ```
 */
export function httpRequest(options: HttpRequestOptions = {}): HTTPRequest {
  return {
    method: options.method ?? "POST",
    path: options.path ?? "/v1/chat/completions",
    headers: { ...options.headers },
    query: { ...options.query },
    body: encodeBody(options.body),
  };
}

function encodeBody(body: HttpRequestOptions["body"]): string | null {
  if (body === undefined || body === null) return null;
  if (body instanceof Uint8Array) return encodeBase64(body);
  return encodeBase64(new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)));
}

/** Options of {@link httpPreHookInput}. */
export interface HttpPreHookInputOptions extends HttpRequestOptions {
  context?: BifrostContext;
}

/**
 * The input of `http_pre_hook` (and the legacy `http_intercept`).
 *
 * @example
 * ```ts
 * import { httpPreHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = httpPreHookInput({ path: "/v1/models", method: "GET", query: { limit: "5" } });
 * assert.deepEqual(input.request, { method: "GET", path: "/v1/models", headers: {}, query: { limit: "5" }, body: null });
 * ```
 */
export function httpPreHookInput(options: HttpPreHookInputOptions = {}): HTTPPreHookInput {
  return { context: context(options.context), request: httpRequest(options) };
}

/** Options of {@link httpPostHookInput}. */
export interface HttpPostHookInputOptions extends HttpPreHookInputOptions {
  /** Default 200. */
  status?: number;
  responseHeaders?: Record<string, string>;
  /** Like the request's `body`. Default: a {@link chatResponse} as JSON. */
  responseBody?: HttpRequestOptions["body"];
}

/**
 * The input of `http_post_hook`.
 *
 * @example
 * ```ts
 * import { httpPostHookInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = httpPostHookInput({ status: 429, responseBody: "slow down" });
 * assert.equal(input.response.status_code, 429);
 * assert.equal(atob(input.response.body!), "slow down");
 * ```
 */
export function httpPostHookInput(options: HttpPostHookInputOptions = {}): HTTPPostHookInput {
  const response: HTTPResponse = {
    status_code: options.status ?? 200,
    headers: { "content-type": "application/json", ...options.responseHeaders },
    body: encodeBody(options.responseBody === undefined ? { ...chatResponse() } : options.responseBody),
  };
  return { context: context(options.context), request: httpRequest(options), response };
}

/** Options of {@link streamChunkInput}. */
export interface StreamChunkInputOptions {
  /** The delta's text. Default `"Hel"`. */
  content?: string;
  /** The whole chunk instead. */
  chunk?: StreamChunk;
  /** Default `gpt-4o`. */
  model?: string;
  /** Default `null` (more chunks follow). */
  finishReason?: string | null;
  /** The streaming request; default a POST to `/v1/chat/completions`. */
  request?: HttpRequestOptions;
  context?: BifrostContext;
}

/**
 * The input of `http_stream_chunk_hook`: one OpenAI-style chunk.
 *
 * @example
 * ```ts
 * import { streamChunkInput } from "./input_builders.ts";
 * import assert from "node:assert/strict";
 *
 * const input = streamChunkInput({ content: "lo!", finishReason: "stop" });
 * assert.deepEqual(input.chunk.choices, [{ index: 0, delta: { content: "lo!" }, finish_reason: "stop" }]);
 * assert.equal(input.chunk.object, "chat.completion.chunk");
 * ```
 */
export function streamChunkInput(options: StreamChunkInputOptions = {}): HTTPStreamChunkInput {
  const chunk: StreamChunk = options.chunk ? structuredClone(options.chunk) : {
    id: "chatcmpl-test",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: options.model ?? "gpt-4o",
    choices: [{ index: 0, delta: { content: options.content ?? "Hel" }, finish_reason: options.finishReason ?? null }],
  };
  return { context: context(options.context), request: httpRequest(options.request), chunk };
}
