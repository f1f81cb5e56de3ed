/**
 * The benchmark's hook inputs, built deterministically: the request and
 * answer in the README of Bifrost's Rust example plugin, a 20-message conversation
 * of about 1 KB per message, a request with one ~100 KB message, and a
 * response with ~50 KB of content.
 *
 * @example
 * ```ts
 * import { BENCH_INPUTS } from "./inputs.ts";
 * import assert from "node:assert/strict";
 *
 * const conversation = BENCH_INPUTS.find((i) => i.id === "pre_20x1k")!;
 * assert.equal(JSON.parse(conversation.text).request.input.length, 20);
 * ```
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";

/** One benchmark input: the hook it is for and its JSON text. */
export interface BenchInput {
  /** Stable id, used in `--json` output. */
  id: string;
  hook: HookName;
  /** What a reader sees in the table. */
  label: string;
  text: string;
}

const WORDS = [
  "the",
  "gateway",
  "routes",
  "each",
  "request",
  "to",
  "a",
  "provider",
  "and",
  "plugins",
  "see",
  "it",
  "first",
  "model",
  "tokens",
  "latency",
  "budget",
  "answer",
  "with",
  "context",
  "summarise",
  "this",
  "document",
  "for",
  "engineers",
  "who",
  "need",
  "numbers",
  "not",
  "adjectives",
  "résumé",
  "naïve",
  "日本語",
  "emoji",
  "🚀",
];

/** Deterministic prose of about `bytes` UTF-8 bytes, with sentences, newlines and a quoted phrase. */
export function prose(bytes: number, salt = 0): string {
  const encoder = new TextEncoder();
  let out = "";
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const word = WORDS[(i * 7 + salt * 13 + ((i / 11) | 0)) % WORDS.length]!;
    const sep = i % 17 === 16 ? ".\n" : i % 29 === 28 ? ' "quoted", ' : " ";
    const piece = word + sep;
    out += piece;
    size += encoder.encode(piece).length;
  }
  return out;
}

/** The pre_hook input of Bifrost's Rust example (its README's request). */
export const SEED_PRE_HOOK = {
  context: { request_id: "abc-123" },
  request: {
    provider: "openai",
    model: "gpt-4",
    input: [{ role: "user", content: "Hello" }],
    params: { temperature: 0.7 },
  },
};

/** The post_hook input of Bifrost's Rust example (its README's answer). */
export const SEED_POST_HOOK = {
  context: { request_id: "abc-123", plugin_processed: true },
  response: {
    chat_response: {
      id: "chatcmpl-123",
      model: "gpt-4",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi!" } }],
      usage: { prompt_tokens: 5, completion_tokens: 10, total_tokens: 15 },
    },
  },
  error: {},
  has_error: false,
};

const TYPE_KEY = "bifrost-http-request-type";

/**
 * pre_hook and post_hook inputs of every request kind, in the shapes the
 * local gateway sends (flat, with the request type in the context) and in
 * the other shapes the SDK reads (wrapped under `chat_request` or Go's
 * `TextCompletionRequest`, a `RequestType` field, shape only, flat answers):
 * the fuzzer's corpus for the kinds besides the Rust example's chat.
 */
