// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// The input and output of every hook. Inputs are views of the JSON the host
// sends; outputs are written key by key (pre-encoded keys, the views inside
// them written as views, so they stay lossless).
import { writeJsonString } from "./strings";
import { ByteWriter } from "./writer";
import { BifrostContext } from "./context";
import { BifrostChatRequest } from "./chat";
import { EmbeddingRequest } from "./embedding";
import { detectRequestKind, KindedObject, REQUEST_TYPE_KEY, requestBody, RequestKind } from "./kinds";
import { ListModelsRequest } from "./models";
import { ResponsesRequest } from "./responses";
import { TextCompletionRequest } from "./text_completion";
import { BifrostError, LLMPluginShortCircuit } from "./error";
import { HTTPRequest, HTTPResponse } from "./http";
import { JsonKind, JsonNode, JsonObject } from "./json";
import { problem } from "./problems";
import { BifrostResponse } from "./response";

/**
 * UTF-8 of ASCII text, for what every output writes the same way: made once at
 * start, before any input, so it never splits the space a large input takes.
 */
function utf8(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

const NULL = utf8("null");
const TRUE = utf8("true");
const FALSE = utf8("false");
// `"key":` of every envelope key; the first key opens the object, the others follow a comma.
const K_CONTEXT = utf8('{"context":');
const K_REQUEST = utf8(',"request":');
const K_RESPONSE = utf8(',"response":');
const K_HAS_RESPONSE = utf8(',"has_response":');
const K_ERROR = utf8(',"error":');
const K_CHUNK = utf8(',"chunk":');
const K_HAS_CHUNK = utf8(',"has_chunk":');
const K_SKIP = utf8(',"skip":');
const K_SHORT_CIRCUIT = utf8(',"short_circuit":');
const K_HAS_SHORT_CIRCUIT = utf8(',"has_short_circuit":');
const K_HAS_ERROR = utf8(',"has_error":');
const K_HOOK_ERROR = utf8(',"hook_error":');

const NO_WRITER = new ByteWriter(0);

/** Writes an output envelope: keys in order (pre-encoded), then views, booleans and strings. Reused. */
class Envelope {
  private w: ByteWriter = NO_WRITER;
  begin(w: ByteWriter): Envelope {
    this.w = w;
    return this;
  }
  private raw(bytes: ArrayBuffer): void {
    this.w.bytes(changetype<usize>(bytes), bytes.byteLength);
  }
  node(key: ArrayBuffer, n: JsonNode | null): Envelope {
    this.raw(key);
    if (n === null) this.raw(NULL);
    else n.writeTo(this.w);
    return this;
  }
  flag(key: ArrayBuffer, b: bool): Envelope {
    this.raw(key);
    this.raw(b ? TRUE : FALSE);
    return this;
  }
  text(key: ArrayBuffer, s: string): Envelope {
    this.raw(key);
    writeJsonString(this.w, s);
    return this;
  }
  end(): void {
    this.w.byte(0x7d);
    this.w = NO_WRITER; // holds no output buffer past its call
  }
}

const envelope = new Envelope();

/**
 * A new view of `input` as the host sent it: a plugin's edits live in the
 * views it changed, never in the input's bytes, which the SDK keeps until the
 * host's next call. Indexes the input again: for the failure path only.
 */
function asSent<T extends HookInput>(input: HookInput): T {
  const o = input._owner;
  return JsonObject.over<T>(o._src!, o._start, o._end, o._tape)!;
}

/** Fields every hook input has. */
export class HookInput extends JsonObject {
  /** The request context (empty when the input had none). */
  get context(): BifrostContext {
    return this.getOrCreateObject<BifrostContext>("context");
  }

  /** A required object field; a problem when absent or not an object. */
  protected required<T extends JsonObject>(key: string): T {
    const o = this.getObject<T>(key);
    if (o !== null) return o;
    // getObject recorded any other kind.
    const k = this.kind(key);
    if (k == JsonKind.Missing || k == JsonKind.Null) problem(key + ": missing (expected object)");
    return instantiate<T>();
  }

  /** Reads the fields the SDK needs before the plugin runs (records problems). */
  check(): void {
    this.context;
  }
}

/** Fields every hook output has. */
export abstract class HookOutput {
  /** Values set here are merged into the request context (the input's context, pre-filled). */
  context!: BifrostContext;
  /** Writes the output JSON. */
  abstract writeTo(w: ByteWriter): void;
  /**
   * Turns this output into a pass-through of the input that reports
   * `message`: what the hook set is dropped, and what passes through (the
   * context, a chunk, an error) is read again from `input` as the host sent
   * it, since the hook may have changed those views in place. `input` is null
   * when it could not be read, and the output holds nothing of it yet.
   */
  abstract fail(message: string, input: HookInput | null): void;
}

// ---- HTTP pre hook (http_pre_hook, legacy http_intercept) ----

export class HTTPPreHookInput extends HookInput {
  get request(): HTTPRequest {
    return this.required<HTTPRequest>("request");
  }
  check(): void {
    super.check();
    this.request;
  }
}

export class HTTPPreHookOutput extends HookOutput {
  /** The changed request, or null for unchanged. */
  request: HTTPRequest | null = null;
  /** A response that ends the request here (see {@link respond}). */
  response: HTTPResponse | null = null;
  hasResponse: bool = false;
  /** Non-empty: the client gets HTTP 500 with this text. */
  error: string = "";

  /** Answers the client with `response`; the request goes no further. */
  respond(response: HTTPResponse): void {
    this.response = response;
    this.hasResponse = true;
  }

  fail(message: string, input: HookInput | null): void {
    if (input !== null) this.context = asSent<HTTPPreHookInput>(input).context;
    this.request = null;
    this.response = null;
    this.hasResponse = false;
    this.error = message;
  }

  writeTo(w: ByteWriter): void {
    envelope.begin(w)
      .node(K_CONTEXT, this.context)
      .node(K_REQUEST, this.request)
      .node(K_RESPONSE, this.response)
      .flag(K_HAS_RESPONSE, this.hasResponse)
      .text(K_ERROR, this.error)
      .end();
  }
}

// ---- HTTP post hook ----

export class HTTPPostHookInput extends HookInput {
  get request(): HTTPRequest {
    return this.required<HTTPRequest>("request");
  }
  get response(): HTTPResponse {
    return this.required<HTTPResponse>("response");
  }
  check(): void {
    super.check();
    this.response;
  }
}

export class HTTPPostHookOutput extends HookOutput {
  /** The changed response, or null for unchanged. */
  response: HTTPResponse | null = null;
  error: string = "";

  fail(message: string, input: HookInput | null): void {
    if (input !== null) this.context = asSent<HTTPPostHookInput>(input).context;
    this.response = null;
    this.error = message;
  }

  writeTo(w: ByteWriter): void {
    envelope.begin(w)
      .node(K_CONTEXT, this.context)
      .node(K_RESPONSE, this.response)
      .text(K_ERROR, this.error)
      .end();
  }
}

// ---- HTTP stream chunk hook ----

export class HTTPStreamChunkInput extends HookInput {
  get request(): HTTPRequest {
    return this.required<HTTPRequest>("request");
  }
  /** One OpenAI-style chunk object (no SSE framing). */
  get chunk(): JsonObject {
    return this.required<JsonObject>("chunk");
  }
  check(): void {
    super.check();
    this.chunk;
  }
}

export class HTTPStreamChunkOutput extends HookOutput {
  /** The chunk to send (the input's, unless replaced). */
  chunk: JsonObject | null = null;
  hasChunk: bool = true;
  /** Drops this chunk. */
  skip: bool = false;
  /** Non-empty without a chunk: ends the stream. */
  error: string = "";

  fail(message: string, input: HookInput | null): void {
    if (input !== null) {
      const sent = asSent<HTTPStreamChunkInput>(input);
      this.context = sent.context;
      this.chunk = sent.chunk;
    }
    // Without a chunk (an input without one), the error ends the stream.
    this.hasChunk = this.chunk !== null;
    this.skip = false;
    this.error = message;
  }

  writeTo(w: ByteWriter): void {
    envelope.begin(w)
      .node(K_CONTEXT, this.context)
      .node(K_CHUNK, this.chunk)
      .flag(K_HAS_CHUNK, this.hasChunk && this.chunk !== null)
      .flag(K_SKIP, this.skip)
      .text(K_ERROR, this.error)
      .end();
  }
}

// ---- LLM pre hook ----

/**
 * pre_hook's input. `request` is the request as it came (flat, the seed's
 * shape, for every kind from the local gateway); `requestKind` says which
 * kind it is and the typed getters read it, wherever its fields are (see
 * kinds.ts).
 */
export class PreHookInput extends HookInput {
  private at: KindedObject | null = null;

  /** The request as it came. For a chat request in the seed's shape, the request itself. */
  get request(): BifrostChatRequest {
    return this.required<BifrostChatRequest>("request");
  }

  /** Where the request's fields are (see kinds.ts); found once. */
  private located(): KindedObject {
    let at = this.at;
    if (at === null) {
      at = requestBody(this.request);
      this.at = at;
    }
    return at;
  }

  /** The object holding the request's fields: the request, or the object under its wrapper key. */
  get body(): JsonObject {
    return this.located().body;
  }

  /** Which kind of request this is: chat, text completion, Responses API, embeddings, model list, or Unknown. */
  get requestKind(): RequestKind {
    return detectRequestKind(this.context, this.request, this.located());
  }

  /**
   * Whether the client asked for a stream: the context's request type, or
   * the request's own `request_type` (`RequestType`), ends in `_stream`.
   * Bifrost's HTTP transport sets the context's by route (`chat_completion`
   * for a streamed chat too); the request's is the core's, which says
   * `chat_completion_stream`, and bifrost-as's loader sends it.
   */
  get isStream(): bool {
    const type = this.context.getStringValue(REQUEST_TYPE_KEY);
    if (type !== null && type.endsWith("_stream")) return true;
    const request = this.request;
    for (let i = 0; i < 2; i++) {
      const key = i == 0 ? "request_type" : "RequestType";
      if (request.kind(key) == JsonKind.String && request.getString(key).endsWith("_stream")) return true;
    }
    return false;
  }

  /** The model, whatever the kind ("" for a model list). */
  get model(): string {
    return this.body.getStringOr("model", "");
  }

  /** The provider, whatever the kind. */
  get provider(): string {
    return this.body.getStringOr("provider", "");
  }

  /** The chat request, when {@link requestKind} is Chat. */
  get chatRequest(): BifrostChatRequest | null {
    return this.requestKind == RequestKind.Chat ? this.body.as<BifrostChatRequest>() : null;
  }
  /** The text completion request, when {@link requestKind} is TextCompletion. */
  get textCompletionRequest(): TextCompletionRequest | null {
    return this.requestKind == RequestKind.TextCompletion ? this.body.as<TextCompletionRequest>() : null;
  }
  /** The Responses API request, when {@link requestKind} is Responses. */
  get responsesRequest(): ResponsesRequest | null {
    return this.requestKind == RequestKind.Responses ? this.body.as<ResponsesRequest>() : null;
  }
  /** The embeddings request, when {@link requestKind} is Embedding. */
  get embeddingRequest(): EmbeddingRequest | null {
    return this.requestKind == RequestKind.Embedding ? this.body.as<EmbeddingRequest>() : null;
  }
  /** The model list request, when {@link requestKind} is ListModels. */
  get listModelsRequest(): ListModelsRequest | null {
    return this.requestKind == RequestKind.ListModels ? this.body.as<ListModelsRequest>() : null;
  }

  check(): void {
    super.check();
    const r = this.body;
    r.expectKind("provider", JsonKind.String, true);
    r.expectKind("model", JsonKind.String, true);
  }
}

export class PreHookOutput extends HookOutput {
  /** The changed request, or null for unchanged. */
  request: BifrostChatRequest | null = null;
  shortCircuit: LLMPluginShortCircuit | null = null;
  hasShortCircuit: bool = false;
  error: string = "";

  /** Answers with `response` without calling the provider. */
  respond(response: BifrostResponse): void {
    this.shortCircuit = LLMPluginShortCircuit.ofResponse(response);
    this.hasShortCircuit = true;
  }

  /** Fails the request with `error` (its status_code becomes the HTTP status). */
  reject(error: BifrostError): void {
    this.shortCircuit = LLMPluginShortCircuit.ofError(error);
    this.hasShortCircuit = true;
  }

  fail(message: string, input: HookInput | null): void {
    if (input !== null) this.context = asSent<PreHookInput>(input).context;
    this.request = null;
    this.shortCircuit = null;
    this.hasShortCircuit = false;
    this.error = message;
  }

  writeTo(w: ByteWriter): void {
    envelope.begin(w)
      .node(K_CONTEXT, this.context)
      .node(K_REQUEST, this.request)
      .node(K_SHORT_CIRCUIT, this.shortCircuit)
      .flag(K_HAS_SHORT_CIRCUIT, this.hasShortCircuit)
      .text(K_ERROR, this.error)
      .end();
  }
}

// ---- LLM post hook ----

export class PostHookInput extends HookInput {
  get hasError(): bool {
    return this.getBoolOr("has_error", false);
  }
  /**
   * Whether this call is for one chunk of a streamed answer: post_hook runs
   * once per chunk of a stream [src]. Told from the context's request type
   * (`*_stream`), or, without it, from the response's shape.
   */
  get isStream(): bool {
    const type = this.context.getStringValue(REQUEST_TYPE_KEY);
    if (type !== null) return type.endsWith("_stream");
    const response = this.response;
    return response !== null && response.isStreamChunk;
  }
  /** The response, or null (e.g. when the call failed). */
  get response(): BifrostResponse | null {
    return this.getObject<BifrostResponse>("response");
  }
  /** The error, or null when the call succeeded. */
  get error(): BifrostError | null {
    return this.getObject<BifrostError>("error");
  }
  check(): void {
    super.check();
    if (this.hasError) {
      if (this.error === null) problem("error: missing while has_error is true");
    } else {
      this.response;
    }
  }
}

export class PostHookOutput extends HookOutput {
  /** The changed response, or null for unchanged. */
  response: BifrostResponse | null = null;
  /** The error to return, when {@link hasError}. */
  error: BifrostError | null = null;
  hasError: bool = false;
  /** Logged by the gateway as a warning; changes nothing for the client. */
  hookError: string = "";

  fail(message: string, input: HookInput | null): void {
    if (input !== null) {
      const sent = asSent<PostHookInput>(input);
      this.context = sent.context;
      this.hasError = sent.hasError;
      this.error = sent.hasError ? sent.error : null;
    }
    this.response = null;
    this.hookError = message;
  }

  writeTo(w: ByteWriter): void {
    envelope.begin(w)
      .node(K_CONTEXT, this.context)
      .node(K_RESPONSE, this.response)
      .node(K_ERROR, this.error)
      .flag(K_HAS_ERROR, this.hasError)
      .text(K_HOOK_ERROR, this.hookError)
      .end();
  }
}
