/**
 * The one set of end-to-end assertions, run unchanged against every target
 * (local gateway, compose with a real Bifrost image, or given URLs). Each
 * check talks HTTP to the gateway and to the mock upstream's recording
 * endpoints, and asserts only what a user of the gateway can observe.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { PluginUnderTest } from "./plugin_under_test.ts";

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
  run(e: Endpoints, plugin: PluginUnderTest): Promise<void>;
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

async function upstreamChats(e: Endpoints): Promise<{ body: { model?: string; messages?: unknown[] } }[]> {
  const res = await fetch(`${e.upstreamUrl}/__mock/requests`, { signal: AbortSignal.timeout(10_000) });
  const all = await res.json() as { path: string; body: { model?: string } }[];
  return all.filter((r) => r.path.startsWith("/v1/chat/completions"));
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

/** Every check, in the order the suite runs them. */
export const CHECKS: Check[] = [
  {
    name: "a normal request reaches the upstream and comes back with the post hook's model suffix",
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
    name: "an upstream failure comes back with the post hook's error suffix",
    async run(e, plugin) {
      const res = await chat(e, "openai/fail-500", "hi");
      const body = await json(res);
      assert.equal(res.status, 500, JSON.stringify(body));
      assert.ok(String(body.error.message).endsWith(plugin.errorSuffix), `message: ${body.error.message}`);
    },
  },
  {
    name: "a streaming request streams every chunk through the chunk hook",
    async run(e) {
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
    name: "50 concurrent requests all get their own correct answers",
    async run(e) {
      const answers = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
        const mock = i % 5 === 0;
        const res = await chat(e, mock ? "openai/mock-model" : "openai/gpt-4o", `question number ${i}`);
        return { i, mock, status: res.status, body: await json(res) };
      }));
      for (const { i, mock, status, body } of answers) {
        assert.equal(status, 200, `request ${i}: ${JSON.stringify(body)}`);
        const want = mock ? "This is a mock response!" : `Echo: question number ${i}`;
        assert.equal(body.choices[0].message.content, want, `request ${i} got another request's answer`);
      }
    },
  },
];
