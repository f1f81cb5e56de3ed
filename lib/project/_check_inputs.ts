/**
 * The inputs `checkPlugin` sends each hook, in six kinds:
 *
 * - `sample`: the shapes of Bifrost's Rust example, well-formed; a plugin
 *   must answer them.
 * - `go-nulls`: what Go's `encoding/json` writes for nil maps, byte slices
 *   and pointers (`null`), which Bifrost sends for a request without a body
 *   or query, an assistant message that only calls tools, a response without
 *   usage.
 * - `rich`: fields the types of Bifrost's Rust example do not name (provider parameters,
 *   content blocks, `extra_fields`, logprobs, usage details, error details),
 *   which a pass-through must not drop.
 * - `kinds`: requests and answers beyond chat (the Responses API,
 *   embeddings, model lists), which Bifrost runs the LLM hooks for too
 *   (`docs/abi-request-kinds.md`), in the shapes the local gateway sends.
 * - `stream`: what a streamed request brings (`docs/abi.md`, Streams):
 *   post_hook on one `chat.completion.chunk` (a delta without a role, no
 *   usage), the HTTP post hook after the stream (no bodies).
 * - `malformed`: input Bifrost should never send (not JSON, `{}`, wrong
 *   types, nesting 1000 deep): how the plugin fails, not whether.
 *
 * Private to the library.
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import type { BifrostChatResponse } from "../abi/hook_types.ts";
import {
  chatResponse,
  embeddingPreHookInput,
  httpPostHookInput,
  httpPreHookInput,
  listModelsPreHookInput,
  postHookInput,
  preHookInput,
  responsesPreHookInput,
  streamChunkInput,
} from "../host/input_builders.ts";

/** What a kind of input tells about a plugin. */
export type CaseKind = "sample" | "go-nulls" | "rich" | "kinds" | "stream" | "malformed";

/** One input for one hook. */
export interface CheckCase {
  /** The HTTP pre hook is `http_pre_hook`; the checker calls whichever name the plugin exports. */
  hook: HookName;
  /** Stable within the hook, e.g. `go-nulls`. */
  id: string;
  /** For people: what the input is. */
  label: string;
  kind: CaseKind;
  /** Sent as JSON, or as is when a string. */
  input: unknown;
}

/**
 * Input and output fields a hook passes through: a returned value (not
 * `null` or `{}`) replaces the input's, so every field it lacks is lost.
 */
export const PASS_THROUGH: Record<HookName, readonly string[]> = {
  http_intercept: ["request"],
  http_pre_hook: ["request"],
  http_post_hook: ["response"],
  http_stream_chunk_hook: ["chunk"],
  pre_hook: ["request"],
  post_hook: ["response", "error"],
};

const CHAT_BODY = { model: "openai/gpt-4o", messages: [{ role: "user", content: "Hello" }] };
const HEADERS = { "Content-Type": "application/json" };
const TOOL_CALL = { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };

const CHECK_CONTEXT = { "request-id": "check-1" };

/** The context Bifrost's HTTP transport gives a request of `type`. */
const kindContext = (type: string) => ({ ...CHECK_CONTEXT, "bifrost-http-request-type": type });

/** Requests and answers of the kinds beyond chat, for the hooks that see them. */
function otherKinds(): CheckCase[] {
  const kind = (hook: HookName, id: string, label: string, input: unknown): CheckCase => ({
    hook,
    id,
    label,
    kind: "kinds",
    input,
  });
  return [
    kind(
      "pre_hook",
      "responses",
      "a Responses API request",
      responsesPreHookInput({
        context: CHECK_CONTEXT,
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "What is 2+2?" }] }],
        params: { instructions: "Be brief" },
      }),
    ),
    kind(
      "pre_hook",
      "embedding",
      "an embeddings request",
      embeddingPreHookInput({
        context: CHECK_CONTEXT,
        input: ["hello", "world"],
        params: { encoding_format: "base64" },
      }),
    ),
    kind("pre_hook", "list-models", "a model list request", listModelsPreHookInput({ context: CHECK_CONTEXT })),
    kind("post_hook", "responses-answer", "a Responses API answer", {
      context: kindContext("responses"),
      response: {
        responses_response: {
          id: "resp-1",
          object: "response",
          created_at: 1_735_689_600,
          status: "completed",
          model: "gpt-4o",
          output: [{
            type: "message",
            id: "msg-1",
            status: "completed",
            role: "assistant",
            content: [{ type: "output_text", text: "4", annotations: [] }],
          }],
          usage: { input_tokens: 12, output_tokens: 1, total_tokens: 13 },
        },
      },
      error: {},
      has_error: false,
    }),
    kind("post_hook", "embedding-answer", "an embeddings answer", {
      context: kindContext("embedding"),
      response: {
        embedding_response: {
          object: "list",
          model: "text-embedding-3-small",
          data: [{ object: "embedding", index: 0, embedding: [0.0023, -0.0093] }],
          usage: { prompt_tokens: 2, total_tokens: 2 },
        },
      },
      error: {},
      has_error: false,
    }),
  ];
}

