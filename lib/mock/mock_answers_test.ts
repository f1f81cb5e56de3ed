import assert from "node:assert/strict";
import {
  MOCK_EMBEDDING_DIMENSIONS,
  mockEmbeddings,
  mockResponse,
  mockResponseEvents,
  mockTextCompletion,
  mockTextCompletionChunks,
  requestProblem,
} from "./mock_answers.ts";
import { startMockUpstream } from "./mock_upstream.ts";
import { sseEvents } from "../../testing/sse.ts";

const TIMEOUT_MS = 10_000;

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

Deno.test("mockTextCompletion() answers each prompt and is the same for the same request", () => {
  const a = mockTextCompletion({ model: "m", prompt: "Say hi" });
  assert.deepEqual(a.choices, [{ index: 0, text: "Echo: Say hi", finish_reason: "stop", logprobs: null }]);
  assert.equal(a.object, "text_completion");
  assert.match(a.id, /^cmpl-mock-[0-9a-f]{24}$/);
  assert.equal(mockTextCompletion({ model: "m", prompt: "Say hi", temperature: 1 }).id, a.id);
  assert.notEqual(mockTextCompletion({ model: "m", prompt: "Say ho" }).id, a.id);
});

Deno.test("mockTextCompletionChunks() streams words per choice and a usage chunk when asked", () => {
  const chunks = mockTextCompletionChunks({
    model: "m",
    prompt: ["a b", "c"],
    stream_options: { include_usage: true },
  });
  const texts = [0, 1].map((i) =>
    chunks.flatMap((c) => c.choices.filter((x) => x.index === i).map((x) => x.text)).join("")
  );
  assert.deepEqual(texts, ["Echo: a b", "Echo: c"]);
  assert.equal(chunks.filter((c) => c.choices[0]?.finish_reason === "stop").length, 2);
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  assert.ok(mockTextCompletionChunks({ model: "m", prompt: "x" }).every((c) => !("usage" in c)));
});

Deno.test("mockResponse() echoes the last user message of a string or item input", () => {
  assert.equal(mockResponse({ model: "m", input: "hello" }).output[0]!.content[0]!.text, "Echo: hello");
  const items = mockResponse({
    model: "m",
    input: [
      { role: "user", content: "first" },
      { type: "function_call_output", call_id: "c1", output: "42" },
      { type: "message", role: "user", content: [{ type: "input_text", text: "second" }, { type: "input_image" }] },
      { role: "assistant", content: "ignored" },
    ],
  });
  assert.equal(items.output[0]!.content[0]!.text, "Echo: second");
  assert.equal(items.object, "response");
  assert.equal(items.status, "completed");
  assert.match(items.id, /^resp-mock-[0-9a-f]{24}$/);
  assert.deepEqual(items.usage, { input_tokens: 3, output_tokens: 2, total_tokens: 5 });
});

Deno.test("mockResponseEvents() streams OpenAI's event sequence with one delta per word", () => {
  const list = mockResponseEvents({ model: "m", input: "one two three" });
  assert.deepEqual(list.map((e) => e.type), [
    "response.created",
    "response.in_progress",
    "response.output_item.added",
    "response.content_part.added",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.delta",
    "response.output_text.done",
    "response.content_part.done",
    "response.output_item.done",
    "response.completed",
  ]);
  assert.deepEqual(list.map((e) => e.sequence_number), list.map((_, i) => i));
  const deltas = list.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta).join("");
  assert.equal(deltas, "Echo: one two three");
  assert.deepEqual(list.at(-1)!.response, mockResponse({ model: "m", input: "one two three" }));
  assert.equal((list[0]!.response as { status: string }).status, "in_progress");
});

