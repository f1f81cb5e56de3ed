/**
 * Which request kind a pre_hook or post_hook input is, by the rules the
 * AssemblyScript SDK follows (`assembly/sdk/kinds.ts`; both are described in
 * `docs/abi-request-kinds.md`): the context key
 * `bifrost-http-request-type`, then a wrapper key (`chat_request`,
 * `ChatRequest`, ... / `chat_response`, ...), then a `RequestType` field,
 * then the shape. The fuzzer's model of hello-world uses it, and a test
 * written in Deno can ask what a plugin built on the SDK will see.
 *
 * @example
 * ```ts
 * import { requestKindOf, responseKindOf } from "./request_kinds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(requestKindOf({}, { model: "m", input: [{ type: "message", role: "user", content: "hi" }] }).kind, "responses");
 * assert.equal(requestKindOf({ "bifrost-http-request-type": "embedding" }, { model: "m", input: "hi" }).kind, "embedding");
 * assert.equal(requestKindOf({}, { text_completion_request: { model: "m", input: "hi" } }).kind, "text_completion");
 * assert.equal(responseKindOf({ object: "response", model: "m", output: [] }).kind, "responses");
 * ```
 *
 * @module
 */
import { type EmbeddingContentPart, REQUEST_TYPE_KEY, type ResponsesItem } from "./hook_types.ts";

/** A request kind by the SDK's name for it. */
export type RequestKindName = "unknown" | "chat" | "text_completion" | "responses" | "embedding" | "list_models";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The kinds in wrapper order; each has a snake_case and a Go field name, for requests and for responses. */
const WRAPPED: [RequestKindName, string, string][] = [
  ["chat", "chat", "Chat"],
  ["text_completion", "text_completion", "TextCompletion"],
  ["responses", "responses", "Responses"],
  ["embedding", "embedding", "Embedding"],
  ["list_models", "list_models", "ListModels"],
];

const wrapperKeys = (suffix: "request" | "response"): [string, RequestKindName][] =>
  WRAPPED.flatMap(([kind, snake, go]) => [
    [`${snake}_${suffix}`, kind],
    [`${go}${suffix === "request" ? "Request" : "Response"}`, kind],
  ]);

const REQUEST_WRAPPERS = wrapperKeys("request");
/** The answers' wrappers, then a streamed Responses API event's (post_hook runs once per streamed chunk). */
const STREAM_EVENT_WRAPPERS: [string, RequestKindName][] = [
  ["responses_stream_response", "responses"],
  ["ResponsesStreamResponse", "responses"],
];
const RESPONSE_WRAPPERS = [...wrapperKeys("response"), ...STREAM_EVENT_WRAPPERS];

/** Where an input's fields are and which kind it is; `problem` names a wrapper key holding a non-object. */
export interface KindReading {
  kind: RequestKindName;
  /** The object holding the fields: the wrapper's value, or the input itself when flat. */
  body: Json;
  /** The wrapper key, when there is one. */
  wrapper?: string;
  /** A wrapper key whose value is neither an object nor null (the SDK records it as a problem). */
  problem?: string;
}

/** Bifrost's RequestType values as kinds (`*_stream` included); any other string is `unknown`. */
export function kindOfRequestType(type: string): RequestKindName {
  switch (type) {
    case "chat_completion":
    case "chat_completion_stream":
      return "chat";
    case "text_completion":
    case "text_completion_stream":
      return "text_completion";
    case "responses":
    case "responses_stream":
      return "responses";
    case "embedding":
      return "embedding";
    case "list_models":
      return "list_models";
  }
  return "unknown";
}

function unwrap(o: Json, keys: [string, RequestKindName][]): { body: Json; wrapper?: string; problem?: string } {
  for (const [key] of keys) {
    // Own keys only: Go knows no field named after Object.prototype's members.
    const v = Object.hasOwn(o, key) ? o[key] : undefined;
    if (v === undefined || v === null) continue;
    return isObject(v) ? { body: v, wrapper: key } : { body: o, problem: key };
  }
  return { body: o };
}

function embeddingParams(body: Json): boolean {
  return isObject(body.params) &&
    (Object.hasOwn(body.params, "encoding_format") || Object.hasOwn(body.params, "dimensions"));
}

function shapeKind(body: Json): RequestKindName {
  const input = body.input;
  if (typeof input === "string") return embeddingParams(body) ? "embedding" : "text_completion";
  if (!Array.isArray(input) || input.length === 0) return "chat";
  const first = input[0];
  if (typeof first === "string") return embeddingParams(body) ? "embedding" : "text_completion";
  if (typeof first === "number" || Array.isArray(first)) return "embedding";
  return input.some((item) => isObject(item) && typeof item.type === "string") ? "responses" : "chat";
}