export const KIND_SAMPLES = {
  pre_hook: [
    {
      context: { "request-id": "k-text", [TYPE_KEY]: "text_completion" },
      request: { provider: "openai", model: "mock-model", input: "Say this is a test", params: { max_tokens: 7 } },
    },
    {
      context: { "request-id": "k-resp", [TYPE_KEY]: "responses_stream" },
      request: {
        provider: "openai",
        model: "gpt-4o",
        input: [
          { type: "message", role: "user", content: [{ type: "input_text", text: "What is 2+2?" }] },
          { type: "function_call", call_id: "c1", name: "add", arguments: '{"a":2,"b":2}' },
          { type: "function_call_output", call_id: "c1", output: "4" },
        ],
        params: { instructions: "Be brief", max_output_tokens: 64, tools: [{ type: "function", name: "add" }] },
        fallbacks: [{ provider: "openai", model: "gpt-4o-mini" }],
      },
    },
    {
      context: { request_id: "k-emb", [TYPE_KEY]: "embedding" },
      request: {
        provider: "openai",
        model: "text-embedding-3-small",
        input: [[{ type: "text", text: "hello" }], { content: [{ type: "tokens", tokens: [1, 2] }] }],
        params: { encoding_format: "base64", dimensions: 8 },
      },
    },
    { context: { "request-id": "k-models", [TYPE_KEY]: "list_models" }, request: { provider: "openai" } },
    {
      context: { request_id: "k-wrapped" },
      request: { chat_request: { provider: "openai", model: "mock-model", input: [{ role: "user", content: "Hi" }] } },
    },
    {
      context: { request_id: "k-go" },
      request: {
        RequestType: "text_completion",
        TextCompletionRequest: { provider: "openai", model: "rate-limited-model", input: ["a", "b"] },
        ChatRequest: null,
      },
    },
    {
      context: { request_id: "k-shape" },
      request: { provider: "openai", model: "mock-model", input: [{ type: "message", role: "user", content: "Hi" }] },
    },
  ],
  post_hook: [
    {
      context: { request_id: "k-text" },
      response: {
        text_completion_response: {
          id: "cmpl-1",
          object: "text_completion",
          model: "gpt-3.5-turbo-instruct",
          choices: [{ index: 0, text: "This is a test", finish_reason: "stop", logprobs: null }],
          usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
        },
      },
      error: {},
      has_error: false,
    },
    {
      context: { request_id: "k-resp" },
      response: {
        responses_response: {
          id: "resp-1",
          object: "response",
          created_at: 1735689600,
          status: "completed",
          model: "gpt-4o",
          output: [
            { type: "reasoning", id: "rs-1", summary: [] },
            {
              type: "message",
              id: "msg-1",
              status: "completed",
              role: "assistant",
              content: [{ type: "output_text", text: "4", annotations: [] }],
            },
          ],
          usage: {
            input_tokens: 12,
            output_tokens: 1,
            total_tokens: 13,
            output_tokens_details: { reasoning_tokens: 0 },
          },
        },
      },
      error: {},
      has_error: false,
    },
    {
      context: { request_id: "k-emb" },
      response: {
        embedding_response: {
          object: "list",
          model: "text-embedding-3-small",
          data: [{ object: "embedding", index: 0, embedding: [0.0023064255, -0.009327292, 1e-7] }],
          usage: { prompt_tokens: 1, total_tokens: 1 },
        },
      },
      error: {},
      has_error: false,
    },
    {
      context: { request_id: "k-models" },
      response: { list_models_response: { object: "list", data: [{ id: "openai/gpt-4o", object: "model" }] } },
      error: {},
      has_error: false,
    },
    {
      context: { request_id: "k-flat" },
      response: { object: "chat.completion", id: "c", model: "gpt-4o", choices: [] },
      error: {},
      has_error: false,
    },
    {
      context: { request_id: "k-go" },
      response: { ResponsesResponse: { object: "response", model: "gpt-4o", output: [] }, ChatResponse: null },
      error: null,
      has_error: false,
    },
  ],
};

function conversation(messages: number, bytesEach: number) {
  return {
    context: { request_id: "bench-conversation", "request-id": "bench-conversation" },
    request: {
      provider: "openai",
      model: "gpt-4o",
      input: Array.from({ length: messages }, (_, i) => ({
        role: i === 0 ? "system" : i % 2 ? "user" : "assistant",
        content: prose(bytesEach, i),
      })),
      params: { temperature: 0.2, max_completion_tokens: 512, stop: ["\n\n"] },
      fallbacks: [{ provider: "anthropic", model: "claude-3-5-sonnet" }],
    },
  };
}

function response(contentBytes: number) {
  return {
    context: { request_id: "bench-response", plugin_processed: true },
    response: {
      chat_response: {
        id: "chatcmpl-bench",
        object: "chat.completion",
        created: 1732540000,
        model: "gpt-4o",
        choices: [{
          index: 0,
          message: { role: "assistant", content: prose(contentBytes, 3) },
          finish_reason: "stop",
        }],
        usage: { prompt_tokens: 1200, completion_tokens: 9000, total_tokens: 10200 },
      },
    },
    error: {},
    has_error: false,
  };
}

/** Every benchmark input, in table order. */
export const BENCH_INPUTS: readonly BenchInput[] = [
  { id: "pre_seed", hook: "pre_hook", label: "pre_hook, Rust example's request", text: JSON.stringify(SEED_PRE_HOOK) },
  {
    id: "pre_20x1k",
    hook: "pre_hook",
    label: "pre_hook, 20 messages x 1 KB",
    text: JSON.stringify(conversation(20, 1024)),
  },
  {
    id: "pre_100k",
    hook: "pre_hook",
    label: "pre_hook, one 100 KB message",
    text: JSON.stringify(conversation(1, 100 * 1024)),
  },
  {
    id: "post_seed",
    hook: "post_hook",
    label: "post_hook, Rust example's answer",
    text: JSON.stringify(SEED_POST_HOOK),
  },
  {
    id: "post_50k",
    hook: "post_hook",
    label: "post_hook, 50 KB response",
    text: JSON.stringify(response(50 * 1024)),
  },
];

/** The inputs whose pre_hook cost has a target (at most 2x the native floor). */
export const TARGET_INPUTS: readonly string[] = ["pre_seed", "pre_20x1k"];
