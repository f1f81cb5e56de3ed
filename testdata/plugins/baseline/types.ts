// The payload types as typed @json classes, one field per field of the
// seed's Rust types. Fields they do not name are dropped on the way through:
// that is the cost of this style, and what the benchmark shows.
import { JSON } from "json-as";

@json
export class FunctionCall {
  name: string = "";
  arguments: string = "";
}

@json
export class ToolCall {
  id: string = "";
  type: string = "";
  @alias("function")
  fn: FunctionCall = new FunctionCall();
}

@json
export class ChatMessage {
  role: string = "";
  /**
   * A string or an array of content blocks (serde's untagged enum), kept as
   * raw JSON. Declared without an initialiser: json-as 1.6.0 leaves an
   * initialised or nullable JSON.Raw/JSON.Value field unparsed.
   */
  content!: JSON.Raw;
  name: string | null = null;
  tool_call_id: string | null = null;
  tool_calls: ToolCall[] | null = null;
}

@json
export class ChatParameters {
  temperature: JSON.Box<f64> | null = null;
  max_completion_tokens: JSON.Box<i32> | null = null;
  top_p: JSON.Box<f64> | null = null;
  frequency_penalty: JSON.Box<f64> | null = null;
  presence_penalty: JSON.Box<f64> | null = null;
  stop: string[] | null = null;
  tools: JSON.Obj[] | null = null;
}

@json
export class Fallback {
  provider: string = "";
  model: string = "";
}

@json
export class BifrostChatRequest {
  provider: string = "";
  model: string = "";
  input: ChatMessage[] = [];
  params: ChatParameters | null = null;
  fallbacks: Fallback[] | null = null;
}

@json
export class LLMUsage {
  prompt_tokens: i32 = 0;
  completion_tokens: i32 = 0;
  total_tokens: i32 = 0;
}

@json
export class ResponseChoice {
  index: i32 = 0;
  message: ChatMessage | null = null;
  delta: ChatMessage | null = null;
  finish_reason: string | null = null;
}

@json
export class BifrostChatResponse {
  id: string = "";
  model: string = "";
  choices: ResponseChoice[] = [];
  usage: LLMUsage | null = null;
  created: JSON.Box<i64> | null = null;
  object: string | null = null;
}

@json
export class BifrostResponse {
  chat_response: BifrostChatResponse | null = null;
}

@json
export class ErrorField {
  message: string = "";
  type: string | null = null;
  code: string | null = null;
}

@json
export class BifrostError {
  error: ErrorField = new ErrorField();
  status_code: JSON.Box<i32> | null = null;
  allow_fallbacks: JSON.Box<bool> | null = null;
}

@json
export class LLMPluginShortCircuit {
  response: BifrostResponse | null = null;
  error: BifrostError | null = null;
}

@json
export class HTTPRequest {
  method: string = "";
  path: string = "";
  headers: Map<string, string> | null = null;
  query: Map<string, string> | null = null;
  body: string | null = null;
}

@json
export class HTTPResponse {
  status_code: i32 = 0;
  headers: Map<string, string> | null = null;
  body: string | null = null;
}

// ---- hook inputs and outputs ----

@json
export class HTTPInterceptInput {
  context: JSON.Obj = new JSON.Obj();
  request: HTTPRequest = new HTTPRequest();
}

@json
export class HTTPInterceptOutput {
  context: JSON.Obj = new JSON.Obj();
  request: HTTPRequest | null = null;
  response: HTTPResponse | null = null;
  has_response: bool = false;
  error: string = "";
}

@json
export class HTTPPostHookInput {
  context: JSON.Obj = new JSON.Obj();
  request: HTTPRequest | null = null;
  response: HTTPResponse | null = null;
}

@json
export class HTTPPostHookOutput {
  context: JSON.Obj = new JSON.Obj();
  response: HTTPResponse | null = null;
  error: string = "";
}

@json
export class HTTPStreamChunkInput {
  context: JSON.Obj = new JSON.Obj();
  request: HTTPRequest | null = null;
  chunk: JSON.Obj | null = null;
}

@json
export class HTTPStreamChunkOutput {
  context: JSON.Obj = new JSON.Obj();
  chunk: JSON.Obj | null = null;
  has_chunk: bool = false;
  skip: bool = false;
  error: string = "";
}

@json
export class PreHookInput {
  context: JSON.Obj = new JSON.Obj();
  request: BifrostChatRequest = new BifrostChatRequest();
}

@json
export class PreHookOutput {
  context: JSON.Obj = new JSON.Obj();
  request: BifrostChatRequest | null = null;
  short_circuit: LLMPluginShortCircuit | null = null;
  has_short_circuit: bool = false;
  error: string = "";
}

@json
export class PostHookInput {
  context: JSON.Obj = new JSON.Obj();
  response: BifrostResponse | null = null;
  error: BifrostError | null = null;
  has_error: bool = false;
}

@json
export class PostHookOutput {
  context: JSON.Obj = new JSON.Obj();
  response: BifrostResponse | null = null;
  error: BifrostError | null = null;
  has_error: bool = false;
  hook_error: string = "";
}
