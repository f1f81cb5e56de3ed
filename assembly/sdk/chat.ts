// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// Chat request types: ChatMessage, ChatMessageContent, ChatParameters,
// BifrostChatRequest, ToolCall. Views: unknown fields are kept.
import { JSON } from "json-as";
import { LLMRequest } from "./common";
import { JsonArray, JsonKind, JsonList, JsonObject } from "./json";
import { problem } from "./problems";

/** ChatMessageRole values (Go's string enum). */
// deno-lint-ignore no-namespace -- AssemblyScript has no string enums: a namespace of constants stands in
export namespace ChatMessageRole {
  export const User = "user";
  export const Assistant = "assistant";
  export const System = "system";
  export const Tool = "tool";
  export const Developer = "developer";
}
export type ChatMessageRole = string;

/** One content block (`{"type":"text","text":...}`, images, audio...). */
export class ChatContentBlock extends JsonObject {
  get type(): string {
    return this.getStringOr("type", "");
  }
  set type(v: string) {
    this.set<string>("type", v);
  }
  /** The text of a text block, or null. */
  get text(): string | null {
    return this.getStringOrNull("text");
  }
  set text(v: string | null) {
    this.set<string | null>("text", v);
  }

  static ofText(text: string): ChatContentBlock {
    const b = new ChatContentBlock();
    b.type = "text";
    b.text = text;
    return b;
  }
}

/** Message content: a string OR an array of content blocks. */
export class ChatMessageContent {
  isText: bool = true;
  /** The text when {@link isText}. */
  text: string = "";
  private _blocks: JsonList<ChatContentBlock> | null = null;

  /** The blocks when not {@link isText} (empty otherwise: made on first use, so a text content allocates none). */
  get blocks(): JsonList<ChatContentBlock> {
    let blocks = this._blocks;
    if (blocks === null) {
      blocks = new JsonList<ChatContentBlock>(new JsonArray());
      this._blocks = blocks;
    }
    return blocks;
  }
  set blocks(blocks: JsonList<ChatContentBlock>) {
    this._blocks = blocks;
  }

  static ofText(text: string): ChatMessageContent {
    const c = new ChatMessageContent();
    c.text = text;
    return c;
  }

  static ofBlocks(blocks: ChatContentBlock[]): ChatMessageContent {
    const c = new ChatMessageContent();
    c.isText = false;
    for (let i = 0; i < blocks.length; i++) c.blocks.push(unchecked(blocks[i]));
    return c;
  }

  /** All the text: the string, or the text blocks joined with newlines. */
  allText(): string {
    if (this.isText) return this.text;
    const parts = new Array<string>();
    for (let i = 0; i < this.blocks.length; i++) {
      const t = this.blocks.at(i).text;
      if (t !== null) parts.push(t);
    }
    return parts.join("\n");
  }
}

/** A message's `content` (chat messages, Responses API items): a string or blocks; null when absent or null. */
export function readContent(o: JsonObject): ChatMessageContent | null {
  const k = o.kind("content");
  if (k == JsonKind.String) return ChatMessageContent.ofText(o.getString("content"));
  if (k == JsonKind.Array) {
    const c = new ChatMessageContent();
    c.isText = false;
    c.blocks = new JsonList<ChatContentBlock>(o.getArray("content")!);
    return c;
  }
  if (k != JsonKind.Missing && k != JsonKind.Null) problem(o.childPath("content") + ": expected string or array");
  return null;
}

/** Sets a message's `content`: a string, blocks, or null. */
export function writeContent(o: JsonObject, c: ChatMessageContent | null): void {
  if (c === null) o.setNull("content");
  else if (c.isText) o.set<string>("content", c.text);
  else o.setNode("content", c.blocks.array);
}

/** The function a tool call invokes. */
export class FunctionCall extends JsonObject {
  get name(): string {
    return this.getStringOr("name", "");
  }
  /** The arguments, as the JSON text the model produced. */
  get arguments(): string {
    return this.getStringOr("arguments", "");
  }
}

/** A tool call in an assistant message. */
export class ToolCall extends JsonObject {
  get id(): string {
    return this.getStringOr("id", "");
  }
  get type(): string {
    return this.getStringOr("type", "");
  }
  /** The called function (`function` in JSON). */
  get fn(): FunctionCall | null {
    return this.getObject<FunctionCall>("function");
  }
}

/** One chat message, or a streamed delta of one. */
export class ChatMessage extends JsonObject {
  /** The role; "" when absent (a stream's deltas name it in the first chunk only). */
  get role(): ChatMessageRole {
    return this.getStringOr("role", "");
  }
  set role(v: ChatMessageRole) {
    this.set<string>("role", v);
  }

  /** The content, or null when absent or null. */
  get content(): ChatMessageContent | null {
    return readContent(this);
  }
  set content(c: ChatMessageContent | null) {
    writeContent(this, c);
  }

  get name(): string | null {
    return this.getStringOrNull("name");
  }
  get toolCallId(): string | null {
    return this.getStringOrNull("tool_call_id");
  }
  /** Tool calls, or null when the message has none. */
  get toolCalls(): JsonList<ToolCall> | null {
    const a = this.getArray("tool_calls");
    return a === null ? null : new JsonList<ToolCall>(a);
  }

  static create(role: ChatMessageRole, text: string): ChatMessage {
    const m = new ChatMessage();
    m.role = role;
    m.content = ChatMessageContent.ofText(text);
    return m;
  }
}

/** Model parameters: the named ones typed, every other key kept. */
export class ChatParameters extends JsonObject {
  get temperature(): JSON.Box<f64> | null {
    return this.getNumberOrNull("temperature");
  }
  set temperature(v: JSON.Box<f64> | null) {
    if (v === null) this.delete("temperature");
    else this.set<f64>("temperature", v.value);
  }
  get maxCompletionTokens(): JSON.Box<f64> | null {
    return this.getNumberOrNull("max_completion_tokens");
  }
  get topP(): JSON.Box<f64> | null {
    return this.getNumberOrNull("top_p");
  }
  get frequencyPenalty(): JSON.Box<f64> | null {
    return this.getNumberOrNull("frequency_penalty");
  }
  get presencePenalty(): JSON.Box<f64> | null {
    return this.getNumberOrNull("presence_penalty");
  }
  get stop(): string[] | null {
    return this.getStringsOrNull("stop");
  }
  /** Tool definitions, kept as objects. */
  get tools(): JsonArray | null {
    return this.getArray("tools");
  }
}

/** The chat request a pre_hook sees. */
export class BifrostChatRequest extends LLMRequest {
  /** The conversation (created empty when absent). */
  get input(): JsonList<ChatMessage> {
    return new JsonList<ChatMessage>(this.getOrCreateArray("input"));
  }

  get params(): ChatParameters | null {
    return this.getObject<ChatParameters>("params");
  }
}
