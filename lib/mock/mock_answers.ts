/**
 * The mock upstream's answers: deterministic OpenAI answers derived from the
 * request alone, for chat and text completions, the Responses API and
 * embeddings (JSON and streamed), and the model list; and which requests it
 * answers at all.
 *
 * Imports only `node:` built-ins, `./openai_stream.ts` and the library's
 * JSON writer (`../internal/json_pieces.ts`): the mock's container runs
 * these files as they are (`files.ts` lists them).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { responsesEvents } from "./openai_stream.ts";
import { jsonPieces } from "../internal/json_pieces.ts";

/** The `created` timestamp of every answer: 2025-01-01T00:00:00Z. */
export const MOCK_CREATED = 1_735_689_600;

/** The models `GET /v1/models` lists. Chat answers accept any model name. */
export const MOCK_MODELS: readonly string[] = ["gpt-4o-mini", "gpt-4o", "mock-echo"];

/** One content block of a chat message. Only `text` blocks count for answers. */
export interface MockContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

/** A chat message as the mock reads it. */
export interface MockChatMessage {
  role: string;
  content?: string | MockContentPart[] | null;
  [key: string]: unknown;
}

/** The fields of an OpenAI chat request the mock's answer depends on. */
export interface MockChatRequest {
  model: string;
  messages: MockChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  [key: string]: unknown;
}

/** Token counts of an answer (see {@link mockCompletion} for the rule). */
export interface MockUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** A `chat.completion` object. */
export interface MockChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: "assistant"; content: string };
    finish_reason: "stop";
  }[];
  usage: MockUsage;
}

/** A `chat.completion.chunk` object, one SSE event of a streamed answer. */
export interface MockChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: "assistant"; content?: string };
    finish_reason: "stop" | null;
  }[];
  /** Present only when the request set `stream_options.include_usage`: `null` except on the last chunk. */
  usage?: MockUsage | null;
}

/**
 * The answer to a chat request, derived from the request alone:
 *
 * - `content` is `"Echo: "` followed by the text of the last `user` message
 *   (a string content as is; an array content's `text` blocks joined with a
 *   space; nothing when there is no user message);
 * - `model` is the request's model, `created` is {@link MOCK_CREATED};
 * - `id` is `"chatcmpl-mock-"` and the first 24 hex digits of the SHA-256 of
 *   the JSON of `{model, messages}` with object keys sorted, so equal
 *   conversations get equal ids whatever else the request holds;
 * - a "token" is a run of non-whitespace characters: `prompt_tokens` counts
 *   them over the text of every message, `completion_tokens` over `content`.
 *
 * @example
 * ```ts
 * import { mockCompletion } from "./mock_upstream.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = mockCompletion({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello there" }] });
 * assert.equal(answer.choices[0]?.message.content, "Echo: hello there");
 * assert.equal(answer.model, "gpt-4o-mini");
 * assert.deepEqual(answer.usage, { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
 * assert.match(answer.id, /^chatcmpl-mock-[0-9a-f]{24}$/);
 * ```
 */
export function mockCompletion(request: MockChatRequest): MockChatCompletion {
  const content = answerText(request.messages);
  return {
    id: `chatcmpl-mock-${digestOf({ model: request.model, messages: request.messages })}`,
    object: "chat.completion",
    created: MOCK_CREATED,
    model: request.model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: usageOf(request.messages, content),
  };
}

/**
 * The chunks of the streamed answer to a chat request, each sent as one
 * `data: <json>` SSE event and followed by `data: [DONE]`. They carry the
 * same `id`, `model` and `created` as {@link mockCompletion}'s answer: first
 * a `{role: "assistant", content: ""}` delta, then one content delta per
 * word of the content with its trailing whitespace (so the deltas join to
 * the content), then an empty delta with `finish_reason: "stop"`, then, when
 * `stream_options.include_usage` is set, a chunk with no choices and the
 * usage (the other chunks then carry `usage: null`).
 *
 * @example
 * ```ts
 * import { mockCompletionChunks } from "./mock_upstream.ts";
 * import assert from "node:assert/strict";
 *
 * const chunks = mockCompletionChunks({ model: "m", messages: [{ role: "user", content: "hi you" }] });
 * assert.deepEqual(chunks.map((c) => c.choices[0]?.delta.content), ["", "Echo: ", "hi ", "you", undefined]);
 * assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, "stop");
 * ```
 */
export function mockCompletionChunks(request: MockChatRequest): MockChatCompletionChunk[] {
  const { id, created, model, usage, choices } = mockCompletion(request);
  const withUsage = request.stream_options?.include_usage === true;
  const chunk = (choice: MockChatCompletionChunk["choices"]): MockChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: choice,
    ...(withUsage ? { usage: null } : {}),
  });
  const chunks = [
    chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]),
    ...words(choices[0]!.message.content).map((word) =>
      chunk([{ index: 0, delta: { content: word }, finish_reason: null }])
    ),
    chunk([{ index: 0, delta: {}, finish_reason: "stop" }]),
  ];
  if (withUsage) chunks.push({ ...chunk([]), usage });
  return chunks;
}

