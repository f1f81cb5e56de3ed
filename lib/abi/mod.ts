/**
 * Bifrost's WASM plugin ABI, in one place for every engine, the gateway and
 * `check`: the exports and their signatures, the i64 pointer packing, the
 * typed hook inputs and outputs, the request kinds, and the output contract
 * each hook's answer must meet. `docs/abi.md` says what is documented and
 * what is guessed.
 *
 * @example
 * ```ts
 * import { checkOutput, unpackPtrLen } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(unpackPtrLen((8n << 32n) | 3n), { ptr: 8, len: 3 });
 * assert.deepEqual(checkOutput("pre_hook", { context: {}, has_short_circuit: false }).violations, []);
 * ```
 *
 * @module
 */
export {
  EXPORT_SIGNATURES,
  HOOK_NAMES,
  type HookName,
  OPTIONAL_EXPORTS,
  packPtrLen,
  type Profile,
  PROFILES,
  REQUIRED_EXPORTS,
  type Signature,
  unpackPtrLen,
  type ValType,
} from "./abi.ts";
export type {
  BifrostChatRequest,
  BifrostChatResponse,
  BifrostContext,
  BifrostEmbeddingRequest,
  BifrostEmbeddingResponse,
  BifrostError,
  BifrostListModelsRequest,
  BifrostListModelsResponse,
  BifrostRequest,
  BifrostResponse,
  BifrostResponsesRequest,
  BifrostResponsesResponse,
  BifrostTextCompletionRequest,
  BifrostTextCompletionResponse,
  ChatContentBlock,
  ChatMessage,
  ChatMessageContent,
  ChatMessageRole,
  ChatParameters,
  ChatTool,
  EmbeddingContentPart,
  ErrorField,
  Fallback,
  HookInputOf,
  HookOutputOf,
  HookTypes,
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  HTTPRequest,
  HTTPResponse,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  LLMPluginShortCircuit,
  LLMUsage,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
  RequestType,
  ResponseChoice,
  ResponsesItem,
  ResponsesUsage,
  StreamChunk,
  StringMap,
  ToolCall,
} from "./hook_types.ts";
export { type KindReading, type RequestKindName, requestKindOf, responseKindOf } from "./request_kinds.ts";
export { checkOutput, type ContractReport, passThrough } from "./contract.ts";
export { FREE_POLICIES, type FreePolicy } from "./free_policy.ts";
