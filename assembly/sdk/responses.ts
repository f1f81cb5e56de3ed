// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Responses API types (POST /v1/responses): ResponsesRequest, ResponsesItem,
// ResponsesParameters, ResponsesResponse, ResponsesUsage. Go's
// BifrostResponsesRequest/Response and ResponsesMessage [src]; that the WASM
// host sends the request flat like chat, and the answer as
// `responses_response`, is a guess (docs/abi-request-kinds.md). Views:
// unknown fields (tools, reasoning, annotations, ...) are kept.
import { JSON } from "json-as";
import { ChatContentBlock, ChatMessageContent, readContent, writeContent } from "./chat";
import { LLMAnswer, LLMRequest } from "./common";
import { JsonArray, JsonList, JsonObject } from "./json";

/** ResponsesItem types (Go's ResponsesMessageType); providers add more. */
// deno-lint-ignore no-namespace -- AssemblyScript has no string enums: a namespace of constants stands in
export namespace ResponsesItemType {
  export const Message = "message";
  export const FunctionCall = "function_call";
  export const FunctionCallOutput = "function_call_output";
  export const Reasoning = "reasoning";
}

/**
 * One item of a Responses API input or output: a message (`type`
 * `"message"`, or no type and a `role`), a function call (`call_id`, `name`,
 * `arguments`) or its output, a reasoning item, and more.
 */
export class ResponsesItem extends JsonObject {
  /** The item's type; "" when absent (then a `role` makes it a message). */
  get type(): string {
    return this.getStringOr("type", "");
  }
  set type(v: string) {
    this.set<string>("type", v);
  }
  /** Whether this item is a message. */
  get isMessage(): bool {
    const t = this.type;
    return t == ResponsesItemType.Message || (t == "" && this.has("role"));
  }
  get id(): string | null {
    return this.getStringOrNull("id");
  }
  get status(): string | null {
    return this.getStringOrNull("status");
  }
  get role(): string | null {
    return this.getStringOrNull("role");
  }
  set role(v: string | null) {
    this.set<string | null>("role", v);
  }

  /** A message's content: a string, or blocks such as `input_text`/`output_text` (each with `text`). */
  get content(): ChatMessageContent | null {
    return readContent(this);
  }
  set content(c: ChatMessageContent | null) {
    writeContent(this, c);
  }

  /** A function call's id (`call_id`), also on its output. */
  get callId(): string | null {
    return this.getStringOrNull("call_id");
  }
  /** A function call's name. */
  get name(): string | null {
    return this.getStringOrNull("name");
  }
  /** A function call's arguments, as the JSON text the model produced. */
  get arguments(): string | null {
    return this.getStringOrNull("arguments");
  }

  /** An input message: `{"type":"message","role":role,"content":text}`. */
  static message(role: string, text: string): ResponsesItem {
    const item = new ResponsesItem();
    item.type = ResponsesItemType.Message;
    item.role = role;
    item.content = ChatMessageContent.ofText(text);
    return item;
  }

  /** A completed assistant output message with one `output_text` block. */
  static outputText(id: string, text: string): ResponsesItem {
    const item = new ResponsesItem();
    item.type = ResponsesItemType.Message;
    item.set<string>("id", id);
    item.set<string>("status", "completed");
    item.role = "assistant";
    const block = new ChatContentBlock();
    block.type = "output_text";
    block.text = text;
    block.setNode("annotations", new JsonArray());
    item.content = ChatMessageContent.ofBlocks([block]);
    return item;
  }
}

/** Responses API parameters: the named ones typed, every other key (tools, reasoning, text...) kept. */
export class ResponsesParameters extends JsonObject {
  /** The system prompt the Responses API takes beside the input. */
  get instructions(): string | null {
    return this.getStringOrNull("instructions");
  }
  set instructions(v: string | null) {
    if (v === null) this.delete("instructions");
    else this.set<string>("instructions", v);
  }
  get maxOutputTokens(): JSON.Box<f64> | null {
    return this.getNumberOrNull("max_output_tokens");
  }
  get temperature(): JSON.Box<f64> | null {
    return this.getNumberOrNull("temperature");
  }
  get topP(): JSON.Box<f64> | null {
    return this.getNumberOrNull("top_p");
  }
  get previousResponseId(): string | null {
    return this.getStringOrNull("previous_response_id");
  }
  /** Tool definitions, kept as objects. */
  get tools(): JsonArray | null {
    return this.getArray("tools");
  }
}

