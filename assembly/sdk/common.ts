// What every request kind's request and answer have: LLMRequest (provider,
// model, fallbacks), LLMAnswer (id, model) and LLMChoice (index,
// finish_reason), and Fallback. Go's request
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
