// The baseline: hello-world's behaviours written the way Bifrost's docs
// build an AssemblyScript plugin (--runtime stub, a bump-allocator malloc, a
// no-op free, typed @json classes parsed with JSON.parse<T> and written with
// JSON.stringify). The benchmark runs it beside the SDK's hello-world.
import { JSON } from "json-as";
import {
  BifrostChatResponse,
  BifrostError,
  BifrostResponse,
  ChatMessage,
  ErrorField,
  HTTPInterceptInput,
  HTTPInterceptOutput,
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  LLMPluginShortCircuit,
  LLMUsage,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  ResponseChoice,
} from "./types";
import { readString, writeString } from "./memory";

export { free, malloc } from "./memory";

const NAME = "hello-world-baseline";

export function get_name(): u64 {
  return writeString(NAME);
}

export function init(ptr: usize, len: i32): i32 {
  return 0;
}

export function http_pre_hook(ptr: usize, len: i32): u64 {
  const input = JSON.parse<HTTPInterceptInput>(readString(ptr, len));
  const output = new HTTPInterceptOutput();
  output.context = input.context;
  output.context.set<bool>("http_intercepted", true);
  return writeString(JSON.stringify(output));
}

export { http_pre_hook as http_intercept };

export function http_post_hook(ptr: usize, len: i32): u64 {
  const input = JSON.parse<HTTPPostHookInput>(readString(ptr, len));
  const output = new HTTPPostHookOutput();
  output.context = input.context;
  return writeString(JSON.stringify(output));
}

export function http_stream_chunk_hook(ptr: usize, len: i32): u64 {
  const input = JSON.parse<HTTPStreamChunkInput>(readString(ptr, len));
  const output = new HTTPStreamChunkOutput();
  output.context = input.context;
  output.chunk = input.chunk;
  output.has_chunk = input.chunk !== null;
  return writeString(JSON.stringify(output));
}

function requestId(context: JSON.Obj): string {
  const id = context.get("request_id");
  if (id !== null && id.type == JSON.Types.String) return id.get<string>();
  return "";
}

function mockResponse(model: string, id: string): BifrostResponse {
  const message = new ChatMessage();
  message.role = "assistant";
  message.content = JSON.Raw.from(JSON.stringify<string>("This is a mock response!"));
  const choice = new ResponseChoice();
  choice.message = message;
  choice.finish_reason = "stop";
  const usage = new LLMUsage();
  usage.prompt_tokens = 10;
  usage.completion_tokens = 15;
  usage.total_tokens = 25;
  const chat = new BifrostChatResponse();
  chat.id = "mock-" + id;
  chat.model = model;
  chat.choices = [choice];
  chat.usage = usage;
  const response = new BifrostResponse();
  response.chat_response = chat;
  return response;
}

export function pre_hook(ptr: usize, len: i32): u64 {
  const input = JSON.parse<PreHookInput>(readString(ptr, len));
  const output = new PreHookOutput();
  output.context = input.context;
  output.context.set<bool>("plugin_processed", true);
  output.context.set<string>("plugin_name", NAME);
  const model = input.request.model;
  if (model == "mock-model") {
    const sc = new LLMPluginShortCircuit();
    sc.response = mockResponse(model, requestId(input.context));
    output.short_circuit = sc;
    output.has_short_circuit = true;
  } else if (model == "rate-limited-model") {
    const field = new ErrorField();
    field.message = "Rate limit exceeded";
    field.type = "rate_limit";
    field.code = "429";
    const error = new BifrostError();
    error.error = field;
    error.status_code = new JSON.Box<i32>(429);
    const sc = new LLMPluginShortCircuit();
    sc.error = error;
    output.short_circuit = sc;
    output.has_short_circuit = true;
  }
  return writeString(JSON.stringify(output));
}

export function post_hook(ptr: usize, len: i32): u64 {
  const input = JSON.parse<PostHookInput>(readString(ptr, len));
  const output = new PostHookOutput();
  output.context = input.context;
  output.context.set<bool>("post_hook_completed", true);
  const error = input.error;
  if (input.has_error && error !== null) {
    error.error.message = error.error.message + " (via assemblyscript plugin)";
    output.has_error = true;
    output.error = error;
    return writeString(JSON.stringify(output));
  }
  const response = input.response;
  if (response !== null) {
    const chat = response.chat_response;
    if (chat !== null) {
      chat.model = chat.model + " (via assemblyscript-wasm)";
      output.response = response;
    }
  }
  return writeString(JSON.stringify(output));
}

export function cleanup(): i32 {
  return 0;
}
