// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Request kinds: which of Bifrost's request types a hook got (chat, text
// completion, Responses API, embeddings, model list), told from every signal
// the input carries, and where that kind's fields are.
//
// What the WASM host sends for a kind other than chat is not documented
// (docs/abi-request-kinds.md), so the SDK reads every shape it can imagine
// and keeps the JSON as it came. The signals, strongest first:
//
// 1. the context key `bifrost-http-request-type` (Bifrost's transport sets
//    it to the request's RequestType [src]; the local gateway sends it;
//    whether the WASM host serialises it is a guess);
// 2. a wrapper key in the request or response: `chat_request`,
//    `text_completion_request`, ... / `chat_response` (the seed names
//    `chat_response` [doc]; the others follow it [guess]), or Go's field
//    names `ChatRequest`, `TextCompletionResponse`, ... (Go's union structs
//    have no json tags [src]), or a `RequestType`/`request_type` field;
// 3. the shape: a flat request's `input` (messages, items with a `type`,
//    a prompt, token arrays) or a flat response's `object`.
//
// A request whose kind no signal names is Chat (the seed's shape); such a
// response is Unknown. Unknown passes through untouched.
//
// post_hook also runs once per streamed chunk [src]: a chat chunk
// (`object: "chat.completion.chunk"`) in `chat_response`, a text completion
// chunk in `text_completion_response`, a Responses API event in
// `responses_stream_response` (Go's `ResponsesStreamResponse`; the JSON name
// is a guess). An event's answer, when it has one, is its `response`.
import { BifrostContext } from "./context";
import { JsonKind, JsonObject } from "./json";

/** Which of Bifrost's request types a hook got. */
export enum RequestKind {
  /** Named by a signal as a type the SDK does not type (speech, images, ...), or a wrapper it does not know. */
  Unknown = 0,
  /** `POST /v1/chat/completions`: `input` is messages; answers are `chat_response`. */
  Chat = 1,
  /** `POST /v1/completions`: `input` is a prompt; answers are `text_completion_response` [guess]. */
  TextCompletion = 2,
  /** `POST /v1/responses`: `input` is Responses API items; answers are `responses_response` [guess]. */
  Responses = 3,
  /** `POST /v1/embeddings`: answers are `embedding_response` [guess]. */
  Embedding = 4,
  /** `GET /v1/models`: the request is `{provider}`; answers are `list_models_response` [guess]. */
  ListModels = 5,
}

/** The context key Bifrost's transport sets to the request's RequestType. */
export const REQUEST_TYPE_KEY = "bifrost-http-request-type";

/** A kind's name, as the local gateway's routes and the docs write it (`"chat"`, `"responses"`, ...). */
export function requestKindName(kind: RequestKind): string {
  switch (kind) {
    case RequestKind.Chat:
      return "chat";
    case RequestKind.TextCompletion:
      return "text_completion";
    case RequestKind.Responses:
      return "responses";
    case RequestKind.Embedding:
      return "embedding";
    case RequestKind.ListModels:
      return "list_models";
    default:
      return "unknown";
  }
}

/** The kind of one of Bifrost's RequestType values (`chat_completion_stream` is Chat); Unknown for the others. */
export function kindOfRequestType(requestType: string): RequestKind {
  if (requestType == "chat_completion" || requestType == "chat_completion_stream") return RequestKind.Chat;
  if (requestType == "text_completion" || requestType == "text_completion_stream") return RequestKind.TextCompletion;
  if (requestType == "responses" || requestType == "responses_stream") return RequestKind.Responses;
  if (requestType == "embedding") return RequestKind.Embedding;
  if (requestType == "list_models") return RequestKind.ListModels;
  return RequestKind.Unknown;
}

// Wrapper keys, in the order they are looked for, and the kind each names.
const REQUEST_WRAPPERS: string[] = [
  "chat_request",
  "ChatRequest",
  "text_completion_request",
  "TextCompletionRequest",
  "responses_request",
  "ResponsesRequest",
  "embedding_request",
  "EmbeddingRequest",
  "list_models_request",
  "ListModelsRequest",
];
const RESPONSE_WRAPPERS: string[] = [
  "chat_response",
  "ChatResponse",
  "text_completion_response",
  "TextCompletionResponse",
  "responses_response",
  "ResponsesResponse",
  "embedding_response",
  "EmbeddingResponse",
  "list_models_response",
  "ListModelsResponse",
  // A streamed Responses API event (not an answer of its own kind): from this index on.
  "responses_stream_response",
  "ResponsesStreamResponse",
];
const FIRST_STREAM_WRAPPER: i32 = 10;
const WRAPPER_KINDS: RequestKind[] = [
  RequestKind.Chat,
  RequestKind.Chat,
  RequestKind.TextCompletion,
  RequestKind.TextCompletion,
  RequestKind.Responses,
  RequestKind.Responses,
  RequestKind.Embedding,
  RequestKind.Embedding,
  RequestKind.ListModels,
  RequestKind.ListModels,
  RequestKind.Responses,
  RequestKind.Responses,
];

/** The response field a kind's answers travel in. */
export function responseKey(kind: RequestKind): string {
  return kind == RequestKind.Unknown ? "" : unchecked(RESPONSE_WRAPPERS[(<i32> kind - 1) * 2]);
}

/**
 * The response field a kind's streamed chunks travel in: a Responses API
 * event in `responses_stream_response` [guess], a chat or text completion
 * chunk in its answer's field; "" for the kinds that do not stream.
 */
