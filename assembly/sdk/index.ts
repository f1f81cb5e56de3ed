// The bifrost-as AssemblyScript SDK: everything a plugin imports.
// (A plugin's entry file also does `export * from "<sdk>/abi"` to export the ABI.)
export { Plugin, registerPlugin } from "./plugin";
export { JsonArray, JsonKind, JsonList, JsonNode, JsonObject } from "./json";
export { BifrostContext } from "./context";
export { HTTPMessage, HTTPRequest, HTTPResponse, StringMap } from "./http";
export {
  BifrostChatRequest,
  ChatContentBlock,
  ChatMessage,
  ChatMessageContent,
  ChatMessageRole,
  ChatParameters,
  FunctionCall,
  ToolCall,
} from "./chat";
export { Fallback, LLMAnswer, LLMChoice, LLMRequest, LLMUsage } from "./common";
export { BifrostChatResponse, BifrostResponse, ResponseChoice } from "./response";
export { kindOfRequestType, REQUEST_TYPE_KEY, RequestKind, requestKindName } from "./kinds";
export {
  TextCompletionChoice,
  TextCompletionParameters,
  TextCompletionRequest,
  TextCompletionResponse,
} from "./text_completion";
export {
  ResponsesItem,
  ResponsesItemType,
  ResponsesParameters,
  ResponsesRequest,
  ResponsesResponse,
  ResponsesStreamEvent,
  ResponsesUsage,
} from "./responses";
export { EmbeddingData, EmbeddingParameters, EmbeddingRequest, EmbeddingResponse } from "./embedding";
export { ListModelsRequest, ListModelsResponse, ModelEntry } from "./models";
export { BifrostError, ErrorField, LLMPluginShortCircuit } from "./error";
export {
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
} from "./hooks";
export { decodeBase64, encodeBase64 } from "./base64";
