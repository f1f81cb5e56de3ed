// A plugin that reports what the SDK reads of each request and response
// kind, for the SDK's tests. pre_hook puts into the context:
//
//   kind       requestKindName(input.requestKind)
//   model, provider, stream
//   read       what the kind's typed view reads: chat "role: text" of each
//              message; text the prompts; responses each item's type (and a
//              message's text) plus params.instructions; embedding the texts;
//              list_models the provider
//
// and, for model "rename-me", renames the model through the kind's typed
// view and returns the request (a change written back wherever the fields
// are). post_hook puts the answer's kind, model and typed read ("text" of a
// text completion's first choice, a Responses answer's outputText(), the
// embedding's vector count) into the context, and a chat chunk's first delta
// as "role: text" (`answer_delta`), and for model "rename-me" renames the
// answer's model.
import {
  BifrostResponse,
  Plugin,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  registerPlugin,
  RequestKind,
  requestKindName,
} from "../../assembly/sdk";

export * from "../../assembly/sdk/abi";

function requestRead(input: PreHookInput): string {
  const parts = new Array<string>();
  const chat = input.chatRequest;
  if (chat !== null) {
    const messages = chat.input;
    for (let i = 0; i < messages.length; i++) {
      const m = messages.at(i);
      const c = m.content;
      parts.push(m.role + ": " + (c === null ? "" : c.allText()));
    }
  }
  const text = input.textCompletionRequest;
  if (text !== null) parts.push(text.prompts().join("|"));
  const responses = input.responsesRequest;
  if (responses !== null) {
    const items = responses.input;
    for (let i = 0; i < items.length; i++) {
      const item = items.at(i);
      const c = item.isMessage ? item.content : null;
      parts.push((item.type == "" ? "(message)" : item.type) + (c === null ? "" : " " + c.allText()));
    }
    const params = responses.params;
    if (params !== null && params.instructions !== null) parts.push("instructions " + params.instructions!);
  }
  const embedding = input.embeddingRequest;
  if (embedding !== null) parts.push(embedding.texts().join("|"));
  const models = input.listModelsRequest;
  if (models !== null) parts.push(models.provider);
  return parts.join("; ");
}

function answerRead(response: BifrostResponse): string {
  const text = response.textCompletionResponse;
  if (text !== null) return text.choices.length ? text.choices.at(0).text : "";
  const responses = response.responsesResponse;
  if (responses !== null) return responses.outputText();
  const embedding = response.embeddingResponse;
  if (embedding !== null) return embedding.data.length.toString() + " vectors";
  const models = response.listModelsResponse;
  if (models !== null) return models.data.length ? models.data.at(0).id : "";
  const chat = response.chatResponse;
  if (chat !== null && chat.choices.length) {
    const message = chat.choices.at(0).message;
    if (message === null) return "";
    const content = message.content;
    return content === null ? "" : content.allText();
  }
  return "";
}

/** A chat chunk's first delta as "role: text", or "" when the answer has none. */
function deltaRead(response: BifrostResponse): string {
  const chat = response.chatResponse;
  if (chat === null || !chat.choices.length) return "";
  const delta = chat.choices.at(0).delta;
  if (delta === null) return "";
  const content = delta.content;
  return delta.role + ": " + (content === null ? "" : content.allText());
}

class Kinds extends Plugin {
  name(): string {
    return "kinds";
  }

  preHook(input: PreHookInput, output: PreHookOutput): void {
    const ctx = output.context;
    ctx.setValue<string>("kind", requestKindName(input.requestKind));
    ctx.setValue<string>("model", input.model);
    ctx.setValue<string>("provider", input.provider);
    ctx.setValue<bool>("stream", input.isStream);
    ctx.setValue<string>("read", requestRead(input));
    if (input.model == "rename-me") {
      const kind = input.requestKind;
      if (kind == RequestKind.Chat) input.chatRequest!.model = "renamed";
      if (kind == RequestKind.TextCompletion) input.textCompletionRequest!.model = "renamed";
      if (kind == RequestKind.Responses) input.responsesRequest!.model = "renamed";
      if (kind == RequestKind.Embedding) input.embeddingRequest!.model = "renamed";
      output.request = input.request;
    }
  }

  postHook(input: PostHookInput, output: PostHookOutput): void {
    const response = input.response;
    if (response === null) return;
    const ctx = output.context;
    ctx.setValue<string>("answer_kind", requestKindName(response.requestKind));
    ctx.setValue<string>("answer_model", response.model);
    ctx.setValue<string>("answer_read", answerRead(response));
    ctx.setValue<string>("answer_delta", deltaRead(response));
    if (response.model == "rename-me") {
      response.model = "renamed";
      output.response = response;
    }
  }
}

registerPlugin(new Kinds());