// ---------------------------------------------------------------------------
// Shared by every kind

function messageText(message: MockChatMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => part?.type === "text" && typeof part.text === "string")
    .map((part) => part.text)
    .join(" ");
}

function answerText(messages: MockChatMessage[]): string {
  const lastUser = messages.findLast((m) => m.role === "user");
  return `Echo: ${lastUser ? messageText(lastUser) : ""}`;
}

function countTokens(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

function usageOf(messages: MockChatMessage[], content: string): MockUsage {
  const prompt = messages.reduce((n, m) => n + countTokens(messageText(m)), 0);
  const completion = countTokens(content);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A replacer that writes every object's keys sorted. */
function sortedKeys(_key: string, v: unknown): unknown {
  return v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A short id part: the first 24 hex digits of the SHA-256 of `value`'s JSON
 * with keys sorted, hashed a piece at a time (a request with an image inline
 * would otherwise be written whole, and encoded whole again for the hash).
 */
function digestOf(value: unknown): string {
  const hash = createHash("sha256");
  const json = jsonPieces(value, { replacer: sortedKeys });
  if (typeof json === "string") hash.update(json);
  else for (const chunk of json.chunks()) hash.update(chunk);
  return hash.digest("hex").slice(0, 24);
}

/** The words of `text` with their trailing whitespace, so they join back to `text`: a stream's deltas. */
function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

// ---------------------------------------------------------------------------
// Text completions

/** The fields of an OpenAI text completion request the mock's answer depends on. */
export interface MockTextCompletionRequest {
  model: string;
  prompt: string | string[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  [key: string]: unknown;
}

/** One choice of a text completion. */
export interface MockTextChoice {
  index: number;
  text: string;
  finish_reason: "stop" | null;
  logprobs: null;
}

/** A `text_completion` object (streamed chunks have the same shape, with the text cut into deltas). */
export interface MockTextCompletion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: MockTextChoice[];
  /** Always on the whole answer; on streamed chunks only with `stream_options.include_usage` (then `null` but on the last). */
  usage?: MockUsage | null;
}

function prompts(request: MockTextCompletionRequest): string[] {
  return typeof request.prompt === "string" ? [request.prompt] : request.prompt;
}

/**
 * The answer to a text completion: one choice per prompt, `"Echo: "` and
 * the prompt; `id` is `"cmpl-mock-"` and a digest of `{model, prompt}`;
 * tokens are counted as for chat (runs of non-whitespace).
 *
 * @example
 * ```ts
 * import { mockTextCompletion } from "./mock_answers.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = mockTextCompletion({ model: "gpt-3.5-turbo-instruct", prompt: ["one", "two three"] });
 * assert.deepEqual(answer.choices.map((c) => c.text), ["Echo: one", "Echo: two three"]);
 * assert.deepEqual(answer.usage, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
 * ```
 */
export function mockTextCompletion(request: MockTextCompletionRequest): MockTextCompletion {
  const texts = prompts(request).map((p) => `Echo: ${p}`);
  const prompt = prompts(request).reduce((n, p) => n + countTokens(p), 0);
  const completion = texts.reduce((n, t) => n + countTokens(t), 0);
  return {
    id: `cmpl-mock-${digestOf({ model: request.model, prompt: request.prompt })}`,
    object: "text_completion",
    created: MOCK_CREATED,
    model: request.model,
    choices: texts.map((text, index) => ({ index, text, finish_reason: "stop", logprobs: null })),
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

/**
 * The chunks of a streamed text completion, each sent as `data: <json>` and
 * followed by `data: [DONE]`: for each choice one chunk per word of its
 * text, then one with `finish_reason: "stop"`; then, with
 * `stream_options.include_usage`, a chunk with no choices and the usage.
 */
export function mockTextCompletionChunks(request: MockTextCompletionRequest): MockTextCompletion[] {
  const { id, created, model, usage, choices } = mockTextCompletion(request);
  const withUsage = request.stream_options?.include_usage === true;
  const chunk = (c: MockTextChoice[]): MockTextCompletion => ({
    id,
    object: "text_completion",
    created,
    model,
    choices: c,
    ...(withUsage ? { usage: null } : {}),
  });
  const chunks = choices.flatMap(({ index, text }) => [
    ...words(text).map((w) => chunk([{ index, text: w, finish_reason: null, logprobs: null }])),
    chunk([{ index, text: "", finish_reason: "stop", logprobs: null }]),
  ]);
  if (withUsage) chunks.push({ ...chunk([]), usage: usage ?? null });
  return chunks;
}

// ---------------------------------------------------------------------------
// The Responses API

/** An input item of a Responses API request: a message (with or without `type: "message"`) or anything else. */
export interface MockResponsesItem {
  type?: string;
  role?: string;
  content?: string | MockContentPart[] | null;
  [key: string]: unknown;
}

/** The fields of a Responses API request the mock's answer depends on. */
export interface MockResponsesRequest {
  model: string;
  input: string | MockResponsesItem[];
  stream?: boolean;
  [key: string]: unknown;
}

/** A Responses API answer (`object: "response"`) with one assistant message. */
export interface MockResponse {
  id: string;
  object: "response";
  created_at: number;
  status: "completed";
  model: string;
  output: {
    type: "message";
    id: string;
    status: "completed";
    role: "assistant";
    content: { type: "output_text"; text: string; annotations: unknown[] }[];
  }[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  [key: string]: unknown;
}

/** The text of a Responses API message's content: a string, or its `input_text`/`output_text` blocks joined with a space. */
function itemText(item: MockResponsesItem): string {
  const { content } = item;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => (part?.type === "input_text" || part?.type === "output_text") && typeof part.text === "string")
    .map((part) => part.text)
    .join(" ");
}

/**
 * The answer to a Responses API request: one assistant message whose text
 * is `"Echo: "` and the last user message's text (a string input is one
 * user message); `id` is `"resp-mock-"` and a digest of `{model, input}`,
 * the message's `"msg-mock-"` and the same digest; `input_tokens` count the
 * text of every message item, `output_tokens` the answer.
 *
 * @example
 * ```ts
 * import { mockResponse } from "./mock_answers.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = mockResponse({ model: "gpt-4o", input: [{ role: "user", content: [{ type: "input_text", text: "hi there" }] }] });
 * assert.equal(answer.output[0]?.content[0]?.text, "Echo: hi there");
 * assert.deepEqual(answer.usage, { input_tokens: 2, output_tokens: 3, total_tokens: 5 });
 * ```
 */
export function mockResponse(request: MockResponsesRequest): MockResponse {
  const items = typeof request.input === "string" ? [{ role: "user", content: request.input }] : request.input;
  const messages = items.filter((i) => isObject(i) && (i.type === undefined || i.type === "message"));
  const lastUser = messages.findLast((m) => m.role === "user");
  const text = `Echo: ${lastUser ? itemText(lastUser) : ""}`;
  const digest = digestOf({ model: request.model, input: request.input });
  const input = messages.reduce((n, m) => n + countTokens(itemText(m)), 0);
  const output = countTokens(text);
  return {
    id: `resp-mock-${digest}`,
    object: "response",
    created_at: MOCK_CREATED,
    status: "completed",
    model: request.model,
    output: [{
      type: "message",
      id: `msg-mock-${digest}`,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    }],
    usage: { input_tokens: input, output_tokens: output, total_tokens: input + output },
  };
}

/**
 * The events of a streamed Responses API answer, each sent as
 * `event: <type>` and `data: <json>` (no `[DONE]`): `response.created`,
 * `response.in_progress`, the message's `response.output_item.added` and
 * `response.content_part.added`, one `response.output_text.delta` per word,
 * `response.output_text.done`, `response.content_part.done`,
 * `response.output_item.done`, and `response.completed` with
 * {@link mockResponse}'s answer.
 */
export function mockResponseEvents(request: MockResponsesRequest): Record<string, unknown>[] {
  return responsesEvents(mockResponse(request) as unknown as Record<string, unknown>, words);
}

// ---------------------------------------------------------------------------
// Embeddings

/** The fields of an embeddings request the mock's answer depends on. */
export interface MockEmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  [key: string]: unknown;
}

/** An embeddings answer. */
export interface MockEmbeddings {
  object: "list";
  data: { object: "embedding"; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The vector length when the request names none. */
export const MOCK_EMBEDDING_DIMENSIONS = 8;

function embeddingInputs(input: MockEmbeddingRequest["input"]): (string | number[])[] {
  if (typeof input === "string") return [input];
  if (input.every((x) => typeof x === "number")) return [input as number[]];
  return input as (string | number[])[];
}

/** A unit-free vector in [-1, 1] from SHA-256 of the model and the input, `dims` long. */
function vectorOf(model: string, input: string | number[], dims: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dims; block++) {
    const bytes = createHash("sha256").update(JSON.stringify([model, input, block])).digest();
    for (const b of bytes) if (out.length < dims) out.push(Math.round((b / 127.5 - 1) * 1e6) / 1e6);
  }
  return out;
}

/** Float32 little-endian bytes in base64, as OpenAI's `encoding_format: "base64"` sends them. */
function base64Floats(vector: number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * The answer to an embeddings request: one vector per input (a string, or
 * a token array), `dimensions` long (default
 * {@link MOCK_EMBEDDING_DIMENSIONS}), derived from the model and the input,
 * as floats or, with `encoding_format: "base64"` (the `openai` client's
 * default), base64 of float32s; tokens are words of strings and entries of
 * token arrays.
 *
 * @example
 * ```ts
 * import { mockEmbeddings } from "./mock_answers.ts";
 * import assert from "node:assert/strict";
 *
 * const answer = mockEmbeddings({ model: "text-embedding-3-small", input: ["a b", "c"], dimensions: 4 });
 * assert.equal(answer.data.length, 2);
 * assert.equal((answer.data[0]?.embedding as number[]).length, 4);
 * assert.deepEqual(answer.usage, { prompt_tokens: 3, total_tokens: 3 });
 * ```
 */
export function mockEmbeddings(request: MockEmbeddingRequest): MockEmbeddings {
  const inputs = embeddingInputs(request.input);
  const dims = request.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  const tokens = inputs.reduce((n, i) => n + (typeof i === "string" ? countTokens(i) : i.length), 0);
  return {
    object: "list",
    data: inputs.map((input, index) => {
      const vector = vectorOf(request.model, input, dims);
      return {
        object: "embedding",
        index,
        embedding: request.encoding_format === "base64" ? base64Floats(vector) : vector,
      };
    }),
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

// ---------------------------------------------------------------------------
// Models

/** The model list `GET /v1/models` answers: {@link MOCK_MODELS}. */
export function mockModels(): {
  object: "list";
  data: { id: string; object: "model"; created: number; owned_by: string }[];
} {
  return {
    object: "list",
    data: MOCK_MODELS.map((id) => ({ id, object: "model", created: MOCK_CREATED, owned_by: "bifrost-as-mock" })),
  };
}

// ---------------------------------------------------------------------------
// Which requests the mock answers

/** What is wrong with a request body: a message and the offending parameter. */
export interface RequestProblem {
  message: string;
  param: string | null;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/**
 * Why a parsed body is not a request the mock answers on `path`, or
 * `undefined`: a JSON object with a non-empty `model` string and the
 * endpoint's input (`messages`, `prompt` or `input`) in a shape OpenAI
 * accepts.
 */
export function requestProblem(path: string, body: unknown): RequestProblem | undefined {
  if (!isObject(body)) return { message: "The request body must be a JSON object", param: null };
  if (typeof body.model !== "string" || body.model === "") {
    return { message: `Invalid "model": expected a non-empty string`, param: "model" };
  }
  if (body.stream !== undefined && typeof body.stream !== "boolean") {
    return { message: `Invalid "stream": expected a boolean`, param: "stream" };
  }
  switch (path) {
    case "/v1/chat/completions":
      return chatRequestProblem(body);
    case "/v1/completions": {
      const { prompt } = body;
      if (typeof prompt === "string" || (isStrings(prompt) && prompt.length > 0)) return undefined;
      return { message: `Invalid "prompt": expected a string or a non-empty array of strings`, param: "prompt" };
    }
    case "/v1/responses": {
      const { input } = body;
      if (typeof input === "string" || (Array.isArray(input) && input.every(isObject))) return undefined;
      return { message: `Invalid "input": expected a string or an array of input items`, param: "input" };
    }
    case "/v1/embeddings": {
      const { input, dimensions, encoding_format: format } = body;
      const ok = typeof input === "string" || isStrings(input) || isInts(input) ||
        (Array.isArray(input) && input.every(isInts));
      if (!ok || (Array.isArray(input) && input.length === 0)) {
        return { message: `Invalid "input": expected a string, strings, or token arrays`, param: "input" };
      }
      if (
        dimensions !== undefined &&
        !(Number.isInteger(dimensions) && (dimensions as number) >= 1 && (dimensions as number) <= 4096)
      ) {
        return { message: `Invalid "dimensions": expected an integer from 1 to 4096`, param: "dimensions" };
      }
      if (format !== undefined && format !== "float" && format !== "base64") {
        return { message: `Invalid "encoding_format": expected "float" or "base64"`, param: "encoding_format" };
      }
      return undefined;
    }
  }
  return undefined;
}

/** Why a parsed chat body is not a request the mock answers, or `undefined`. */
function chatRequestProblem(body: Record<string, unknown>): RequestProblem | undefined {
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    return { message: `Invalid "messages": expected a non-empty array`, param: "messages" };
  }
  const bad = messages.findIndex((m) => !isObject(m) || typeof m.role !== "string");
  if (bad >= 0) {
    return { message: `Invalid "messages[${bad}]": expected an object with a "role" string`, param: "messages" };
  }
  return undefined;
}