/** The Responses API request a pre_hook sees: `input` is items (a string input arrives as one user message). */
export class ResponsesRequest extends LLMRequest {
  /** The input items (created empty when absent). */
  get input(): JsonList<ResponsesItem> {
    return new JsonList<ResponsesItem>(this.getOrCreateArray("input"));
  }
  get params(): ResponsesParameters | null {
    return this.getObject<ResponsesParameters>("params");
  }
}

/** Token usage of a Responses API answer. */
export class ResponsesUsage extends JsonObject {
  get inputTokens(): i64 {
    return this.getIntOr("input_tokens", 0);
  }
  get outputTokens(): i64 {
    return this.getIntOr("output_tokens", 0);
  }
  get totalTokens(): i64 {
    return this.getIntOr("total_tokens", 0);
  }

  static of(input: i64, output: i64, total: i64): ResponsesUsage {
    const u = new ResponsesUsage();
    u.set<i64>("input_tokens", input);
    u.set<i64>("output_tokens", output);
    u.set<i64>("total_tokens", total);
    return u;
  }
}

/** A Responses API answer (`object: "response"`): output items, usually one assistant message. */
export class ResponsesResponse extends LLMAnswer {
  get status(): string {
    return this.getStringOr("status", "");
  }
  get createdAt(): i64 {
    return this.getIntOr("created_at", 0);
  }
  /** The output items (created empty when absent). */
  get output(): JsonList<ResponsesItem> {
    return new JsonList<ResponsesItem>(this.getOrCreateArray("output"));
  }
  get usage(): ResponsesUsage | null {
    return this.getObject<ResponsesUsage>("usage");
  }
  set usage(u: ResponsesUsage | null) {
    this.setNode("usage", u);
  }

  /** The text of every `output_text` block of the output messages, joined (what OpenAI's SDKs call `output_text`). */
  outputText(): string {
    const parts = new Array<string>();
    const output = this.output;
    for (let i = 0; i < output.length; i++) {
      const item = output.at(i);
      if (!item.isMessage) continue;
      const content = item.content;
      if (content === null) continue;
      if (content.isText) parts.push(content.text);
      else {
        for (let j = 0; j < content.blocks.length; j++) {
          const block = content.blocks.at(j);
          const text = block.text;
          if (block.type == "output_text" && text !== null) parts.push(text);
        }
      }
    }
    return parts.join("");
  }

  /** A completed answer: one assistant message (id `"msg-" + id`) with `text`. */
  static withText(id: string, model: string, text: string, usage: ResponsesUsage | null): ResponsesResponse {
    const r = new ResponsesResponse();
    r.id = id;
    r.set<string>("object", "response");
    r.set<i64>("created_at", 0);
    r.set<string>("status", "completed");
    r.model = model;
    r.output.push(ResponsesItem.outputText("msg-" + id, text));
    if (usage !== null) r.usage = usage;
    return r;
  }
}

/**
 * One streamed Responses API event, as post_hook gets it once per event
 * (`responses_stream_response` [guess]): `response.created`,
 * `response.output_text.delta`, ... `response.completed`. The events that
 * carry the whole answer (created, in progress, completed, failed,
 * incomplete) hold it in {@link response}.
 */
export class ResponsesStreamEvent extends JsonObject {
  /** The event's type, e.g. `response.output_text.delta` ("" when absent). */
  get type(): string {
    return this.getStringOr("type", "");
  }
  get sequenceNumber(): i64 {
    return this.getIntOr("sequence_number", 0);
  }
  /** A text delta's text, or null for events without one. */
  get delta(): string | null {
    return this.getStringOrNull("delta");
  }
  /** The answer the event carries, or null. */
  get response(): ResponsesResponse | null {
    return this.getObject<ResponsesResponse>("response");
  }

  /** The `response.completed` event carrying `response` whole (`sequence_number` 0: a stream of its own). */
  static completed(response: ResponsesResponse): ResponsesStreamEvent {
    const e = new ResponsesStreamEvent();
    e.set<string>("type", "response.completed");
    e.set<i64>("sequence_number", 0);
    e.setNode("response", response);
    return e;
  }
}
