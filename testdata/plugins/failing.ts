// A plugin whose every hook changes what its output passes on, then fails when
// asked, for the SDK's failure-path tests: each hook edits the input's views in
// place (the context, the request or response, a stream chunk, an error), sets
// its output to them, and then, when the context's "fail" is not a number,
// reads it as one: a problem, so the SDK answers a pass-through with the
// hook's error field set. With the context's "replace" true, the hooks also
// replace or drop what they pass on (a short-circuit, a new error, no chunk).
import {
  BifrostContext,
  BifrostError,
  BifrostResponse,
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  HTTPResponse,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  Plugin,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  registerPlugin,
  RequestKind,
} from "../../assembly/sdk";

export * from "../../assembly/sdk/abi";

/** Edits the context in place: a key added, one changed, one deleted. */
function editContext(ctx: BifrostContext): void {
  ctx.setValue<bool>("edited", true);
  ctx.setValue<string>("request-id", "changed");
  ctx.delete("drop");
}

/** Reads the context's "fail" as a number: a problem when it holds anything else. */
function failWhenAsked(ctx: BifrostContext): void {
  ctx.getNumberOr("fail", 0);
}

class Failing extends Plugin {
  name(): string {
    return "failing";
  }

  httpPreHook(input: HTTPPreHookInput, output: HTTPPreHookOutput): void {
    const ctx = output.context;
    editContext(ctx);
    const request = input.request;
    request.path = "/edited";
    request.setHeader("x-edited", "1");
    output.request = request;
    if (ctx.getBoolValue("replace")) output.respond(HTTPResponse.withText(418, "text/plain", "edited"));
    failWhenAsked(ctx);
  }

  httpPostHook(input: HTTPPostHookInput, output: HTTPPostHookOutput): void {
    const ctx = output.context;
    editContext(ctx);
    const response = input.response;
    response.statusCode = 599;
    response.setBodyText("edited");
    output.response = response;
    failWhenAsked(ctx);
  }

  httpStreamChunkHook(input: HTTPStreamChunkInput, output: HTTPStreamChunkOutput): void {
    const ctx = output.context;
    editContext(ctx);
    const chunk = input.chunk;
    chunk.set<string>("id", "edited");
    chunk.delete("drop");
    chunk.getOrCreateObject<BifrostContext>("nested").set<bool>("edited", true);
    if (ctx.getBoolValue("replace")) {
      output.chunk = null;
      output.hasChunk = false;
      output.skip = true;
    }
    failWhenAsked(ctx);
  }

  preHook(input: PreHookInput, output: PreHookOutput): void {
    const ctx = output.context;
    editContext(ctx);
    input.chatRequest!.model = "edited";
    output.request = input.request;
    if (ctx.getBoolValue("replace")) {
      output.respond(BifrostResponse.textAnswer(RequestKind.Chat, "id", "edited", "edited", 1, 1)!);
    }
    failWhenAsked(ctx);
  }

  postHook(input: PostHookInput, output: PostHookOutput): void {
    const ctx = output.context;
    editContext(ctx);
    const error = input.error;
    if (error !== null) {
      error.error.message = "edited";
      error.delete("status_code");
    }
    const response = input.response;
    if (response !== null) {
      response.model = "edited";
      output.response = response;
    }
    if (ctx.getBoolValue("replace")) {
      output.error = BifrostError.new("edited").withStatus(599);
      output.hasError = !output.hasError;
    }
    failWhenAsked(ctx);
  }
}

registerPlugin(new Failing());
