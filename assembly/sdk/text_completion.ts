// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Text completion types (POST /v1/completions): TextCompletionRequest,
// TextCompletionParameters, TextCompletionResponse, TextCompletionChoice.
// Go's BifrostTextCompletionRequest/Response [src]; that the WASM host sends
// the request flat like chat, and the answer as `text_completion_response`,
// is a guess (docs/abi-request-kinds.md). Views: unknown fields are kept.
import { JSON } from "json-as";
import { LLMAnswer, LLMChoice, LLMRequest, LLMUsage } from "./common";
import { JsonKind, JsonList, JsonObject } from "./json";
import { problem } from "./problems";

/** Text completion parameters: the named ones typed, every other key kept. */
export class TextCompletionParameters extends JsonObject {
  get maxTokens(): JSON.Box<f64> | null {
    return this.getNumberOrNull("max_tokens");
  }
  get temperature(): JSON.Box<f64> | null {
    return this.getNumberOrNull("temperature");
  }
  get topP(): JSON.Box<f64> | null {
    return this.getNumberOrNull("top_p");
  }
  get suffix(): string | null {
    return this.getStringOrNull("suffix");
  }
  get stop(): string[] | null {
    return this.getStringsOrNull("stop");
  }
}

/** The text completion request a pre_hook sees: `input` is the prompt, one string or several. */
export class TextCompletionRequest extends LLMRequest {
  /** The prompts, read at each call: a string input is one prompt; a wrong type is a problem and reads as none. */
  prompts(): string[] {
    const k = this.kind("input");
    if (k == JsonKind.String) return [this.getString("input")];
    if (k == JsonKind.Array) return this.getStringsOrNull("input")!;
    if (k != JsonKind.Missing && k != JsonKind.Null) problem(this.childPath("input") + ": expected string or array");
    return new Array<string>();
  }

  /** Replaces the prompt with one string. */
  setPrompt(prompt: string): void {
    this.set<string>("input", prompt);
  }

  get params(): TextCompletionParameters | null {
    return this.getObject<TextCompletionParameters>("params");
  }
}

/** One choice of a text completion: the `text` for one prompt. */
export class TextCompletionChoice extends LLMChoice {
  get text(): string {
    return this.getStringOr("text", "");
  }
  set text(v: string) {
    this.set<string>("text", v);
  }
}

/** An OpenAI `text_completion`. */
export class TextCompletionResponse extends LLMAnswer {
  get object(): string {
    return this.getStringOr("object", "");
  }
  get choices(): JsonList<TextCompletionChoice> {
    return new JsonList<TextCompletionChoice>(this.getOrCreateArray("choices"));
  }
  get usage(): LLMUsage | null {
    return this.getObject<LLMUsage>("usage");
  }
  set usage(u: LLMUsage | null) {
    this.setNode("usage", u);
  }

  /** A completed answer: one choice with `text`, `finish_reason: "stop"`. */
  static withText(id: string, model: string, text: string, usage: LLMUsage | null): TextCompletionResponse {
    const r = new TextCompletionResponse();
    r.id = id;
    r.set<string>("object", "text_completion");
    r.model = model;
    const choice = new TextCompletionChoice();
    choice.index = 0;
    choice.text = text;
    choice.finishReason = "stop";
    r.choices.push(choice);
    if (usage !== null) r.usage = usage;
    return r;
  }
}
