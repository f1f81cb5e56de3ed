/**
 * The request kinds the local gateway serves, one entry each: how a
 * client's OpenAI body becomes the Bifrost request the LLM hooks see, how
 * that request goes to the upstream, the `BifrostResponse` field its answer
 * travels in, and Bifrost's `RequestType` names (see
 * `docs/abi-request-kinds.md` for what is documented and what is a guess).
 * Private to the gateway.
 *
 * @module
 */
import type { BifrostRequest, BifrostResponse, RequestType } from "../abi/hook_types.ts";
import { embeddingInputItems, type RequestKindName, responsesInputItems } from "../abi/request_kinds.ts";

/** A request kind the gateway serves: every kind the SDK tells apart. */
export type KindName = Exclude<RequestKindName, "unknown">;

/** The fields of a Bifrost request a kind fills from the client's body, or why the body does not fit. */
type Parsed = { input?: unknown; params: Record<string, unknown> } | string;

/** One request kind. */
export interface KindSpec {
  name: KindName;
  /** `bifrost-http-request-type` for a plain and (when the kind streams) a streamed request. */
  requestType: RequestType;
  streamRequestType?: RequestType;
  /** The `BifrostResponse` field the kind's answers travel in. */
  responseKey: keyof BifrostResponse & string;
  /**
   * The field each streamed chunk travels in, to the post hook and in a
   * short-circuit of a streamed request (Go's `ChatResponse`,
   * `TextCompletionResponse`, `ResponsesStreamResponse` [src]; the names
   * beyond `chat_response` are a guess).
   */
  streamKey?: keyof BifrostResponse & string;
  /** The upstream endpoint, under the provider's base URL. */
  upstream: { method: "GET" | "POST"; path: string };
  /** How a stream ends: OpenAI's `data: [DONE]`, or (Responses API) a terminal event and the end of the body. */
  streamEnd?: "done" | "terminal-event";
  /** Reads the kind's fields from the client's body (model, stream and fallbacks are read already). */
  parse(body: Record<string, unknown>): Parsed;
  /** The OpenAI body for the upstream. */
  upstreamBody(request: BifrostRequest, stream: boolean): Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");
const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/** The body without the fields every kind reads itself: what remains are the request's params. */
function paramsOf(body: Record<string, unknown>, ...own: string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (k !== "model" && k !== "stream" && k !== "fallbacks" && !own.includes(k)) params[k] = v;
  }
  return params;
}

/** The upstream body: the params, the model, the kind's input field, and `stream` when set. */
function upstream(request: BifrostRequest, field: string, value: unknown, stream: boolean): Record<string, unknown> {
  const params = isObject(request.params) ? request.params : {};
  return { ...params, model: request.model, [field]: value, ...(stream ? { stream } : {}) };
}

/** An embedding input of any shape the SDK reads, back in OpenAI's form (strings, or token arrays). */
function openAiEmbeddingInput(input: unknown): unknown {
  if (!Array.isArray(input) || !input.every((item) => Array.isArray(item) || isObject(item))) return input;
  const parts = input.map((item) => (isObject(item) && Array.isArray(item.content) ? item.content : item) as unknown[]);
  if (parts.every((p) => p.length === 1 && isObject(p[0]) && typeof p[0].text === "string")) {
    return parts.map((p) => (p[0] as { text: string }).text);
  }
  if (parts.every((p) => p.length === 1 && isObject(p[0]) && isInts(p[0].tokens))) {
    return parts.map((p) => (p[0] as { tokens: number[] }).tokens);
  }
  return input;
}

/** Every kind, by name. */
export const KINDS: Record<KindName, KindSpec> = {
  chat: {
    name: "chat",
    requestType: "chat_completion",
    streamRequestType: "chat_completion_stream",
    responseKey: "chat_response",
    streamKey: "chat_response",
    upstream: { method: "POST", path: "/v1/chat/completions" },
    streamEnd: "done",
    parse(body) {
      const { messages } = body;
      if (!Array.isArray(messages)) return 'Field "messages" must be an array';
      const bad = messages.findIndex((m) => !isObject(m));
      if (bad >= 0) return `Field "messages[${bad}]" must be an object`;
      return { input: messages, params: paramsOf(body, "messages") };
    },
    upstreamBody: (request, stream) => upstream(request, "messages", request.input, stream),
  },
  text_completion: {
    name: "text_completion",
    requestType: "text_completion",
    streamRequestType: "text_completion_stream",
    responseKey: "text_completion_response",
    streamKey: "text_completion_response",
    upstream: { method: "POST", path: "/v1/completions" },
    streamEnd: "done",
    parse(body) {
      const { prompt } = body;
      if (typeof prompt !== "string" && !isStrings(prompt)) {
        return 'Field "prompt" must be a string or an array of strings';
      }
      return { input: prompt, params: paramsOf(body, "prompt") };
    },
    upstreamBody: (request, stream) => upstream(request, "prompt", request.input, stream),
  },
  responses: {
    name: "responses",
    requestType: "responses",
    streamRequestType: "responses_stream",
    responseKey: "responses_response",
    streamKey: "responses_stream_response",
    upstream: { method: "POST", path: "/v1/responses" },
    streamEnd: "terminal-event",
    parse(body) {
      const { input } = body;
      // A string is one user message, as Bifrost's OpenAI integration reads it.
      if (typeof input === "string") {
        return { input: responsesInputItems(input), params: paramsOf(body, "input") };
      }
      if (!Array.isArray(input)) return 'Field "input" must be a string or an array of input items';
      const bad = input.findIndex((item) => !isObject(item));
      if (bad >= 0) return `Field "input[${bad}]" must be an object`;
      return { input, params: paramsOf(body, "input") };
    },
    upstreamBody: (request, stream) => upstream(request, "input", request.input, stream),
  },
  embedding: {
    name: "embedding",
    requestType: "embedding",
    responseKey: "embedding_response",
    upstream: { method: "POST", path: "/v1/embeddings" },
    parse(body) {
      const { input } = body;
      const ok = typeof input === "string" || isStrings(input) || isInts(input) ||
        (Array.isArray(input) && input.every(isInts));
      if (!ok || (Array.isArray(input) && input.length === 0)) {
        return 'Field "input" must be a string, an array of strings, or token arrays';
      }
      return { input: embeddingInputItems(input as string), params: paramsOf(body, "input") };
    },
    upstreamBody: (request) => upstream(request, "input", openAiEmbeddingInput(request.input), false),
  },
  list_models: {
    name: "list_models",
    requestType: "list_models",
    responseKey: "list_models_response",
    upstream: { method: "GET", path: "/v1/models" },
    parse: () => ({ params: {} }),
    upstreamBody: () => ({}),
  },
};
