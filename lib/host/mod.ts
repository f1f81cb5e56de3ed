/**
 * The conformance host: loads a plugin as Bifrost does and calls its hooks strictly, with builders of typed inputs.
 *
 * @example
 * ```ts
 * import { preHookInput } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(preHookInput({ model: "gpt-4o" }).request.model, "gpt-4o");
 * ```
 *
 * @module
 */
export {
  type CallStats,
  DEFAULT_HOOK_TIMEOUT_MS,
  type HookCall,
  type HostOptions,
  type PluginSource,
} from "./types.ts";
export {
  type Engine,
  ENGINE_ENV,
  engineAvailability,
  EngineNotFoundError,
  ENGINES,
  findEngine,
  type FindEngineOptions,
  parseEngine,
} from "./engine.ts";
export { checkFreePolicies, PluginHost, type PolicyReport, type PolicyResult } from "./host.ts";
export {
  type AnswerOptions,
  chatResponse,
  type ChatResponseOptions,
  type EmbeddingInputOptions,
  embeddingPreHookInput,
  embeddingResponse,
  httpPostHookInput,
  type HttpPostHookInputOptions,
  httpPreHookInput,
  type HttpPreHookInputOptions,
  httpRequest,
  type HttpRequestOptions,
  type KindInputOptions,
  listModelsPreHookInput,
  listModelsResponse,
  postHookInput,
  type PostHookInputOptions,
  preHookInput,
  type PreHookInputOptions,
  type ResponsesInputOptions,
  responsesPreHookInput,
  responsesResponse,
  streamChunkInput,
  type StreamChunkInputOptions,
  TEST_REQUEST_ID,
  type TextCompletionInputOptions,
  textCompletionPreHookInput,
  textCompletionResponse,
} from "./input_builders.ts";