export function streamKey(kind: RequestKind): string {
  if (kind == RequestKind.Responses) return unchecked(RESPONSE_WRAPPERS[FIRST_STREAM_WRAPPER]);
  return kind == RequestKind.Chat || kind == RequestKind.TextCompletion ? responseKey(kind) : "";
}

/**
 * Where a request's or response's fields are: the object under the first
 * wrapper key present (`wrapper` is its index), or the object itself when
 * it is flat (`wrapper` is -1). A wrapper key holding something other than
 * an object (or null) is recorded as a problem.
 */
export class KindedObject {
  constructor(public body: JsonObject, public wrapper: i32) {}
}

function unwrap(o: JsonObject, keys: string[]): KindedObject {
  for (let i = 0; i < keys.length; i++) {
    const key = unchecked(keys[i]);
    const k = o.kind(key);
    if (k == JsonKind.Missing || k == JsonKind.Null) continue;
    // getObject records the problem when it is not an object.
    const inner = o.getObject<JsonObject>(key);
    return inner !== null ? new KindedObject(inner, i) : new KindedObject(o, -1);
  }
  return new KindedObject(o, -1);
}

/** Where a pre_hook request's fields are. A flat request (it has `model`, `input` or `provider`) is its own body. */
export function requestBody(request: JsonObject): KindedObject {
  if (request.has("model") || request.has("input") || request.has("provider")) return new KindedObject(request, -1);
  return unwrap(request, REQUEST_WRAPPERS);
}

/** Whether a flat request's params ask for embeddings (a prompt and an embedding input look alike). */
function embeddingParams(body: JsonObject): bool {
  if (body.kind("params") != JsonKind.Object) return false;
  const params = body.getObject<JsonObject>("params")!;
  return params.has("encoding_format") || params.has("dimensions");
}

/** The kind a flat request's shape says: items with a `type` are Responses, a prompt is text, tokens are embeddings. */
function requestShapeKind(body: JsonObject): RequestKind {
  const k = body.kind("input");
  if (k == JsonKind.String) return embeddingParams(body) ? RequestKind.Embedding : RequestKind.TextCompletion;
  if (k != JsonKind.Array) return RequestKind.Chat;
  const items = body.getArray("input")!;
  if (items.length == 0) return RequestKind.Chat;
  const first = items.kindAt(0);
  if (first == JsonKind.String) return embeddingParams(body) ? RequestKind.Embedding : RequestKind.TextCompletion;
  if (first == JsonKind.Number || first == JsonKind.Array) return RequestKind.Embedding;
  for (let i = 0; i < items.length; i++) {
    if (items.kindAt(i) != JsonKind.Object) continue;
    if (items.objectAt<JsonObject>(i)!.kind("type") == JsonKind.String) return RequestKind.Responses;
  }
  return RequestKind.Chat;
}

/** A pre_hook request's kind (see the module comment for the signals and their order). */
export function detectRequestKind(context: BifrostContext, request: JsonObject, at: KindedObject): RequestKind {
  if (context.kind(REQUEST_TYPE_KEY) == JsonKind.String) return kindOfRequestType(context.getString(REQUEST_TYPE_KEY));
  if (at.wrapper >= 0) return unchecked(WRAPPER_KINDS[at.wrapper]);
  for (let i = 0; i < 2; i++) {
    const key = i == 0 ? "RequestType" : "request_type";
    if (request.kind(key) == JsonKind.String) return kindOfRequestType(request.getString(key));
  }
  return requestShapeKind(at.body);
}

/** Where a post_hook response's fields are: the wrapper's object, or the response when it is flat. */
export function responseBody(response: JsonObject): KindedObject {
  return unwrap(response, RESPONSE_WRAPPERS);
}

/**
 * Whether a post_hook response is one streamed Responses API event: under
 * `responses_stream_response` (or Go's name), or flat with a `type` such as
 * `response.output_text.delta` and no `object`.
 */
export function isResponsesEvent(at: KindedObject): bool {
  if (at.wrapper >= FIRST_STREAM_WRAPPER) return true;
  if (at.wrapper >= 0 || at.body.has("object") || at.body.kind("type") != JsonKind.String) return false;
  return at.body.getString("type").startsWith("response.");
}

/** A response's kind: its wrapper key's, or what a flat response's `object` (or event `type`) says; Unknown otherwise. */
export function detectResponseKind(at: KindedObject): RequestKind {
  if (at.wrapper >= 0) return unchecked(WRAPPER_KINDS[at.wrapper]);
  const body = at.body;
  if (isResponsesEvent(at)) return RequestKind.Responses;
  if (body.kind("object") != JsonKind.String) return RequestKind.Unknown;
  const object = body.getString("object");
  if (object == "chat.completion" || object == "chat.completion.chunk") return RequestKind.Chat;
  if (object == "text_completion") return RequestKind.TextCompletion;
  if (object == "response") return RequestKind.Responses;
  if (object != "list") return RequestKind.Unknown;
  if (body.kind("data") == JsonKind.Array) {
    const data = body.getArray("data")!;
    if (data.length > 0 && data.kindAt(0) == JsonKind.Object) {
      const item = data.objectAt<JsonObject>(0)!;
      if (item.kind("object") == JsonKind.String && item.getString("object") == "embedding") {
        return RequestKind.Embedding;
      }
    }
  }
  return RequestKind.ListModels;
}
