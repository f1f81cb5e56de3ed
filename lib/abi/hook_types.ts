/**
 * The JSON every hook receives and returns, as TypeScript types: the shapes
 * of Bifrost's Go SDK as the Rust example plugin mirrors them (see
 * `docs/abi.md`). Objects that come from providers carry fields these
 * types do not name, so they keep an index signature: a plugin that passes
 * data through must not drop them.
 *
 * Output fields are optional because Bifrost decodes outputs with Go's
 * `encoding/json`: a missing field is its zero value, and an output
 * `request`/`response` of `null` or `{}` means "unchanged".
 *
 * @example
 * ```ts
 * import type { PreHookInput, PreHookOutput } from "./hook_types.ts";
 * import assert from "node:assert/strict";
 *
 * const input: PreHookInput = {
 *   context: { request_id: "abc-123" },
 *   request: { provider: "openai", model: "gpt-4o", input: [{ role: "user", content: "Hello" }] },
 * };
 * const output: PreHookOutput = { context: { ...input.context, seen: true }, has_short_circuit: false, error: "" };
 * assert.equal(output.context.request_id, "abc-123");
 * ```
 *
 * @module
 */
import type { HookName } from "./abi.ts";

/** The request context: string keys, any JSON values. Values a plugin adds are merged into it. */
export interface BifrostContext {
  /** The request id as the docs name it. */
  request_id?: string;
  /** The request id as Go's constant names it. */
  "request-id"?: string;
  [key: string]: unknown;
}

// ---- HTTP transport ----

/** A string map (headers, query). Header names keep the client's casing. */
export type StringMap = Record<string, string>;

/** An HTTP request as the transport sees it. `body` is base64 (Go `[]byte`). */
export interface HTTPRequest {
  method: string;
  path: string;
  headers: StringMap | null;
  query: StringMap | null;
  body: string | null;
}

/** An HTTP response. `body` is base64 (Go `[]byte`). */
export interface HTTPResponse {
  status_code: number;
  headers: StringMap | null;
  body: string | null;
}

// ---- LLM requests ----

/** Who wrote a chat message: Go's known roles, or whatever a provider sends. */
// deno-lint-ignore ban-types
export type ChatMessageRole = "user" | "assistant" | "system" | "tool" | "developer" | (string & {});

/** One content block: `{"type": "text", "text": ...}`, images, audio and more. */
export interface ChatContentBlock {
  type: string;
  text?: string | null;
  [key: string]: unknown;
}

/** Message content: a string or an array of content blocks. */
export type ChatMessageContent = string | ChatContentBlock[];

