// hello-world: the AssemblyScript twin of Bifrost's Rust example plugin, on
// every request kind Bifrost runs LLM hooks for.
//
// - mock-model is answered by the plugin, in the request's own shape: a chat
//   completion, a text completion or a Responses API answer (embeddings and
//   model lists have no text to mock and go to the provider); a streamed
//   request gets the one chunk Bifrost streams a short-circuit as (a
//   chat.completion.chunk, a response.completed event), so clients read it;
// - rate-limited-model is refused with a 429 on every kind;
// - post_hook suffixes the model of every answer that has one (chat, text,
//   Responses, embeddings) and the message of every error.
import {
  BifrostError,
  BifrostResponse,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  JsonObject,
  Plugin,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  registerPlugin,
  RequestKind,
} from "./sdk";

export * from "./sdk/abi";

const NAME = "hello-world-wasm-typescript";
const MOCK_TEXT = "This is a mock response!";

class HelloWorld extends Plugin {
  mockModels: string[] = ["mock-model"];
  rateLimitModels: string[] = ["rate-limited-model"];

  name(): string {
    return NAME;
  }

  init(config: JsonObject): string | null {
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
    const model = input.model;
    if (this.mockModels.includes(model)) {
      // Chat, text and Responses answers (as a stream's chunk when it streams); null for the kinds without text,
      // which pass through.
      const id = "mock-" + input.context.requestId;
      const answer = BifrostResponse.textAnswer(input.requestKind, id, model, MOCK_TEXT, 10, 15, input.isStream);
      if (answer !== null) output.respond(answer);
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
    const kind = response.requestKind;
    if (kind == RequestKind.Unknown || kind == RequestKind.ListModels) return;
    response.model = response.model + " (via assemblyscript-wasm)";
    output.response = response;
  }
}

registerPlugin(new HelloWorld());
