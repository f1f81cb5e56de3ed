// What every request kind's request and answer have: LLMRequest (provider,
// model, fallbacks), LLMAnswer (id, model), LLMChoice (index,
// finish_reason) and LLMUsage (token counts), and Fallback. Go's request
// structs all carry `provider`, `model`, `input`, `params`, `fallbacks`
// [src]; each kind's class adds its own `input` and `params`.
import { JsonList, JsonObject } from "./json";

/** A fallback provider/model pair. */
export class Fallback extends JsonObject {
  get provider(): string {
    return this.getStringOr("provider", "");
  }
  get model(): string {
    return this.getStringOr("model", "");
  }
}

/** The fields every kind's request has. */
export class LLMRequest extends JsonObject {
  get provider(): string {
    return this.getStringOr("provider", "");
  }
  set provider(v: string) {
    this.set<string>("provider", v);
  }

  get model(): string {
    return this.getStringOr("model", "");
  }
  set model(v: string) {
    this.set<string>("model", v);
  }

  get fallbacks(): JsonList<Fallback> | null {
    const a = this.getArray("fallbacks");
    return a === null ? null : new JsonList<Fallback>(a);
  }
}

/** The fields every kind's choice has (chat, text completion). */
export class LLMChoice extends JsonObject {
  get index(): i64 {
    return this.getIntOr("index", 0);
  }
  set index(v: i64) {
    this.set<i64>("index", v);
  }
  get finishReason(): string | null {
    return this.getStringOrNull("finish_reason");
  }
  set finishReason(v: string | null) {
    this.set<string | null>("finish_reason", v);
  }
}

/** The fields every kind's answer with an id has (chat, text completion, Responses API). */
export class LLMAnswer extends JsonObject {
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
}

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
