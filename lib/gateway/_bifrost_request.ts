/**
 * A client's OpenAI body as the Bifrost request the LLM hooks see: flat
 * `{provider, model, input, params, fallbacks}` for every kind, the kind's
 * own `input` (see `docs/abi-request-kinds.md`). Private to the gateway.
 *
 * @module
 */
import type { BifrostRequest, Fallback } from "../abi/hook_types.ts";
import type { KindSpec } from "./_kinds.ts";

/** The only provider the local gateway has. */
export const PROVIDER = "openai";

/** Bifrost's provider names: on the OpenAI integration route a model starting `name/` names its provider. */
const PROVIDERS = new Set([
  "openai",
  "azure",
  "anthropic",
  "bedrock",
  "cohere",
  "vertex",
  "mistral",
  "ollama",
  "groq",
  "sgl",
  "parasail",
  "perplexity",
  "cerebras",
  "deepseek",
  "gemini",
  "openrouter",
  "elevenlabs",
  "huggingface",
  "nebius",
  "xai",
  "replicate",
  "vllm",
]);

/** A request the gateway can serve, or why not (a 400). */
export type BuiltRequest = { request: BifrostRequest; stream: boolean } | { problem: string };

/** Splits a model into provider and model: `provider/model` on Bifrost's routes; a bare model means `openai` on the integration's. */
function providerModel(model: string, integration: boolean): [string, string] | string {
  const slash = model.indexOf("/");
  const prefix = slash > 0 ? model.slice(0, slash) : undefined;
  if (integration) return prefix && PROVIDERS.has(prefix) ? [prefix, model.slice(slash + 1)] : [PROVIDER, model];
  if (prefix === undefined) return `Model must be written as "provider/model", got ${JSON.stringify(model)}`;
  return [prefix, model.slice(slash + 1)];
}

/**
 * The Bifrost request for a client's body on a route.
 *
 * @example
 * ```ts
 * import { buildRequest } from "./_bifrost_request.ts";
 * import { KINDS } from "./_kinds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(buildRequest(KINDS.text_completion, { model: "gpt-3.5-turbo-instruct", prompt: "Hi", max_tokens: 5 }, true), {
 *   request: { provider: "openai", model: "gpt-3.5-turbo-instruct", input: "Hi", params: { max_tokens: 5 } },
 *   stream: false,
 * });
 * assert.deepEqual(buildRequest(KINDS.chat, { model: "gpt-4o", messages: [] }, false), {
 *   problem: 'Model must be written as "provider/model", got "gpt-4o"',
 * });
 * ```
 */
export function buildRequest(kind: KindSpec, body: Record<string, unknown>, integration: boolean): BuiltRequest {
  if (kind.name === "list_models") return { request: { provider: PROVIDER }, stream: false };
  const { model, stream, fallbacks } = body;
  if (typeof model !== "string" || model === "") {
    return { problem: `Field "model" must be a non-empty string, got ${JSON.stringify(model) ?? "nothing"}` };
  }
  const split = providerModel(model, integration);
  if (typeof split === "string") return { problem: split };
  const [provider, name] = split;
  if (provider !== PROVIDER) return { problem: `Provider "${provider}" is not configured (only "${PROVIDER}" is)` };
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    return { problem: `Field "stream" must be a boolean, got ${JSON.stringify(stream)}` };
  }
  if (stream === true && !kind.streamRequestType) return { problem: `${kind.upstream.path} does not stream` };
  const parsed = kind.parse(body);
  if (typeof parsed === "string") return { problem: parsed };
  const request: BifrostRequest = { provider, model: name, input: parsed.input, params: parsed.params };
  if (fallbacks !== undefined && fallbacks !== null) {
    if (!Array.isArray(fallbacks) || !fallbacks.every((f) => typeof f === "string")) {
      return { problem: 'Field "fallbacks" must be an array of "provider/model" strings' };
    }
    request.fallbacks = fallbacks.map((f): Fallback => {
      const [fp, ...fm] = f.split("/");
      return { provider: fp!, model: fm.join("/") };
    });
  }
  return { request, stream: stream === true };
}