Deno.test("mockEmbeddings() gives one deterministic vector per input, as floats or base64", () => {
  const floats = mockEmbeddings({ model: "e", input: ["a", "b"] });
  assert.equal(floats.data.length, 2);
  const [a, b] = floats.data.map((d) => d.embedding as number[]);
  assert.equal(a!.length, MOCK_EMBEDDING_DIMENSIONS);
  assert.ok(a!.every((x) => x >= -1 && x <= 1));
  assert.notDeepEqual(a, b);
  assert.deepEqual(mockEmbeddings({ model: "e", input: "a" }).data[0]!.embedding, a);
  const encoded = mockEmbeddings({ model: "e", input: "a", encoding_format: "base64", dimensions: 3 });
  const bytes = Uint8Array.from(atob(encoded.data[0]!.embedding as string), (c) => c.charCodeAt(0));
  assert.equal(new Float32Array(bytes.buffer).length, 3);
  assert.deepEqual(mockEmbeddings({ model: "e", input: [[1, 2, 3]] }).usage, { prompt_tokens: 3, total_tokens: 3 });
});

Deno.test("requestProblem() names the field each endpoint needs", () => {
  assert.equal(requestProblem("/v1/completions", { model: "m", prompt: 5 })?.param, "prompt");
  assert.equal(requestProblem("/v1/responses", { model: "m", input: [1] })?.param, "input");
  assert.equal(requestProblem("/v1/embeddings", { model: "m", input: [] })?.param, "input");
  assert.equal(requestProblem("/v1/embeddings", { model: "m", input: "x", dimensions: 0 })?.param, "dimensions");
  assert.equal(requestProblem("/v1/chat/completions", { model: "m", messages: [], stream: "yes" })?.param, "stream");
  assert.equal(requestProblem("/v1/embeddings", { model: "m", input: [[1], [2]] }), undefined);
});

Deno.test("startMockUpstream() serves completions, responses and embeddings, streamed where OpenAI streams", async () => {
  await using upstream = await startMockUpstream();
  const text = await (await post(`${upstream.url}/v1/completions`, { model: "m", prompt: "hey" })).json();
  assert.equal(text.choices[0].text, "Echo: hey");

  const streamedText = sseEvents(
    await (await post(`${upstream.url}/v1/completions`, { model: "m", prompt: "hey you", stream: true })).text(),
  );
  assert.equal(streamedText.at(-1)!.data, "[DONE]");
  assert.equal(streamedText.slice(0, -1).map((e) => JSON.parse(e.data).choices[0].text).join(""), "Echo: hey you");

  const answer = await (await post(`${upstream.url}/v1/responses`, { model: "m", input: "hi" })).json();
  assert.equal(answer.output[0].content[0].text, "Echo: hi");

  const res = await post(`${upstream.url}/v1/responses`, { model: "m", input: "hi", stream: true });
  assert.match(res.headers.get("content-type")!, /text\/event-stream/);
  const streamed = sseEvents(await res.text());
  assert.ok(streamed.every((e) => e.event === JSON.parse(e.data).type), "each event is named by its type");
  assert.equal(streamed.at(-1)!.event, "response.completed");
  assert.ok(!streamed.some((e) => e.data === "[DONE]"));

  const vectors = await (await post(`${upstream.url}/v1/embeddings`, { model: "e", input: "x" })).json();
  assert.equal(vectors.data[0].embedding.length, MOCK_EMBEDDING_DIMENSIONS);

  const bad = await post(`${upstream.url}/v1/embeddings`, { model: "e", input: { text: "x" } });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.param, "input");
  assert.deepEqual(upstream.requests.map((r) => r.path), [
    "/v1/completions",
    "/v1/completions",
    "/v1/responses",
    "/v1/responses",
    "/v1/embeddings",
    "/v1/embeddings",
  ]);
});

Deno.test("startMockUpstream() applies magic models and faults to every POST endpoint", async () => {
  await using upstream = await startMockUpstream();
  const failed = await post(`${upstream.url}/v1/embeddings`, { model: "fail-429", input: "x" });
  assert.equal(failed.status, 429);
  await failed.body?.cancel();
  const cut = await post(`${upstream.url}/v1/responses`, { model: "fail-stream-2", input: "a b c", stream: true });
  const text = await cut.text().catch(() => "cut");
  assert.ok(text === "cut" || sseEvents(text).length <= 2, "the stream is cut after two events");
});
