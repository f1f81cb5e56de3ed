// Chat response types: BifrostResponse, BifrostChatResponse, ResponseChoice, LLMUsage.
import { JsonList, JsonObject } from "./json";
import { ChatMessage } from "./chat";

/** Token usage. */
export class LLMUsage extends JsonObject {
  get promptTokens(): i64 {
    return this.getIntOr("prompt_tokens", 0);
  }
  get completionTokens(): i64 {
    return this.getIntOr("completion_tokens", 0);
  }
  get totalTokens(): i64 {
    return this.getIntOr("total_tokens", 0);
  }

  static of(prompt: i64, completion: i64, total: i64): LLMUsage {
    const u = new LLMUsage();
    u.set<i64>("prompt_tokens", prompt);
    u.set<i64>("completion_tokens", completion);
    u.set<i64>("total_tokens", total);
    return u;
  }
}

/** One choice of a chat response. */
export class ResponseChoice extends JsonObject {
  get index(): i64 {
    return this.getIntOr("index", 0);
  }
  set index(v: i64) {
    this.set<i64>("index", v);
  }
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
  get finishReason(): string | null {
    return this.getStringOrNull("finish_reason");
  }
  set finishReason(v: string | null) {
    if (v === null) this.setNull("finish_reason");
    else this.set<string>("finish_reason", v);
  }
}

/** An OpenAI-style chat completion. */
export class BifrostChatResponse extends JsonObject {
  get id(): string {
    return this.getStringOr("id", "");
  }
  set id(v: string) {
    this.set<string>("id", v);
  }
  get model(): string {
    return this.getStringOr("model", "");
  }
  set model(v: string) {
    this.set<string>("model", v);
  }
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

/** The response envelope (one field per response kind; chat is the one typed here). */
export class BifrostResponse extends JsonObject {
  get chatResponse(): BifrostChatResponse | null {
    return this.getObject<BifrostChatResponse>("chat_response");
  }
  set chatResponse(r: BifrostChatResponse | null) {
    this.setNode("chat_response", r);
  }

  static ofChat(chat: BifrostChatResponse): BifrostResponse {
    const r = new BifrostResponse();
    r.chatResponse = chat;
    return r;
  }
}
