/**
 * The one set of end-to-end assertions, run unchanged against every target
 * (local gateway, compose with a real Bifrost image, or given URLs). Each
 * check talks to the gateway as a user's app does, with the official
 * `openai` client or the Vercel AI SDK (`ai` with `@ai-sdk/openai`), or with
 * raw HTTP where the point is the wire, and to the
 * mock upstream's recording endpoints, and asserts only what a user of the
 * gateway can observe. The plugin under test is held to the behaviours stated
 * for it (`plugin_under_test.ts`): a check of a behaviour not expected of it
 * (`expects`) or of a request kind it does not handle (`needs`) is skipped,
 * with the reason; every other check asserts pass-through where no behaviour
 * is expected (the suffixes are then empty: the model and the error message
 * must come back exactly as the upstream gave them). No check depends on the
 * order of keys in a JSON object.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createOpenAI } from "@ai-sdk/openai";
import { APICallError, generateText, streamText } from "ai";
import OpenAI from "openai";
import type { Behaviour, PluginKind, PluginUnderTest } from "./plugin_under_test.ts";

/** Where a target is reachable from the machine running the checks. */
export interface Endpoints {
  /** The gateway, e.g. `http://127.0.0.1:8080`. */
  gatewayUrl: string;
  /** The mock upstream, for its `/__mock/*` endpoints. */
  upstreamUrl: string;
}

/** One end-to-end check. */
export interface Check {
  name: string;
  /** The kinds beyond chat the check needs the plugin to handle (pass through, or have its behaviours for). */
  needs?: readonly PluginKind[];
  /** The behaviours the check is about; it is skipped for a plugin not expected to have them. */
  expects?: readonly Behaviour[];
  run(e: Endpoints, plugin: PluginUnderTest): Promise<void>;
}

/**
 * Why `check` does not apply to `plugin`, or `undefined` when it does.
 *
 * @example
 * ```ts
 * import { skipReason } from "./checks.ts";
 * import assert from "node:assert/strict";
 *
 * const plugin = {
 *   label: "rust",
 *   behaviours: [],
 *   modelSuffix: "",
 *   errorSuffix: "",
 *   kinds: ["chat"] as const,
 *   source: "from --kinds",
 * };
 * assert.equal(
 *   skipReason({ name: "x", needs: ["responses"], run: async () => {} }, plugin),
 *   "not expected of this plugin: responses requests (it handles chat, from --kinds)",
 * );
 * assert.equal(
 *   skipReason({ name: "y", expects: ["mock"], run: async () => {} }, plugin),
 *   "not expected of this plugin: mock (state it with --expect mock)",
 * );
 * assert.equal(skipReason({ name: "z", run: async () => {} }, plugin), undefined);
 * ```
 */
export function skipReason(check: Check, plugin: PluginUnderTest): string | undefined {
  const lacking = (check.expects ?? []).filter((b) => !plugin.behaviours.includes(b));
  if (lacking.length) {
    return `not expected of this plugin: ${lacking.join(", ")} (state it with --expect ${
      [...plugin.behaviours, ...lacking].join(",")
    })`;
  }
  const missing = (check.needs ?? []).filter((k) => !plugin.kinds.includes(k));
  if (missing.length === 0) return undefined;
  return `not expected of this plugin: ${missing.join(", ")} requests (it handles ${
    plugin.kinds.join(", ")
  }, ${plugin.source})`;
}

/** The official OpenAI client pointed at the gateway: Bifrost's own routes, or its `/openai` drop-in prefix. */
function client(e: Endpoints, base = "/v1"): OpenAI {
  return new OpenAI({ baseURL: `${e.gatewayUrl}${base}`, apiKey: "sk-bifrost-as-e2e", maxRetries: 0, timeout: 15_000 });
}

/**
 * The Vercel AI SDK's OpenAI provider pointed at the gateway: `ai("model")`
 * uses the Responses API (the SDK's default), `ai.chat("model")` chat
 * completions.
 */
function aiSdk(e: Endpoints) {
  return createOpenAI({ baseURL: `${e.gatewayUrl}/v1`, apiKey: "sk-bifrost-as-e2e" });
}