/** What a streamed chat request brings: post_hook once per chunk, the HTTP post hook after the stream. */
function streamCases(): CheckCase[] {
  const context = kindContext("chat_completion_stream");
  const chunk: BifrostChatResponse = {
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "gpt-4o",
    system_fingerprint: "fp_1",
    choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }],
  };
  const after = httpPostHookInput({
    context,
    headers: HEADERS,
    responseHeaders: { "Content-Type": "text/event-stream" },
  });
  return [{
    hook: "post_hook",
    id: "stream-chunk",
    label: "a streamed chat chunk",
    kind: "stream",
    input: postHookInput({
      context,
      response: { chat_response: chunk },
    }),
  }, {
    hook: "http_post_hook",
    id: "after-stream",
    label: "after a stream: no bodies",
    kind: "stream",
    input: { ...after, request: { ...after.request, body: null }, response: { ...after.response, body: null } },
  }];
}

/** `[[[...]]]`, `depth` arrays deep. */
function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

/** A JSON text with `context.nested` `depth` arrays deep. */
function deeplyNested(input: { context: Record<string, unknown> }, depth: number): string {
  const marker = "__bifrost_as_nested__";
  return JSON.stringify({ ...input, context: { ...input.context, nested: marker } })
    .replace(`"${marker}"`, nested(depth));
}

/** The input of each kind for one hook: sample first. */
function casesOf(
  hook: HookName,
  sample: { context: Record<string, unknown> },
  more: { goNulls?: unknown; rich?: unknown; wrongTypes: unknown; extra?: CheckCase[] },
): CheckCase[] {
  const text = JSON.stringify(sample);
  const cases: CheckCase[] = [{
    hook,
    id: "sample",
    label: "a well-formed input (the shape in Bifrost's Rust example)",
    kind: "sample",
    input: sample,
  }];
  cases.push(...(more.extra ?? []));
  if (more.goNulls) {
    cases.push({
      hook,
      id: "go-nulls",
      label: "Go's nil maps, byte slices and pointers as null",
      kind: "go-nulls",
      input: more.goNulls,
    });
  }
  if (more.rich) {
    cases.push({
      hook,
      id: "rich",
      label: "fields the types of Bifrost's Rust example do not name",
      kind: "rich",
      input: more.rich,
    });
  }
  cases.push(
    { hook, id: "not-json", label: "not JSON", kind: "malformed", input: text.slice(0, Math.floor(text.length / 2)) },
    { hook, id: "empty", label: "{}", kind: "malformed", input: "{}" },
    { hook, id: "wrong-types", label: "wrong types", kind: "malformed", input: more.wrongTypes },
    { hook, id: "deep", label: "nesting 1000 deep", kind: "malformed", input: deeplyNested(sample, 1000) },
  );
  return cases;
}