/** A tool call in an assistant message. */
export interface ToolCall {
  id?: string;
  type?: string;
  function: { name: string; arguments: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** One chat message. */
export interface ChatMessage {
  role: ChatMessageRole;
  content?: ChatMessageContent | null;
  name?: string | null;
  tool_call_id?: string | null;
  tool_calls?: ToolCall[] | null;
  [key: string]: unknown;
}

/** A tool the model may call. */
export interface ChatTool {
  type: string;
  function: { name: string; description?: string; parameters?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/** Chat parameters; providers add their own. */
export interface ChatParameters {
  temperature?: number | null;
  max_completion_tokens?: number | null;
  top_p?: number | null;
  frequency_penalty?: number | null;
  presence_penalty?: number | null;
  stop?: string[] | null;
  tools?: ChatTool[] | null;
  [key: string]: unknown;
}

/** A provider and model to try when the first fails. */
export interface Fallback {
  provider: string;
  model: string;
  [key: string]: unknown;
}

/** The request an LLM pre hook sees for a chat completion (`POST /v1/chat/completions`). */
export interface BifrostChatRequest {
  provider: string;
  model: string;
  input: ChatMessage[];
  params?: ChatParameters | null;
  fallbacks?: Fallback[] | null;
  [key: string]: unknown;
}

/**
 * A text completion (`POST /v1/completions`): the prompt, one string or
 * several. Go's `BifrostTextCompletionRequest` [src]; that the WASM host
 * sends it flat like the chat request is a guess (see
 * `docs/abi-request-kinds.md`).
 */
export interface BifrostTextCompletionRequest {
  provider: string;
  model: string;
  input: string | string[];
  params?: { max_tokens?: number | null; temperature?: number | null; [key: string]: unknown } | null;
  fallbacks?: Fallback[] | null;
  [key: string]: unknown;
}

/**
 * One item of a Responses API input or output: a message (`type`
 * `"message"`, or no type and a `role`), a function call or its output, a
 * reasoning item, and more. Go's `ResponsesMessage` [src].
 */
export interface ResponsesItem {
  type?: string;
  id?: string;
  status?: string;
  role?: string;
  /** A string, or content blocks such as `{"type": "input_text", "text": ...}` or `output_text`. */
  content?: string | ChatContentBlock[] | null;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: unknown;
  [key: string]: unknown;
}

/**
 * A Responses API request (`POST /v1/responses`): a string input becomes
 * one user message, as Bifrost's OpenAI integration does; `instructions`,
 * `tools`, `max_output_tokens` and the rest are params. Go's
 * `BifrostResponsesRequest` [src]; sent flat [guess].
 */
export interface BifrostResponsesRequest {
  provider: string;
  model: string;
  input: ResponsesItem[];
  params?: { instructions?: string | null; max_output_tokens?: number | null; [key: string]: unknown } | null;
  fallbacks?: Fallback[] | null;
  [key: string]: unknown;
}

/** One part of an embedding input item (open-source core since 2026): text, tokens, or media. */
export interface EmbeddingContentPart {
  type: string;
  text?: string;
  tokens?: number[];
  [key: string]: unknown;
}

/**
 * An embeddings request (`POST /v1/embeddings`). The open-source core
 * changed `input` in 2026 from OpenAI's shapes (a string, strings, tokens)
 * to one item per input, each an array of parts (or `{content, params}`);
 * the local gateway sends the newer form, the SDK reads both [src; which one
 * the WASM host sends is a guess].
 */
export interface BifrostEmbeddingRequest {
  provider: string;
  model: string;
  input: EmbeddingContentPart[][] | string | string[] | number[] | number[][];
  params?: { encoding_format?: string | null; dimensions?: number | null; [key: string]: unknown } | null;
  fallbacks?: Fallback[] | null;
  [key: string]: unknown;
}

/** A model list request (`GET /v1/models`): the provider only. Go's `BifrostListModelsRequest` [src]. */
export interface BifrostListModelsRequest {
  provider: string;
  [key: string]: unknown;
}

/** What pre_hook's `request` can be: one request kind, flat (see `docs/abi-request-kinds.md`). */
export type BifrostRequest =
  | BifrostChatRequest
  | BifrostTextCompletionRequest
  | BifrostResponsesRequest
  | BifrostEmbeddingRequest
  | BifrostListModelsRequest;

/**
 * The context key Bifrost's HTTP transport sets to the request's type
 * (`schemas.BifrostContextKeyHTTPRequestType`) [src]. The local gateway
 * puts it in every hook's context; whether the WASM host serialises it is
 * a guess.
 */
export const REQUEST_TYPE_KEY = "bifrost-http-request-type";

/** Bifrost's `RequestType` values for the routes the local gateway serves [src]. */
export type RequestType =
  | "chat_completion"
  | "chat_completion_stream"
  | "text_completion"
  | "text_completion_stream"
  | "responses"
  | "responses_stream"
  | "embedding"
  | "list_models";

// ---- LLM responses and errors ----

/** Token usage. */
export interface LLMUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

/** One choice of a chat response. */
export interface ResponseChoice {
  index: number;
  message?: ChatMessage | null;
  /** A streamed chunk's piece of the message: the role comes in the first chunk only. */
  delta?: Partial<ChatMessage> | null;
  finish_reason?: string | null;
  [key: string]: unknown;
}

/** An OpenAI-style chat completion. */
export interface BifrostChatResponse {
  id: string;
  model: string;
  choices: ResponseChoice[];
  usage?: LLMUsage | null;
  created?: number | null;
  object?: string | null;
  [key: string]: unknown;
}

/** An OpenAI `text_completion`: one choice per prompt, its `text`. */
export interface BifrostTextCompletionResponse {
  id: string;
  model: string;
  object?: string | null;
  choices: { index: number; text: string; finish_reason?: string | null; [key: string]: unknown }[];
  usage?: LLMUsage | null;
  [key: string]: unknown;
}

/** Token usage of a Responses API answer. */
export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  [key: string]: unknown;
}

/** A Responses API answer (`object: "response"`): output items, usually one assistant message. */
export interface BifrostResponsesResponse {
  id?: string;
  object: string;
  created_at: number;
  status?: string;
  model: string;
  output: ResponsesItem[];
  usage?: ResponsesUsage | null;
  [key: string]: unknown;
}

/** An embeddings answer: one vector (floats, or a base64 string) per input. */
export interface BifrostEmbeddingResponse {
  object: string;
  model: string;
  data: { index: number; object: string; embedding: number[] | string; [key: string]: unknown }[];
  usage?: { prompt_tokens: number; total_tokens: number; [key: string]: unknown } | null;
  [key: string]: unknown;
}

/** A model list; Bifrost names each model `provider/model`. */
export interface BifrostListModelsResponse {
  object?: string;
  data: { id: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

/**
 * The response envelope: one field per response kind, named like the
 * Rust example's `chat_response` (the other names are a guess, see
 * `docs/abi-request-kinds.md`). A streamed chunk travels in the same
 * envelope, once per chunk: a chat chunk (`object: "chat.completion.chunk"`)
 * in `chat_response`, a text completion chunk in `text_completion_response`,
 * a Responses API event in `responses_stream_response` (Go's
 * `ResponsesStreamResponse`; the JSON name is a guess).
 */
export interface BifrostResponse {
  chat_response?: BifrostChatResponse | null;
  text_completion_response?: BifrostTextCompletionResponse | null;
  responses_response?: BifrostResponsesResponse | null;
  /** One streamed Responses API event (`{type: "response.output_text.delta", ...}`). */
  responses_stream_response?: StreamChunk | null;
  embedding_response?: BifrostEmbeddingResponse | null;
  list_models_response?: BifrostListModelsResponse | null;
  [key: string]: unknown;
}

/** The `error` object inside a {@link BifrostError}. */
export interface ErrorField {
  message: string;
  type?: string | null;
  code?: string | null;
  [key: string]: unknown;
}

/** An error as Bifrost returns it to the client. */
export interface BifrostError {
  error: ErrorField;
  status_code?: number | null;
  allow_fallbacks?: boolean | null;
  [key: string]: unknown;
}

/** What a pre hook returns to answer without calling the provider: a response or an error. */
export interface LLMPluginShortCircuit {
  response?: BifrostResponse | null;
  error?: BifrostError | null;
}

/** One OpenAI-style stream chunk object, without SSE framing. */
export type StreamChunk = Record<string, unknown>;

// ---- Hook inputs and outputs ----

/** Input of `http_pre_hook` (and the legacy `http_intercept`). */
export interface HTTPPreHookInput {
  context: BifrostContext;
  request: HTTPRequest;
}

/** Output of `http_pre_hook`: `has_response` answers the client with `response`; a non-empty `error` is a 500. */
export interface HTTPPreHookOutput {
  context: BifrostContext;
  /** Changes to the request (headers and query merged key by key, a body replaces), or null. */
  request?: Partial<HTTPRequest> | null;
  response?: HTTPResponse | null;
  has_response?: boolean;
  error?: string;
}

/** Input of `http_post_hook` (not called for streaming responses). */
export interface HTTPPostHookInput {
  context: BifrostContext;
  request: HTTPRequest;
  response: HTTPResponse;
}

/** Output of `http_post_hook`. */
export interface HTTPPostHookOutput {
  context: BifrostContext;
  /** The changed response, or null for unchanged. */
  response?: Partial<HTTPResponse> | null;
  error?: string;
}

/** Input of `http_stream_chunk_hook`, once per streamed chunk. */
export interface HTTPStreamChunkInput {
  context: BifrostContext;
  request: HTTPRequest;
  chunk: StreamChunk;
}

/** Output of `http_stream_chunk_hook`: `skip` or `has_chunk: false` drops the chunk; an `error` without a chunk ends the stream. */
export interface HTTPStreamChunkOutput {
  context: BifrostContext;
  chunk?: StreamChunk | null;
  has_chunk?: boolean;
  skip?: boolean;
  error?: string;
}

/** Input of `pre_hook`: a request of any kind, or of kind `R`. */
export interface PreHookInput<R extends BifrostRequest = BifrostRequest> {
  context: BifrostContext;
  request: R;
}

/** Output of `pre_hook`: `has_short_circuit` answers with `short_circuit.response` or fails with `short_circuit.error`. */
export interface PreHookOutput {
  context: BifrostContext;
  /** The changed request, or null (or `{}`) for unchanged. */
  request?: Partial<BifrostRequest> | null;
  short_circuit?: LLMPluginShortCircuit | null;
  has_short_circuit?: boolean;
  /** Only logged: Bifrost goes on with the request (to fail it, short-circuit with an error). */
  error?: string;
}

/** Input of `post_hook`: a response, or an error when `has_error`. */
export interface PostHookInput {
  context: BifrostContext;
  response: BifrostResponse | null;
  error: BifrostError | Record<string, never> | null;
  has_error: boolean;
}

/** Output of `post_hook`: `has_error` turns the result into `error`; `hook_error` is only logged. */
export interface PostHookOutput {
  context: BifrostContext;
  response?: BifrostResponse | Record<string, never> | null;
  error?: BifrostError | Record<string, never> | null;
  has_error?: boolean;
  hook_error?: string;
}

/** The input and output types of every hook, by export name. */
export interface HookTypes {
  http_intercept: { input: HTTPPreHookInput; output: HTTPPreHookOutput };
  http_pre_hook: { input: HTTPPreHookInput; output: HTTPPreHookOutput };
  http_post_hook: { input: HTTPPostHookInput; output: HTTPPostHookOutput };
  http_stream_chunk_hook: { input: HTTPStreamChunkInput; output: HTTPStreamChunkOutput };
  pre_hook: { input: PreHookInput; output: PreHookOutput };
  post_hook: { input: PostHookInput; output: PostHookOutput };
}

/** The input type of hook `H`. */
export type HookInputOf<H extends HookName> = HookTypes[H]["input"];

/** The output type of hook `H`. */
export type HookOutputOf<H extends HookName> = HookTypes[H]["output"];
