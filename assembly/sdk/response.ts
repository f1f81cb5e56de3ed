// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Chat response types: BifrostResponse, BifrostChatResponse, ResponseChoice,
// LLMUsage; BifrostResponse also tells which kind of answer it holds
// (kinds.ts) and wraps the other kinds' answers.
import { JsonList, JsonObject } from "./json";
import { ChatMessage } from "./chat";
import { LLMAnswer, LLMChoice, LLMUsage } from "./common";
import { EmbeddingResponse } from "./embedding";
import {
  detectResponseKind,
  isResponsesEvent,
  KindedObject,
  RequestKind,
  responseBody,
  responseKey,
  streamKey,
} from "./kinds";
import { ListModelsResponse } from "./models";
import { ResponsesResponse, ResponsesStreamEvent, ResponsesUsage } from "./responses";
import { TextCompletionResponse } from "./text_completion";

/** One choice of a chat response. */
export class ResponseChoice extends LLMChoice {
  get message(): ChatMessage | null {
    return this.getObject<ChatMessage>("message");
  }
  set message(m: ChatMessage | null) {
    this.setNode("message", m);
  }
  /** The delta of a streamed choice. */
  get delta(): ChatMessage | null {
    return this.getObject<ChatMessage>("delta");
  }
  set delta(m: ChatMessage | null) {
    this.setNode("delta", m);
  }
}

/** An OpenAI-style chat completion. */
export class BifrostChatResponse extends LLMAnswer {
  get choices(): JsonList<ResponseChoice> {
    return new JsonList<ResponseChoice>(this.getOrCreateArray("choices"));
  }
  get usage(): LLMUsage | null {
    return this.getObject<LLMUsage>("usage");
  }
  set usage(u: LLMUsage | null) {
    this.setNode("usage", u);
  }
  get created(): i64 {
    return this.getIntOr("created", 0);
  }
  get object(): string {
    return this.getStringOr("object", "");
  }
}

/**
 * The response envelope: one field per response kind (`chat_response`
 * [doc]; `text_completion_response`, `responses_response`,
 * `embedding_response`, `list_models_response` [guess]), or, tolerated, a
 * flat answer. {@link requestKind} says which; the typed getters read it.
 *
 * For a streamed request post_hook gets one envelope per chunk [src]: a
 * `chat.completion.chunk` in `chat_response`, a text completion chunk in
 * `text_completion_response`, a Responses API event in
 * `responses_stream_response` [guess] ({@link streamEvent}; its answer, when
 * it carries one, is what {@link model} and {@link responsesResponse} read).
 */
export class BifrostResponse extends JsonObject {
  /** Where the answer's fields are (see kinds.ts); looked up each time, so it follows changes. */
  private located(): KindedObject {
    return responseBody(this);
  }

  /** Which kind of answer this is: by its wrapper key, or a flat answer's `object`; Unknown otherwise. */
  get requestKind(): RequestKind {
    return detectResponseKind(this.located());
  }

  /**
   * The answer's own object (the wrapper's value, or this when flat; a
   * Responses event's `response`); null when the kind is Unknown or the
   * event carries no answer.
   */
  get body(): JsonObject | null {
    const at = this.located();
    if (isResponsesEvent(at)) return at.body.getObject<JsonObject>("response");
    return detectResponseKind(at) == RequestKind.Unknown ? null : at.body;
  }

  /** The streamed Responses API event this envelope holds, or null when it holds something else. */
  get streamEvent(): ResponsesStreamEvent | null {
    const at = this.located();
    return isResponsesEvent(at) ? at.body.as<ResponsesStreamEvent>() : null;
  }

  /**
   * Whether this is one chunk of a stream: a `chat.completion.chunk` or a
   * Responses API event. (A text completion chunk looks like a whole text
   * completion; `PostHookInput.isStream` tells from the context.)
   */
  get isStreamChunk(): bool {
    const at = this.located();
    if (isResponsesEvent(at)) return true;
    return detectResponseKind(at) == RequestKind.Chat && at.body.getStringOr("object", "") == "chat.completion.chunk";
  }

  /** The answer's model, whatever its kind ("" when it has none). */
  get model(): string {
    const body = this.body;
    return body === null ? "" : body.getStringOr("model", "");
  }
  /** Sets the answer's model (nothing to set when the kind is Unknown). */
  set model(v: string) {
    const body = this.body;
    if (body !== null) body.set<string>("model", v);
  }

  get chatResponse(): BifrostChatResponse | null {
    return this.getObject<BifrostChatResponse>("chat_response");
  }
  set chatResponse(r: BifrostChatResponse | null) {
    this.setNode("chat_response", r);
  }