/** Every case, for every hook, in the order a request meets the hooks. */
export function checkCases(): CheckCase[] {
  const httpPre = httpPreHookInput({ headers: HEADERS, body: CHAT_BODY });
  const goGet = httpPreHookInput({ method: "GET", path: "/v1/models", headers: { Accept: "application/json" } });
  const pre = preHookInput({ params: { temperature: 0.7 } });
  const post = postHookInput();
  const httpPost = httpPostHookInput({ headers: HEADERS, body: CHAT_BODY });
  const chunk = streamChunkInput({ request: { headers: HEADERS, body: { ...CHAT_BODY, stream: true } } });
  return [
    ...casesOf("http_pre_hook", httpPre, {
      goNulls: { ...goGet, request: { ...goGet.request, query: null } },
      wrongTypes: { ...httpPre, request: { ...httpPre.request, headers: ["Content-Type: application/json"] } },
    }),
    ...casesOf("pre_hook", pre, {
      goNulls: {
        ...pre,
        request: {
          ...pre.request,
          input: [
            { role: "user", content: "What is the weather in Paris?" },
            { role: "assistant", content: null, tool_calls: [TOOL_CALL] },
            { role: "tool", tool_call_id: "call_1", content: '{"celsius":21}' },
          ],
          params: null,
          fallbacks: null,
        },
      },
      rich: preHookInput({
        messages: [
          { role: "developer", content: "Answer briefly." },
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this picture?" },
              { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "low" } },
            ],
          },
        ],
        params: {
          temperature: 0.2,
          reasoning_effort: "low",
          response_format: { type: "json_object" },
          seed: 42,
          user: "user-7",
          logit_bias: { "50256": -100 },
          parallel_tool_calls: false,
        },
        fallbacks: [{ provider: "anthropic", model: "claude-3-5-sonnet" }],
      }),
      wrongTypes: { ...pre, request: { ...pre.request, model: 42, input: "Hello" } },
    }),
    ...casesOf("post_hook", post, {
      extra: [{
        hook: "post_hook",
        id: "error",
        label: "an error result",
        kind: "sample",
        input: postHookInput({ error: "Upstream failed", statusCode: 502 }),
      }],
      goNulls: postHookInput({
        response: {
          chat_response: {
            ...chatResponse({ finishReason: "tool_calls" }),
            choices: [{
              index: 0,
              message: { role: "assistant", content: null, tool_calls: [TOOL_CALL] },
              finish_reason: "tool_calls",
            }],
            usage: null,
          },
        },
      }),
      rich: postHookInput({
        response: {
          chat_response: {
            ...chatResponse(),
            system_fingerprint: "fp_1",
            service_tier: "default",
            choices: [{
              index: 0,
              message: { role: "assistant", content: "Hi!", refusal: null, annotations: [] },
              finish_reason: "stop",
              logprobs: { content: [{ token: "Hi", logprob: -0.01, bytes: [72, 105] }] },
            }],
            usage: {
              prompt_tokens: 10,
              completion_tokens: 5,
              total_tokens: 15,
              prompt_tokens_details: { cached_tokens: 0 },
              completion_tokens_details: { reasoning_tokens: 3 },
            },
            extra_fields: { provider: "openai", request_type: "chat_completion", latency: 123.5 },
          },
        },
      }),
      wrongTypes: {
        ...post,
        has_error: "false",
        response: { chat_response: { ...post.response!.chat_response, choices: {} } },
      },
    }).concat([{
      hook: "post_hook",
      id: "rich-error",
      label: "an error with fields the types of Bifrost's Rust example do not name",
      kind: "rich",
      input: postHookInput({
        error: {
          is_bifrost_error: false,
          status_code: 502,
          error: { message: "Upstream failed", type: "server_error", code: "502", param: "model", event_id: "e1" },
          allow_fallbacks: true,
          extra_fields: { provider: "openai", model_requested: "gpt-4o" },
        },
      }),
    }]),
    ...casesOf("http_post_hook", httpPost, {
      goNulls: {
        ...httpPost,
        request: { ...httpPost.request, query: null },
        response: { status_code: 204, headers: null, body: null },
      },
      wrongTypes: { ...httpPost, response: { ...httpPost.response, status_code: "200" } },
    }),
    ...otherKinds(),
    ...streamCases(),
    ...casesOf("http_stream_chunk_hook", chunk, {
      rich: streamChunkInput({
        chunk: {
          id: "chatcmpl-1",
          object: "chat.completion.chunk",
          created: 1_700_000_000,
          model: "gpt-4o",
          system_fingerprint: "fp_1",
          choices: [{
            index: 0,
            delta: { tool_calls: [{ index: 0, ...TOOL_CALL }] },
            finish_reason: null,
            logprobs: null,
          }],
          usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
        },
      }),
      wrongTypes: { ...chunk, chunk: 'data: {"id":"chatcmpl-1"}' },
    }),
  ];
}
