// A plugin that exercises every gateway rule on demand, for the gateway
// tests: the request header `x-test-action` picks what its hooks do.
//
//   http-error     http pre hook returns an error          -> 500
//   http-respond   http pre hook answers 418 itself        -> 418 {"teapot":true}
//   change-path    http pre hook changes the path          -> 409
//   add-header     http pre hook adds x-added: 1; the http post hook copies it to the response as x-seen-added
//   replace-body   http pre hook replaces the body with a request asking "replaced"
//   skip-chunks    stream chunk hook drops chunks whose content contains "you"
//   end-stream     stream chunk hook ends the stream with an error at the first content chunk
//   chat-answer    pre hook answers with a chat completion whatever the request's kind
//   whole-answer   pre hook answers with a whole text answer of the request's kind, even to a stream
//   pre-error      pre hook returns an error and changes the model to gpt-4o-mini (Bifrost logs the error, goes on)
//   pre-error-reject  pre hook returns an error and short-circuits with a 403 error
//   chunk-error    post hook turns every streamed chunk whose content contains "you" into a 400 error
//   warn-chunk     stream chunk hook keeps every chunk but returns an error with it (only logged)
//   post-error     http post hook returns an error
//
// The http pre hook puts the action in the context as `test-action`, for the LLM hooks.
import {
  BifrostResponse,
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  HTTPRequest,
  HTTPResponse,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  BifrostError,
  Plugin,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  registerPlugin,
  RequestKind,
} from "../../assembly/sdk";

export * from "../../assembly/sdk/abi";

function action(request: HTTPRequest): string {
  const a = request.header("x-test-action");
  return a === null ? "" : a;
}

class Behaviours extends Plugin {
  name(): string {
    return "behaviours";
  }

  httpPreHook(input: HTTPPreHookInput, output: HTTPPreHookOutput): void {
    const a = action(input.request);
    if (a != "") output.context.setValue<string>("test-action", a);
    if (a == "http-error") {
      output.error = "blocked by the behaviours plugin";
    } else if (a == "http-respond") {
      output.respond(HTTPResponse.withText(418, "application/json", '{"teapot":true}'));
    } else if (a == "change-path") {
      const r = new HTTPRequest();
      r.path = "/v1/other";
      output.request = r;
    } else if (a == "add-header") {
      const r = new HTTPRequest();
      r.setHeader("x-added", "1");
      output.request = r;
    } else if (a == "replace-body") {
      const r = new HTTPRequest();
      r.setBodyText('{"model":"openai/gpt-4o","messages":[{"role":"user","content":"replaced"}]}');
      output.request = r;
    }
  }

  preHook(input: PreHookInput, output: PreHookOutput): void {
    const a = input.context.getStringValue("test-action");
    if (a == "chat-answer") {
      output.respond(BifrostResponse.textAnswer(RequestKind.Chat, "wrong", input.model, "a chat answer", 1, 1)!);
    } else if (a == "whole-answer") {
      output.respond(BifrostResponse.textAnswer(input.requestKind, "whole", input.model, "a whole answer", 1, 1)!);
    } else if (a == "pre-error" || a == "pre-error-reject") {
      output.error = "a pre hook error from the behaviours plugin";
      input.chatRequest!.model = "gpt-4o-mini";
      output.request = input.request;
      if (a == "pre-error-reject") {
        output.reject(BifrostError.new("refused by the behaviours plugin").withType("refused").withStatus(403));
      }
    }
  }

  postHook(input: PostHookInput, output: PostHookOutput): void {
    const response = input.response;
    if (input.context.getStringValue("test-action") != "chunk-error" || response === null) return;
    if (response.toJSON().includes("you")) {
      output.error = BifrostError.new("chunk refused by the behaviours plugin").withType("refused").withStatus(400);
      output.hasError = true;
    }
  }

  httpPostHook(input: HTTPPostHookInput, output: HTTPPostHookOutput): void {
    if (action(input.request) == "post-error") {
      output.error = "refused after the answer by the behaviours plugin";
      return;
    }
    const added = input.request.header("x-added");
    if (added !== null) {
      const response = input.response;
      response.setHeader("x-seen-added", added);
      output.response = response;
    }
  }

  httpStreamChunkHook(input: HTTPStreamChunkInput, output: HTTPStreamChunkOutput): void {
    const a = action(input.request);
    if (a == "") return;
    const text = input.chunk.toJSON();
    if (a == "skip-chunks" && text.includes("you")) output.skip = true;
    if (a == "warn-chunk") {
      output.chunk = input.chunk;
      output.error = "a warning from the behaviours plugin";
    }
    if (a == "end-stream" && text.includes("Echo")) {
      output.chunk = null;
      output.hasChunk = false;
      output.error = "stream ended by the behaviours plugin";
    }
  }
}

registerPlugin(new Behaviours());