/** What a promise rejected with (fails when it did not). */
async function rejection(p: PromiseLike<unknown>): Promise<unknown> {
  return await Promise.resolve(p).then(
    () => assert.fail("expected the call to fail"),
    (err: unknown) => err,
  );
}

function chat(e: Endpoints, model: string, content: string, stream = false): Promise<Response> {
  return fetch(`${e.gatewayUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], ...(stream ? { stream: true } : {}) }),
    signal: AbortSignal.timeout(15_000),
  });
}

async function clearUpstream(e: Endpoints): Promise<void> {
  const res = await fetch(`${e.upstreamUrl}/__mock/requests`, {
    method: "DELETE",
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
  assert.equal(res.status, 200, "the mock upstream's request log could not be cleared");
}

async function upstreamRequests(e: Endpoints, path: string): Promise<{ body: Record<string, unknown> }[]> {
  const res = await fetch(`${e.upstreamUrl}/__mock/requests`, { signal: AbortSignal.timeout(10_000) });
  const all = await res.json() as { path: string; body: Record<string, unknown> }[];
  return all.filter((r) => r.path.startsWith(path));
}

function upstreamChats(e: Endpoints) {
  return upstreamRequests(e, "/v1/chat/completions");
}

// deno-lint-ignore no-explicit-any -- the answers are checked field by field below
type Json = Record<string, any>;

async function json(res: Response): Promise<Json> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new assert.AssertionError({ message: `HTTP ${res.status} answered non-JSON: ${text.slice(0, 200)}` });
  }
}

/**
 * Checks an error message that went through the plugin: the upstream's
 * (which names `what`, e.g. `HTTP 500`) with the expected error suffix, or
 * unchanged when no suffix is expected.
 */
function assertErrorMessage(message: string, what: string, plugin: PluginUnderTest): void {
  const upstream = plugin.errorSuffix === "" ? message : message.slice(0, -plugin.errorSuffix.length);
  assert.ok(
    message.endsWith(plugin.errorSuffix) && upstream.endsWith(what),
    `expected the upstream's error message (ending "${what}")${
      plugin.errorSuffix ? ` with the suffix ${JSON.stringify(plugin.errorSuffix)}` : ", unchanged"
    }, got ${JSON.stringify(message)}`,
  );
}

/**
 * What a concurrent request got instead of its own answer: another
 * request's answer (which one), or something else, with what was expected.
 *
 * @example
 * ```ts
 * import { concurrencyMismatch } from "./checks.ts";
 * import assert from "node:assert/strict";
 *
 * const wants = ["Echo: 0", "Echo: 1"];
 * assert.equal(
 *   concurrencyMismatch(0, "Echo: 1", wants),
 *   'request 0 got request 1\'s answer "Echo: 1", expected "Echo: 0"',
 * );
 * assert.equal(concurrencyMismatch(1, "Echo: 1!", wants), 'request 1 got "Echo: 1!", expected "Echo: 1"');
 * ```
 */
export function concurrencyMismatch(i: number, got: unknown, wants: readonly string[]): string {
  const other = wants.findIndex((w, j) => j !== i && w === got && w !== wants[i]);
  const expected = `expected ${JSON.stringify(wants[i])}`;
  return other >= 0
    ? `request ${i} got request ${other}'s answer ${JSON.stringify(got)}, ${expected}`
    : `request ${i} got ${JSON.stringify(got)}, ${expected}`;
}

/**
 * What is wrong with one SSE event of a Responses API stream, or
 * `undefined`: it must be named (`event: <type>`) and carry a JSON object
 * whose `type` is that name, wherever the key stands in the object.
 *
 * @example
 * ```ts
 * import { sseEventProblem } from "./checks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(sseEventProblem('event: response.completed\ndata: {"response":{},"type":"response.completed"}'), undefined);
 * assert.equal(
 *   sseEventProblem('event: response.completed\ndata: {"type":"response.created"}'),
 *   'the event is named "response.completed" but its data\'s type is "response.created"',
 * );
 * assert.equal(sseEventProblem('data: {"type":"x"}'), "the event has no name (event: <type>)");
 * ```
 */
