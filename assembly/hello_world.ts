// hello-world: the AssemblyScript twin of Bifrost's Rust example plugin.
import {
  BifrostChatResponse,
  BifrostError,
  BifrostResponse,
  ChatMessage,
  ChatMessageRole,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  JsonObject,
  LLMUsage,
  Plugin,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  registerPlugin,
  ResponseChoice,
} from "./sdk";

export * from "./sdk/abi";

const NAME = "hello-world-wasm-typescript";

class HelloWorld extends Plugin {
  config: JsonObject = new JsonObject();
  mockModels: string[] = ["mock-model"];
  rateLimitModels: string[] = ["rate-limited-model"];

  name(): string {
    return NAME;
  }

  init(config: JsonObject): string | null {
    this.config = config;
    const mock = config.getStringsOrNull("mock_models");
    if (mock !== null) this.mockModels = mock;
    const limited = config.getStringsOrNull("rate_limit_models");
    if (limited !== null) this.rateLimitModels = limited;
    return null;
  }

  httpPreHook(input: HTTPPreHookInput, output: HTTPPreHookOutput): void {
    output.context.setValue<bool>("http_intercepted", true);
  }

  preHook(input: PreHookInput, output: PreHookOutput): void {
    output.context.setValue<bool>("plugin_processed", true);
    output.context.setValue<string>("plugin_name", NAME);
    const model = input.request.model;
    if (this.mockModels.includes(model)) {
      output.respond(mockResponse(model, input.context.requestId));
    } else if (this.rateLimitModels.includes(model)) {
      output.reject(BifrostError.new("Rate limit exceeded").withType("rate_limit").withCode("429").withStatus(429));
    }
  }

  postHook(input: PostHookInput, output: PostHookOutput): void {
    output.context.setValue<bool>("post_hook_completed", true);
    if (input.hasError) {
      const error = input.error!;
      error.error.message = error.error.message + " (via assemblyscript plugin)";
      output.error = error;
      return;
    }
    const response = input.response;
    if (response === null) return;
    const chat = response.chatResponse;
    if (chat === null) return;
    chat.model = chat.model + " (via assemblyscript-wasm)";
    output.response = response;
  }
}

function mockResponse(model: string, requestId: string): BifrostResponse {
  const choice = new ResponseChoice();
  choice.index = 0;
  choice.message = ChatMessage.create(ChatMessageRole.Assistant, "This is a mock response!");
  choice.finishReason = "stop";
  const chat = new BifrostChatResponse();
  chat.id = "mock-" + requestId;
  chat.model = model;
  chat.choices.push(choice);
  chat.usage = LLMUsage.of(10, 15, 25);
  return BifrostResponse.ofChat(chat);
}

registerPlugin(new HelloWorld());
