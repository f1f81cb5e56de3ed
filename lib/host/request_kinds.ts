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
import { REQUEST_TYPE_KEY } from "./hook_types.ts";

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
const RESPONSE_WRAPPERS = wrapperKeys("response");

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

/** The kind of a post_hook input's response, read as the SDK reads it: its wrapper key, or a flat answer's `object`. */
export function responseKindOf(response: Json): KindReading {
  const at = unwrap(response, RESPONSE_WRAPPERS);
  if (at.wrapper) return { ...at, kind: RESPONSE_WRAPPERS.find(([k]) => k === at.wrapper)![1] };
  const object = at.body.object;
  if (object === "chat.completion") return { ...at, kind: "chat" };
  if (object === "text_completion") return { ...at, kind: "text_completion" };
  if (object === "response") return { ...at, kind: "responses" };
  if (object !== "list") return { ...at, kind: "unknown" };
  const first = Array.isArray(at.body.data) ? at.body.data[0] : undefined;
  return { ...at, kind: isObject(first) && first.object === "embedding" ? "embedding" : "list_models" };
}