/**
 * Whether the client asked for a stream, as the SDK's `isStream` tells: the context's request type ends in `_stream`.
 *
 * @example
 * ```ts
 * import { isStreamRequest } from "./request_kinds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isStreamRequest({ "bifrost-http-request-type": "chat_completion_stream" }), true);
 * assert.equal(isStreamRequest({ "bifrost-http-request-type": "chat_completion" }), false);
 * assert.equal(isStreamRequest(null), false);
 * ```
 */
export function isStreamRequest(context: unknown): boolean {
  const type = isObject(context) ? context[REQUEST_TYPE_KEY] : undefined;
  return typeof type === "string" && type.endsWith("_stream");
}

/** The kind of a pre_hook input's request, read as the SDK reads it. */
export function requestKindOf(context: unknown, request: Json): KindReading {
  const flat = ["model", "input", "provider"].some((k) => Object.hasOwn(request, k));
  const at = flat ? { body: request } : unwrap(request, REQUEST_WRAPPERS);
  const type = isObject(context) ? context[REQUEST_TYPE_KEY] : undefined;
  if (typeof type === "string") return { ...at, kind: kindOfRequestType(type) };
  if (at.wrapper) return { ...at, kind: REQUEST_WRAPPERS.find(([k]) => k === at.wrapper)![1] };
  for (const key of ["RequestType", "request_type"]) {
    if (typeof request[key] === "string") return { ...at, kind: kindOfRequestType(request[key] as string) };
  }
  return { ...at, kind: shapeKind(at.body) };
}

/**
 * The kind of a post_hook input's response, read as the SDK reads it: its
 * wrapper key, or a flat answer's `object`. A streamed Responses API event
 * (`responses_stream_response`, or flat with a `response.*` type) is
 * `responses`, and its `body` is the answer the event carries (a fresh empty
 * object when it carries none).
 */
export function responseKindOf(response: Json): KindReading {
  const at = unwrap(response, RESPONSE_WRAPPERS);
  const event = STREAM_EVENT_WRAPPERS.some(([k]) => k === at.wrapper) ||
    (!at.wrapper && !Object.hasOwn(at.body, "object") && typeof at.body.type === "string" &&
      at.body.type.startsWith("response."));
  if (event) return { ...at, body: isObject(at.body.response) ? at.body.response : {}, kind: "responses" };
  if (at.wrapper) return { ...at, kind: RESPONSE_WRAPPERS.find(([k]) => k === at.wrapper)![1] };
  const object = at.body.object;
  if (object === "chat.completion" || object === "chat.completion.chunk") return { ...at, kind: "chat" };
  if (object === "text_completion") return { ...at, kind: "text_completion" };
  if (object === "response") return { ...at, kind: "responses" };
  if (object !== "list") return { ...at, kind: "unknown" };
  const first = Array.isArray(at.body.data) ? at.body.data[0] : undefined;
  return { ...at, kind: isObject(first) && first.object === "embedding" ? "embedding" : "list_models" };
}

/**
 * A Responses API input as Bifrost holds it: a string is one user message,
 * as Bifrost's OpenAI integration reads it [src]; items are kept as they are.
 *
 * @example
 * ```ts
 * import { responsesInputItems } from "./request_kinds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(responsesInputItems("Hi"), [{ type: "message", role: "user", content: "Hi" }]);
 * ```
 */
export function responsesInputItems(input: string | ResponsesItem[]): ResponsesItem[] {
  return typeof input === "string" ? [{ type: "message", role: "user", content: input }] : input;
}

/**
 * An embedding input in OpenAI's shapes (a string, strings, tokens, token
 * arrays) as the open-source core holds it since 2026: one array of parts
 * per input.
 *
 * @example
 * ```ts
 * import { embeddingInputItems } from "./request_kinds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(embeddingInputItems(["a", "b"]), [[{ type: "text", text: "a" }], [{ type: "text", text: "b" }]]);
 * assert.deepEqual(embeddingInputItems([1, 2]), [[{ type: "tokens", tokens: [1, 2] }]]);
 * ```
 */
export function embeddingInputItems(input: string | string[] | number[] | number[][]): EmbeddingContentPart[][] {
  if (typeof input === "string") return [[{ type: "text", text: input }]];
  if (input.every((x) => typeof x === "string")) return (input as string[]).map((text) => [{ type: "text", text }]);
  if (input.every((x) => typeof x === "number")) return [[{ type: "tokens", tokens: input as number[] }]];
  return (input as number[][]).map((tokens) => [{ type: "tokens", tokens }]);
}