export function sseEventProblem(event: string): string | undefined {
  const lines = event.split("\n");
  const name = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
  if (!name) return "the event has no name (event: <type>)";
  const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return `the data of "${name}" is not JSON`;
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (type !== name) return `the event is named "${name}" but its data's type is ${JSON.stringify(type)}`;
  return undefined;
}

/** Every check, in the order the suite runs them. */
export const CHECKS: Check[] = [
  {
    name:
      "a normal request reaches the upstream and its answer comes back (the model with the expected suffix, if any)",
    async run(e, plugin) {
      await clearUpstream(e);
      const res = await chat(e, "openai/gpt-4o", "hello e2e");
      const body = await json(res);
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.model, `gpt-4o${plugin.modelSuffix}`);
      assert.equal(body.choices[0].message.content, "Echo: hello e2e");
      const seen = await upstreamChats(e);
      assert.equal(seen.length, 1, "the upstream should have seen exactly one chat request");
      assert.equal(seen[0]!.body.model, "gpt-4o");
    },
  },
  {
    name: "mock-model is answered by the plugin and the upstream sees nothing",
    expects: ["mock"],
    async run(e) {
      await clearUpstream(e);
      const res = await chat(e, "openai/mock-model", "hi");
      const body = await json(res);
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.choices[0].message.content, "This is a mock response!");
      assert.match(String(body.id), /^mock-/);
      assert.deepEqual(
        [body.usage.prompt_tokens, body.usage.completion_tokens, body.usage.total_tokens],
        [10, 15, 25],
      );
      assert.equal((await upstreamChats(e)).length, 0, "the upstream must not be called for mock-model");
    },
  },
  {
    name: "rate-limited-model fails with 429 and type rate_limit",
    expects: ["rate-limit"],
    async run(e) {
      await clearUpstream(e);
      const res = await chat(e, "openai/rate-limited-model", "hi");
      const body = await json(res);
      assert.equal(res.status, 429, JSON.stringify(body));
      assert.equal(body.error.type, "rate_limit");
      assert.match(body.error.message, /^Rate limit exceeded/);
      assert.equal((await upstreamChats(e)).length, 0, "the upstream must not be called for rate-limited-model");
    },
  },
  {
    name: "an upstream failure comes back with its status and message (with the expected error suffix, if any)",
    async run(e, plugin) {
      const res = await chat(e, "openai/fail-500", "hi");
      const body = await json(res);
      assert.equal(res.status, 500, JSON.stringify(body));
      assertErrorMessage(String(body.error.message), "HTTP 500", plugin);
    },
  },
  {
    name:
      "a streaming request streams every chunk through the post hook and the chunk hook (each model suffixed, if expected)",
    async run(e, plugin) {
      const res = await chat(e, "openai/gpt-4o", "stream these words please", true);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      const events = (await res.text()).split("\n\n").filter((x) => x.startsWith("data: ")).map((x) => x.slice(6));
      assert.equal(events.at(-1), "[DONE]", "the stream must end with [DONE]");
      const chunks = events.slice(0, -1).map((x) => JSON.parse(x));
      assert.ok(chunks.length >= 5, `expected one chunk per word, got ${chunks.length}`);
      const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");
      assert.equal(text, "Echo: stream these words please");
      for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
      // Bifrost runs the LLM post hook on every chunk: each carries the plugin's model suffix. Its OpenAI provider's
      // final usage chunk has no model of its own (""), so only the chunks with text are asked for the whole model.
      for (const c of chunks) assert.ok(String(c.model).endsWith(plugin.modelSuffix), `chunk model: ${c.model}`);
      for (const c of chunks.filter((c) => c.choices?.[0]?.delta?.content)) {
        assert.equal(c.model, `gpt-4o${plugin.modelSuffix}`);
      }
    },
  },
  {
    name: "a plugin that traps gives 500 and the next request succeeds",
    async run(e) {
      const res = await chat(e, "openai/trap-model", "boom");
      const body = await json(res);
      assert.equal(res.status, 500, JSON.stringify(body));
      const next = await chat(e, "openai/gpt-4o", "still alive?");
      const nextBody = await json(next);
      assert.equal(next.status, 200, JSON.stringify(nextBody));
      assert.equal(nextBody.choices[0].message.content, "Echo: still alive?");
    },
  },
  {
    name:
      "50 concurrent requests all get their own correct answers (every fifth a mock-model one, if mock is expected)",
    async run(e, plugin) {
      const mocks = plugin.behaviours.includes("mock");
      const want = (i: number) => mocks && i % 5 === 0 ? "This is a mock response!" : `Echo: question number ${i}`;
      const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const model = mocks && i % 5 === 0 ? "openai/mock-model" : "openai/gpt-4o";
        const res = await chat(e, model, `question number ${i}`);
        return { i, status: res.status, body: await json(res) };
      }));
      const wants = answers.map(({ i }) => want(i));
      for (const { i, status, body } of answers) {
        assert.equal(status, 200, `request ${i}: ${JSON.stringify(body)}`);
        const got = body.choices?.[0]?.message?.content;
        assert.equal(got, wants[i], concurrencyMismatch(i, got, wants));
      }
    },
  },
  {
    name:
      "openai client: chat.completions.create gets the upstream's answer (the model with the expected suffix, if any)",
    async run(e, plugin) {
      const answer = await client(e).chat.completions.create({
        model: "openai/gpt-4o",
        messages: [{ role: "user", content: "hello from the openai client" }],
      });
      assert.equal(answer.choices[0]?.message.content, "Echo: hello from the openai client");
      assert.equal(answer.model, `gpt-4o${plugin.modelSuffix}`);
    },
  },
  {
    name: "openai client: a streamed chat with stream_options.include_usage ends with a usage chunk",
    async run(e) {
      const stream = await client(e).chat.completions.create({
        model: "openai/gpt-4o",
        messages: [{ role: "user", content: "count these four words" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "Echo: count these four words");
      // The last chunk carries the usage (Bifrost's OpenAI provider folds it into a final chunk with an
      // empty delta; OpenAI sends it alone, with no choices): either way no text comes with it.
      const last = chunks.at(-1)!;
      assert.equal(last.choices[0]?.delta.content ?? "", "", "the usage chunk has no text");
      assert.deepEqual(last.usage, { prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    },
  },
  {
    name: "openai client: a streamed mock-model chat reads the plugin's answer from its one chunk",
    expects: ["mock"],
    async run(e, plugin) {
      await clearUpstream(e);
      const stream = await client(e).chat.completions.create({
        model: "openai/mock-model",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      // Bifrost streams a short-circuit as one chunk, as the plugin gave it: a chat.completion.chunk with a delta.
      assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "This is a mock response!");
      assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, "stop");
      for (const c of chunks) assert.equal(c.model, `mock-model${plugin.modelSuffix}`);
      assert.equal((await upstreamChats(e)).length, 0, "the upstream must not be called for mock-model");
    },
  },
  {
    name: "openai client: rate-limited-model raises RateLimitError (429)",
    expects: ["rate-limit"],
    async run(e) {
      const limited = await rejection(
        client(e).chat.completions.create({
          model: "openai/rate-limited-model",
          messages: [{ role: "user", content: "hi" }],
        }),
      );
      assert.ok(limited instanceof OpenAI.RateLimitError, `expected a RateLimitError, got ${limited}`);
      assert.equal(limited.status, 429);
      assert.match(limited.message, /Rate limit exceeded/);
    },
  },
  {
    name: "openai client: an upstream failure raises an APIError with its status (message suffixed, if expected)",
    async run(e, plugin) {
      const failed = await rejection(
        client(e).chat.completions.create({
          model: "openai/fail-503",
          messages: [{ role: "user", content: "hi" }],
        }),
      );
      assert.ok(failed instanceof OpenAI.APIError, `expected an APIError, got ${failed}`);
      assert.equal(failed.status, 503);
      assertErrorMessage(failed.message, "HTTP 503", plugin);
    },
  },
  {
    name:
      "AI SDK: generateText and streamText on chat completions (openai.chat) get the answer (suffixed, if expected, on every chunk)",
    async run(e, plugin) {
      const model = aiSdk(e).chat("openai/gpt-4o");
      const answer = await generateText({ model, prompt: "hello ai sdk", maxRetries: 0 });
      assert.equal(answer.text, "Echo: hello ai sdk");
      assert.equal(answer.response.modelId, `gpt-4o${plugin.modelSuffix}`);
      assert.equal(answer.finishReason, "stop");
      const stream = streamText({ model, prompt: "stream with the ai sdk", maxRetries: 0 });
      let text = "";
      for await (const delta of stream.textStream) text += delta;
      assert.equal(text, "Echo: stream with the ai sdk");
      assert.equal((await stream.response).modelId, `gpt-4o${plugin.modelSuffix}`);
      assert.equal(await stream.finishReason, "stop");
    },
  },
  {
    name: "AI SDK: generateText and streamText on the default openai(model), the Responses API",
    needs: ["responses"],
    async run(e) {
      await clearUpstream(e);
      const model = aiSdk(e)("openai/gpt-4o");
      const answer = await generateText({ model, prompt: "hello responses sdk", maxRetries: 0 });
      assert.equal(answer.text, "Echo: hello responses sdk");
      assert.ok(answer.response.modelId.startsWith("gpt-4o"), answer.response.modelId);
      const stream = streamText({ model, prompt: "stream the responses", maxRetries: 0 });
      let text = "";
      for await (const delta of stream.textStream) text += delta;
      assert.equal(text, "Echo: stream the responses");
      assert.equal(await stream.finishReason, "stop");
      assert.equal((await upstreamRequests(e, "/v1/responses")).length, 2, "both reach the Responses API upstream");
    },
  },
  {
    name: "AI SDK: mock-model is answered by the plugin on chat; rate-limited-model is an APICallError with status 429",
    expects: ["mock", "rate-limit"],
    async run(e) {
      await clearUpstream(e);
      const openai = aiSdk(e);
      const mock = await generateText({ model: openai.chat("openai/mock-model"), prompt: "hi", maxRetries: 0 });
      assert.equal(mock.text, "This is a mock response!");
      assert.deepEqual([mock.usage.inputTokens, mock.usage.outputTokens], [10, 15]);
      const limited = await rejection(
        generateText({ model: openai.chat("openai/rate-limited-model"), prompt: "hi", maxRetries: 0 }),
      );
      assert.ok(APICallError.isInstance(limited), `expected an APICallError, got ${limited}`);
      assert.equal(limited.statusCode, 429);
      assert.match(limited.message, /Rate limit exceeded/);
      assert.equal((await upstreamChats(e)).length, 0, "neither reaches the upstream");
    },
  },
  {
    name: "AI SDK: streamText on openai.chat(mock-model) reads the plugin's answer, finish reason and usage",
    expects: ["mock"],
    async run(e, plugin) {
      await clearUpstream(e);
      const stream = streamText({ model: aiSdk(e).chat("openai/mock-model"), prompt: "hi", maxRetries: 0 });
      let text = "";
      for await (const delta of stream.textStream) text += delta;
      assert.equal(text, "This is a mock response!");
      assert.equal(await stream.finishReason, "stop");
      const usage = await stream.usage;
      assert.deepEqual([usage.inputTokens, usage.outputTokens], [10, 15]);
      assert.equal((await stream.response).modelId, `mock-model${plugin.modelSuffix}`);
      assert.equal((await upstreamChats(e)).length, 0, "the upstream must not be called for mock-model");
    },
  },
  {
    name: "AI SDK: on the Responses API too, mock-model is answered by the plugin and rate-limited-model is a 429",
    needs: ["responses"],
    expects: ["mock", "rate-limit"],
    async run(e, plugin) {
      const openai = aiSdk(e);
      const mock = await generateText({ model: openai("openai/mock-model"), prompt: "hi", maxRetries: 0 });
      assert.equal(mock.text, "This is a mock response!");
      assert.equal(mock.response.modelId, `mock-model${plugin.modelSuffix}`);
      const limited = await rejection(
        generateText({ model: openai("openai/rate-limited-model"), prompt: "hi", maxRetries: 0 }),
      );
      assert.ok(APICallError.isInstance(limited), `expected an APICallError, got ${limited}`);
      assert.equal(limited.statusCode, 429);
    },
  },
  {
    name: "Responses API: responses.create gets the upstream's answer (the model with the expected suffix, if any)",
    needs: ["responses"],
    async run(e, plugin) {
      await clearUpstream(e);
      const answer = await client(e).responses.create({ model: "openai/gpt-4o", input: "hello responses" });
      assert.equal(answer.output_text, "Echo: hello responses");
      assert.equal(answer.status, "completed");
      assert.equal(answer.model, `gpt-4o${plugin.modelSuffix}`);
      assert.deepEqual(answer.usage && [answer.usage.input_tokens, answer.usage.output_tokens], [2, 3]);
      assert.equal((await upstreamRequests(e, "/v1/responses")).length, 1);
    },
  },
  {
    name: "Responses API: mock-model is answered by the plugin, rate-limited-model refused",
    needs: ["responses"],
    expects: ["mock", "rate-limit"],
    async run(e, plugin) {
      await clearUpstream(e);
      const openai = client(e);
      const mock = await openai.responses.create({ model: "openai/mock-model", input: "hi" });
      assert.equal(mock.output_text, "This is a mock response!");
      assert.equal(mock.model, `mock-model${plugin.modelSuffix}`);
      const answer = await openai.responses.create({ model: "openai/gpt-4o", input: "hi" });
      assert.equal(answer.model, `gpt-4o${plugin.modelSuffix}`);
      const limited = await rejection(openai.responses.create({ model: "openai/rate-limited-model", input: "hi" }));
      assert.ok(limited instanceof OpenAI.RateLimitError, `expected a RateLimitError, got ${limited}`);
      assert.equal((await upstreamRequests(e, "/v1/responses")).length, 1, "only gpt-4o reaches the upstream");
    },
  },
  {
    name: "Responses API streamed: text deltas, then a completed event, as OpenAI names them on the wire",
    needs: ["responses"],
    async run(e) {
      const stream = await client(e).responses.create({ model: "openai/gpt-4o", input: "stream it", stream: true });
      const events = [];
      for await (const event of stream) events.push(event);
      const deltas = events.flatMap((ev) => ev.type === "response.output_text.delta" ? [ev.delta] : []);
      assert.ok(deltas.length >= 3, `expected a delta per word, got ${deltas.length}`);
      assert.equal(deltas.join(""), "Echo: stream it");
      const last = events.at(-1)!;
      assert.equal(last.type, "response.completed");
      const message = last.type === "response.completed" ? last.response.output[0] : undefined;
      const part = message?.type === "message" ? message.content[0] : undefined;
      assert.equal(part?.type === "output_text" && part.text, "Echo: stream it");
      // The wire: each event named by its type, and no [DONE] (the Responses API sends none).
      const res = await fetch(`${e.gatewayUrl}/v1/responses`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o", input: "wire", stream: true }),
        signal: AbortSignal.timeout(15_000),
      });
      const wire = (await res.text()).split("\n\n").filter((x) => x !== "");
      assert.ok(!wire.some((x) => x.includes("[DONE]")), "the Responses API sends no [DONE]");
      for (const event of wire) assert.equal(sseEventProblem(event), undefined, event);
    },
  },
  {
    name: "Responses API streamed: mock-model comes as one response.completed event carrying the plugin's answer",
    needs: ["responses"],
    expects: ["mock"],
    async run(e, plugin) {
      await clearUpstream(e);
      const stream = await client(e).responses.create({ model: "openai/mock-model", input: "hi", stream: true });
      const events = [];
      for await (const event of stream) events.push(event);
      assert.deepEqual(events.map((ev) => ev.type), ["response.completed"]);
      const done = events[0]!.type === "response.completed" ? events[0]!.response : undefined;
      const message = done?.output[0];
      const part = message?.type === "message" ? message.content[0] : undefined;
      assert.equal(part?.type === "output_text" && part.text, "This is a mock response!");
      assert.equal(done?.model, `mock-model${plugin.modelSuffix}`);
      assert.deepEqual(done?.usage && [done.usage.input_tokens, done.usage.output_tokens], [10, 15]);
      assert.equal((await upstreamRequests(e, "/v1/responses")).length, 0);
    },
  },
  {
    name: "text completions: completions.create, streamed and not (every chunk's model suffixed, if expected)",
    needs: ["text_completion"],
    async run(e, plugin) {
      const openai = client(e);
      const answer = await openai.completions.create({ model: "openai/gpt-3.5-turbo-instruct", prompt: "Say hi" });
      assert.equal(answer.choices[0]?.text, "Echo: Say hi");
      assert.equal(answer.model, `gpt-3.5-turbo-instruct${plugin.modelSuffix}`);
      const stream = await openai.completions.create({
        model: "openai/gpt-3.5-turbo-instruct",
        prompt: "a b c",
        stream: true,
      });
      let text = "";
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? "";
        // The post hook runs on every chunk; Bifrost's final usage chunk has no model of its own ("").
        assert.ok(chunk.model.endsWith(plugin.modelSuffix), `the post hook runs on every chunk: ${chunk.model}`);
        if (chunk.choices[0]?.text) assert.equal(chunk.model, `gpt-3.5-turbo-instruct${plugin.modelSuffix}`);
      }
      assert.equal(text, "Echo: a b c");
    },
  },
  {
    name: "text completions: mock-model answered by the plugin, streamed and not",
    needs: ["text_completion"],
    expects: ["mock"],
    async run(e) {
      const openai = client(e);
      const mock = await openai.completions.create({ model: "openai/mock-model", prompt: "x" });
      assert.equal(mock.choices[0]?.text, "This is a mock response!");
      let mocked = "";
      for await (
        const chunk of await openai.completions.create({ model: "openai/mock-model", prompt: "x", stream: true })
      ) {
        mocked += chunk.choices[0]?.text ?? "";
      }
      assert.equal(mocked, "This is a mock response!");
    },
  },
  {
    name: "embeddings: embeddings.create gets one vector per input (base64 on the wire, as the client asks)",
    needs: ["embedding"],
    async run(e) {
      await clearUpstream(e);
      const answer = await client(e).embeddings.create({
        model: "openai/text-embedding-3-small",
        input: ["one", "two"],
      });
      assert.equal(answer.data.length, 2);
      for (const d of answer.data) {
        assert.equal(d.embedding.length, 8);
        assert.ok(d.embedding.every((x) => Number.isFinite(x) && x >= -1 && x <= 1));
      }
      assert.notDeepEqual(answer.data[0]!.embedding, answer.data[1]!.embedding);
      const [seen] = await upstreamRequests(e, "/v1/embeddings");
      assert.deepEqual(seen?.body, {
        encoding_format: "base64",
        model: "text-embedding-3-small",
        input: ["one", "two"],
      });
    },
  },
  {
    name: "models: models.list lists the upstream's models as provider/model",
    needs: ["list_models"],
    async run(e) {
      const ids = [];
      for await (const model of client(e).models.list()) ids.push(model.id);
      assert.ok(ids.includes("openai/gpt-4o"), ids.join(", "));
    },
  },
  {
    name:
      "the /openai drop-in route: the openai client with baseURL .../openai (and .../openai/v1), a model without provider",
    async run(e, plugin) {
      const chat = await client(e, "/openai").chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "drop in" }],
      });
      assert.equal(chat.choices[0]?.message.content, "Echo: drop in");
      assert.equal(chat.model, `gpt-4o${plugin.modelSuffix}`);
      const v1 = await client(e, "/openai/v1").chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "v1" }],
      });
      assert.equal(v1.choices[0]?.message.content, "Echo: v1");
    },
  },
  {
    name: "the /openai drop-in route: responses.create with baseURL .../openai",
    needs: ["responses"],
    async run(e) {
      const answer = await client(e, "/openai").responses.create({ model: "gpt-4o", input: "drop in" });
      assert.equal(answer.output_text, "Echo: drop in");
    },
  },
  {
    name:
      "hostile bodies: nested 100,000 deep or of the wrong type get 400 in Bifrost's shape, and the gateway keeps serving",
    async run(e) {
      for (const body of ["[".repeat(100_000), JSON.stringify({ model: "openai/gpt-4o", messages: "hi" })]) {
        const res = await fetch(`${e.gatewayUrl}/v1/chat/completions`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const answer = await json(res);
        assert.equal(res.status, 400, JSON.stringify(answer));
        assert.equal(typeof answer.error?.message, "string");
      }
      const next = await chat(e, "openai/gpt-4o", "still serving?");
      assert.equal((await json(next)).choices[0].message.content, "Echo: still serving?");
    },
  },
];