  /** The text completion answer, when {@link requestKind} is TextCompletion. */
  get textCompletionResponse(): TextCompletionResponse | null {
    return this.requestKind == RequestKind.TextCompletion ? this.located().body.as<TextCompletionResponse>() : null;
  }
  /** The Responses API answer, when {@link requestKind} is Responses (a streamed event's `response`, if any). */
  get responsesResponse(): ResponsesResponse | null {
    if (this.requestKind != RequestKind.Responses) return null;
    const body = this.body;
    return body === null ? null : body.as<ResponsesResponse>();
  }
  /** The embeddings answer, when {@link requestKind} is Embedding. */
  get embeddingResponse(): EmbeddingResponse | null {
    return this.requestKind == RequestKind.Embedding ? this.located().body.as<EmbeddingResponse>() : null;
  }
  /** The model list, when {@link requestKind} is ListModels. */
  get listModelsResponse(): ListModelsResponse | null {
    return this.requestKind == RequestKind.ListModels ? this.located().body.as<ListModelsResponse>() : null;
  }

  /**
   * A complete text answer in the shape of `kind`: a chat completion (one
   * assistant message), a text completion (one choice) or a Responses API
   * answer (one output message), with usage; null for the kinds that do not
   * answer with text (embeddings, model lists, Unknown).
   *
   * With `stream` (pass `PreHookInput.isStream`), the answer takes the form
   * a client reads from a stream: Bifrost streams a short-circuit as one
   * chunk, exactly as given (docs/abi.md, Streams), so a chat answer is one
   * `chat.completion.chunk` whose `delta` holds the message, a text
   * completion stays as it is (its chunks have the same shape), and a
   * Responses API answer is one `response.completed` event carrying it, in
   * `responses_stream_response`.
   */
  static textAnswer(
    kind: RequestKind,
    id: string,
    model: string,
    text: string,
    promptTokens: i64,
    completionTokens: i64,
    stream: bool = false,
  ): BifrostResponse | null {
    const total = promptTokens + completionTokens;
    if (kind == RequestKind.TextCompletion) {
      const usage = LLMUsage.of(promptTokens, completionTokens, total);
      return BifrostResponse.ofTextCompletion(TextCompletionResponse.withText(id, model, text, usage));
    }
    if (kind == RequestKind.Responses) {
      const usage = ResponsesUsage.of(promptTokens, completionTokens, total);
      const answer = ResponsesResponse.withText(id, model, text, usage);
      return stream
        ? BifrostResponse.ofStreamChunk(kind, ResponsesStreamEvent.completed(answer))
        : BifrostResponse.ofResponses(answer);
    }
    if (kind != RequestKind.Chat) return null;
    const choice = new ResponseChoice();
    choice.index = 0;
    const message = ChatMessage.create("assistant", text);
    if (stream) choice.delta = message;
    else choice.message = message;
    choice.finishReason = "stop";
    const chat = new BifrostChatResponse();
    chat.id = id;
    if (stream) chat.set<string>("object", "chat.completion.chunk");
    chat.model = model;
    chat.choices.push(choice);
    chat.usage = LLMUsage.of(promptTokens, completionTokens, total);
    return BifrostResponse.ofChat(chat);
  }

  /** A response holding `answer` under the field of `kind` (Unknown: an empty response). */
  static of(kind: RequestKind, answer: JsonObject): BifrostResponse {
    const r = new BifrostResponse();
    if (kind != RequestKind.Unknown) r.setNode(responseKey(kind), answer);
    return r;
  }

  /**
   * A response holding one streamed chunk of `kind` in the field its chunks
   * travel in (`chat_response`, `text_completion_response`,
   * `responses_stream_response`); an empty response for the kinds that do
   * not stream.
   */
  static ofStreamChunk(kind: RequestKind, chunk: JsonObject): BifrostResponse {
    const r = new BifrostResponse();
    const key = streamKey(kind);
    if (key != "") r.setNode(key, chunk);
    return r;
  }

  static ofChat(chat: BifrostChatResponse): BifrostResponse {
    const r = new BifrostResponse();
    r.chatResponse = chat;
    return r;
  }

  static ofTextCompletion(answer: TextCompletionResponse): BifrostResponse {
    return BifrostResponse.of(RequestKind.TextCompletion, answer);
  }

  static ofResponses(answer: ResponsesResponse): BifrostResponse {
    return BifrostResponse.of(RequestKind.Responses, answer);
  }

  static ofEmbedding(answer: EmbeddingResponse): BifrostResponse {
    return BifrostResponse.of(RequestKind.Embedding, answer);
  }

  static ofListModels(answer: ListModelsResponse): BifrostResponse {
    return BifrostResponse.of(RequestKind.ListModels, answer);
  }
}
