import assert from "node:assert/strict";
import {
  type MockChatCompletionChunk,
  type MockChatRequest,
  mockCompletion,
  mockCompletionChunks,
  type MockUpstream,
  REDACTED,
  startMockUpstream,
} from "./mock_upstream.ts";
import { dirname } from "node:path";
import { MOCK_UPSTREAM_ENTRY, MOCK_UPSTREAM_FILES } from "./files.ts";

/** Bounds every request so a broken server fails the test instead of hanging it. */
const TIMEOUT_MS = 10_000;

function chat(upstream: MockUpstream, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${upstream.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
}

function get(upstream: MockUpstream, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${upstream.url}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

/** The `data:` payloads of an SSE body, in order. */
function sseData(text: string): string[] {
  assert.ok(text.endsWith("\n\n"), `SSE body ends mid-event: ${JSON.stringify(text.slice(-40))}`);
  return text.slice(0, -2).split("\n\n").map((event) => {
    assert.match(event, /^data: /);
    return event.slice("data: ".length);
  });
}

/** Reads a body until it ends or fails; returns the text read and the failure, if any. */
async function readUntilCut(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, error: undefined };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

const hello: MockChatRequest = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello mock world" }] };

Deno.test("startMockUpstream() answers a chat completion derived from the request", async () => {
  await using upstream = await startMockUpstream();
  const request = {
    model: "my-model",
    temperature: 0.2,
    messages: [
      { role: "system", content: "be brief" },
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      {
        role: "user",
        content: [{ type: "text", text: "look at" }, { type: "image_url" }, { type: "text", text: "this" }],
      },
    ],
  };
  const res = await chat(upstream, request);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const answer = await res.json();
  assert.deepEqual(answer, mockCompletion(request));
  assert.equal(answer.object, "chat.completion");
  assert.equal(answer.model, "my-model");
  assert.deepEqual(answer.choices, [
    { index: 0, message: { role: "assistant", content: "Echo: look at this" }, finish_reason: "stop" },
  ]);
  // prompt: 2 + 2 + 2 + 3 words; completion: "Echo: look at this".
  assert.deepEqual(answer.usage, { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 });
});

Deno.test("mockCompletion() is deterministic and depends only on model and messages", () => {
  const a = mockCompletion(hello);
  assert.deepEqual(mockCompletion(structuredClone(hello)), a);
  assert.equal(mockCompletion({ ...hello, temperature: 1, stream: true }).id, a.id);
  const reordered = { messages: [{ content: "hello mock world", role: "user" }], model: "gpt-4o-mini" };
  assert.equal(mockCompletion(reordered).id, a.id);
  assert.notEqual(mockCompletion({ ...hello, model: "gpt-4o" }).id, a.id);
  assert.notEqual(mockCompletion({ ...hello, messages: [{ role: "user", content: "hello" }] }).id, a.id);
  assert.equal(
    mockCompletion({ model: "m", messages: [{ role: "system", content: "x" }] }).choices[0]?.message.content,
    "Echo: ",
  );
});

Deno.test("startMockUpstream() streams SSE chunks ending in [DONE]", async () => {
  await using upstream = await startMockUpstream();
  const res = await chat(upstream, { ...hello, stream: true });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const data = sseData(await res.text());
  assert.equal(data.at(-1), "[DONE]");
  const chunks: MockChatCompletionChunk[] = data.slice(0, -1).map((d) => JSON.parse(d));
  assert.deepEqual(chunks, mockCompletionChunks({ ...hello, stream: true }));

  const full = mockCompletion(hello);
  for (const c of chunks) {
    assert.equal(c.object, "chat.completion.chunk");
    assert.equal(c.id, full.id);
    assert.equal(c.model, "gpt-4o-mini");
    assert.equal("usage" in c, false);
  }
  assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });
  const deltas = chunks.slice(1, -1).map((c) => c.choices[0]?.delta.content);
  assert.deepEqual(deltas, ["Echo: ", "hello ", "mock ", "world"]);
  assert.equal(deltas.join(""), full.choices[0]?.message.content);
  assert.deepEqual(chunks.at(-1)?.choices, [{ index: 0, delta: {}, finish_reason: "stop" }]);
});

Deno.test("startMockUpstream() ends a stream with a usage chunk when stream_options.include_usage is set", async () => {
  await using upstream = await startMockUpstream();
  const res = await chat(upstream, { ...hello, stream: true, stream_options: { include_usage: true } });
  const chunks: MockChatCompletionChunk[] = sseData(await res.text()).slice(0, -1).map((d) => JSON.parse(d));
  assert.deepEqual(chunks.at(-1)?.choices, []);
  assert.deepEqual(chunks.at(-1)?.usage, mockCompletion(hello).usage);
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null));
  assert.equal(chunks.at(-2)?.choices[0]?.finish_reason, "stop");
});

Deno.test("startMockUpstream() lists models and answers /health", async () => {
  await using upstream = await startMockUpstream();
  const models = await (await get(upstream, "/v1/models")).json();
  assert.equal(models.object, "list");
  assert.ok(models.data.length >= 2);
  for (const m of models.data) assert.equal(m.object, "model");
  const health = await get(upstream, "/health");
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });
  assert.match(upstream.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(upstream.url, `http://127.0.0.1:${upstream.port}`);
});

Deno.test("startMockUpstream() records requests with credentials redacted", async () => {
  await using upstream = await startMockUpstream();
  await (await chat(upstream, hello, { authorization: "Bearer sk-secret", "x-api-key": "k", "x-trace": "t1" })).body
    ?.cancel();
  await (await get(upstream, "/health")).body?.cancel();
  await (await get(upstream, "/v1/models?limit=2")).body?.cancel();

  const [first, second, ...rest] = upstream.requests;
  assert.equal(rest.length, 0, "health checks are not recorded");
  assert.equal(first?.method, "POST");
  assert.equal(first?.path, "/v1/chat/completions");
  assert.deepEqual(first?.body, hello);
  assert.equal(first?.headers.authorization, `Bearer ${REDACTED}`);
  assert.equal(first?.headers["x-api-key"], REDACTED);
  assert.equal(first?.headers["x-trace"], "t1");
  assert.ok(!JSON.stringify(upstream.requests).includes("sk-secret"));
  assert.ok(Math.abs(Date.parse(first!.time) - Date.now()) < 60_000);
  assert.equal(second?.path, "/v1/models?limit=2");
  assert.equal(second?.body, null);

  const overHttp = await (await get(upstream, "/__mock/requests")).json();
  assert.deepEqual(overHttp, upstream.requests);
  const cleared = await get(upstream, "/__mock/requests", { method: "DELETE" });
  assert.deepEqual(await cleared.json(), { cleared: 2 });
  assert.deepEqual(upstream.requests, []);

  await (await get(upstream, "/v1/models")).body?.cancel();
  upstream.clearRequests();
  assert.deepEqual(upstream.requests, []);
});

Deno.test("startMockUpstream() answers 400 in OpenAI's error shape for bad chat requests", async () => {
  await using upstream = await startMockUpstream();
  const cases: [unknown, RegExp, string | null][] = [
    ["{not json", /^Invalid JSON body: /, null],
    ["[1]", /^The request body must be a JSON object$/, null],
    [{ messages: hello.messages }, /^Invalid "model": expected a non-empty string$/, "model"],
    [{ model: "m" }, /^Invalid "messages": expected a non-empty array$/, "messages"],
    [{ model: "m", messages: [] }, /^Invalid "messages": expected a non-empty array$/, "messages"],
    [{ model: "m", messages: [{ content: "x" }] }, /^Invalid "messages\[0\]": expected an object/, "messages"],
  ];
  for (const [body, message, param] of cases) {
    const res = await chat(upstream, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    const { error } = await res.json();
    assert.match(error.message, message);
    assert.equal(error.type, "invalid_request_error");
    assert.equal(error.param, param);
    assert.equal(typeof error.code, "string");
  }
  assert.equal(upstream.requests.length, cases.length, "bad requests are recorded too");
  assert.equal(upstream.requests[0]?.body, "{not json");
});

Deno.test("startMockUpstream() answers 404 and 405 for unknown endpoints and methods", async () => {
  await using upstream = await startMockUpstream();
  const missing = await get(upstream, "/v1/audio/speech", { method: "POST", body: "{}" });
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error.message, /^Unknown endpoint "POST \/v1\/audio\/speech"$/);
  const wrong = await get(upstream, "/v1/chat/completions");
  assert.equal(wrong.status, 405);
  assert.equal((await wrong.json()).error.code, "method_not_allowed");
});

Deno.test("setFault() with a status answers an OpenAI error, scoped to a model and a count", async () => {
  await using upstream = await startMockUpstream();
  upstream.setFault({ status: 429, model: "limited", count: 2 });
  const other = await chat(upstream, hello);
  assert.equal(other.status, 200, "another model is not affected");
  await other.body?.cancel();
  for (let i = 0; i < 2; i++) {
    const res = await chat(upstream, { ...hello, model: "limited" });
    assert.equal(res.status, 429);
    assert.deepEqual(await res.json(), {
      error: { message: "Injected fault: HTTP 429", type: "rate_limit_error", param: null, code: "mock_fault" },
    });
  }
  assert.equal(upstream.fault, undefined, "the fault clears itself after its count");
  const after = await chat(upstream, { ...hello, model: "limited" });
  assert.equal(after.status, 200);
  await after.body?.cancel();
});

Deno.test("setFault() without a model applies to every /v1/ request until cleared", async () => {
  await using upstream = await startMockUpstream();
  upstream.setFault({ status: 502, body: "not { json" });
  for (const res of [await chat(upstream, hello), await get(upstream, "/v1/models")]) {
    assert.equal(res.status, 502);
    assert.equal(await res.text(), "not { json");
  }
  const health = await get(upstream, "/health");
  assert.equal(health.status, 200, "/health is never faulted");
  await health.body?.cancel();
  upstream.setFault({ status: 200, body: { custom: true } });
  assert.deepEqual(await (await chat(upstream, hello)).json(), { custom: true });
  upstream.clearFault();
  assert.equal((await (await chat(upstream, hello)).json()).object, "chat.completion");
});

Deno.test("setFault() with drop closes the connection without a response", async () => {
  await using upstream = await startMockUpstream();
  upstream.setFault({ drop: true, count: 1 });
  await assert.rejects(chat(upstream, hello), (e: unknown) => e instanceof TypeError);
  assert.equal(upstream.requests.length, 1, "the dropped request is recorded");
  const res = await chat(upstream, hello);
  assert.equal(res.status, 200, "the server keeps serving new connections");
  await res.body?.cancel();
});

Deno.test("setFault() with delayMs answers normally after the delay", async () => {
  await using upstream = await startMockUpstream();
  upstream.setFault({ delayMs: 200, count: 1 });
  const started = performance.now();
  const res = await chat(upstream, hello);
  assert.ok(performance.now() - started >= 190, "answered before the delay ran out");
  assert.deepEqual(await res.json(), mockCompletion(hello));

  upstream.setFault({ delayMs: 50, status: 500 });
  assert.equal((await chat(upstream, hello)).status, 500);
});

Deno.test("setFault() with streamErrorAfterChunks cuts the stream after that many events", async () => {
  await using upstream = await startMockUpstream();
  upstream.setFault({ streamErrorAfterChunks: 2 });
  const plain = await chat(upstream, hello);
  assert.equal(plain.status, 200, "a non-streaming request is answered normally");
  await plain.body?.cancel();

  const res = await chat(upstream, { ...hello, stream: true });
  assert.equal(res.status, 200);
  const { text, error } = await readUntilCut(res);
  assert.ok(error instanceof TypeError, `expected a network error, got ${error}`);
  const expected = mockCompletionChunks(hello).slice(0, 2).map((c) => JSON.stringify(c));
  assert.deepEqual(sseData(text), expected);
});

Deno.test("startMockUpstream() records how far each stream went: done, cut, or cancelled by its client", async () => {
  await using upstream = await startMockUpstream();
  await (await chat(upstream, { ...hello, stream: true })).text();
  const events = mockCompletionChunks(hello).length + 1;
  assert.deepEqual(upstream.requests[0]!.stream, { events, sent: events, ended: "done" });
  await (await chat(upstream, hello)).json();
  assert.equal(upstream.requests.at(-1)!.stream, undefined, "a JSON answer has no stream");

  await readUntilCut(await chat(upstream, { ...hello, model: "fail-stream-1", stream: true }));
  assert.deepEqual(upstream.requests.at(-1)!.stream, { events, sent: 1, ended: "cut" });

  // slow-stream-<ms> paces the events: the client reads one, goes away, and the mock stops there.
  const client = new AbortController();
  const started = performance.now();
  const res = await fetch(`${upstream.url}/v1/chat/completions`, {
    method: "POST",
    body: JSON.stringify({ ...hello, model: "slow-stream-100", stream: true }),
    signal: client.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  client.abort();
  const stream = upstream.requests.at(-1)!.stream!;
  while (stream.ended === null && performance.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stream.ended, "cancelled");
  assert.ok(stream.sent < events, `sent ${stream.sent} of ${events}`);
  assert.deepEqual((await (await get(upstream, "/__mock/requests")).json()).at(-1).stream, stream);
});

Deno.test("startMockUpstream() turns magic model names into faults", async () => {
  await using upstream = await startMockUpstream();
  const failed = await chat(upstream, { ...hello, model: "fail-503" });
  assert.equal(failed.status, 503);
  assert.equal((await failed.json()).error.type, "server_error");
  const limited = await chat(upstream, { ...hello, model: "fail-429" });
  assert.equal(limited.status, 429);
  await limited.body?.cancel();

  await assert.rejects(chat(upstream, { ...hello, model: "fail-drop" }), TypeError);

  const started = performance.now();
  const slow = await chat(upstream, { ...hello, model: "slow-150" });
  assert.ok(performance.now() - started >= 140);
  assert.equal((await slow.json()).model, "slow-150");

  const cut = await readUntilCut(await chat(upstream, { ...hello, model: "fail-stream-1", stream: true }));
  assert.ok(cut.error instanceof TypeError);
  assert.equal(sseData(cut.text).length, 1);

  upstream.setFault({ status: 418, model: "fail-503" });
  assert.equal((await chat(upstream, { ...hello, model: "fail-503" })).status, 418, "an injected fault wins");
});

Deno.test("startMockUpstream() sets and clears faults over HTTP", async () => {
  await using upstream = await startMockUpstream();
  const set = await get(upstream, "/__mock/fault", { method: "POST", body: JSON.stringify({ status: 500, count: 1 }) });
  assert.equal(set.status, 200);
  assert.deepEqual(await set.json(), { fault: { status: 500, count: 1 } });
  assert.deepEqual(await (await get(upstream, "/__mock/fault")).json(), {
    fault: { status: 500, count: 1 },
    remaining: 1,
  });
  assert.equal((await chat(upstream, hello)).status, 500);
  assert.deepEqual(await (await get(upstream, "/__mock/fault")).json(), { fault: null, remaining: null });

  await (await get(upstream, "/__mock/fault", { method: "POST", body: '{"drop":true}' })).body?.cancel();
  assert.deepEqual(upstream.fault, { drop: true });
  assert.deepEqual(await (await get(upstream, "/__mock/fault", { method: "DELETE" })).json(), { fault: null });
  assert.equal(upstream.fault, undefined);

  for (const [body, message] of [["{", /^Invalid JSON body: /], ['{"status":"x"}', /^Invalid fault field "status"/]]) {
    const bad = await get(upstream, "/__mock/fault", { method: "POST", body: body as string });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, message as RegExp);
  }
  assert.equal(upstream.requests.length, 1, "control requests are not recorded");
});

Deno.test("setFault() rejects an invalid fault with a clear message", async () => {
  await using upstream = await startMockUpstream();
  const cases: [unknown, string][] = [
    [{}, `Invalid fault: expected one of "status", "delayMs", "drop", "streamErrorAfterChunks", "streamIntervalMs"`],
    [
      { streamIntervalMs: 600001 },
      `Invalid fault field "streamIntervalMs" 600001: expected an integer from 0 to 600000`,
    ],
    [{ status: 99 }, `Invalid fault field "status" 99: expected an integer from 200 to 599`],
    [{ status: 500, drop: true }, `Invalid fault: "status" and "drop" exclude each other`],
    [{ drop: false }, `Invalid fault field "drop" false: expected true`],
    [{ body: "x" }, `Invalid fault: "body" needs a "status"`],
    [{ delayMs: -1 }, `Invalid fault field "delayMs" -1: expected an integer from 0 to 600000`],
    [{ status: 500, count: 0 }, `Invalid fault field "count" 0: expected a positive integer`],
    [{ status: 500, model: "" }, `Invalid fault field "model" "": expected a non-empty string`],
    [{ statu: 500 }, `Invalid fault: unknown field "statu"`],
    ["500", `Invalid fault "500": expected an object`],
  ];
  for (const [fault, message] of cases) {
    assert.throws(() => upstream.setFault(fault as never), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.ok(e.message.startsWith(message), `${e.message} does not start with ${message}`);
      return true;
    });
  }
  assert.equal(upstream.fault, undefined);
});

Deno.test("close() cancels pending delays and drops open connections", async () => {
  const upstream = await startMockUpstream();
  const pending = chat(upstream, { ...hello, model: "slow-600000" });
  // The request is recorded before its delay starts: wait for that, bounded.
  for (let i = 0; i < 200 && upstream.requests.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(upstream.requests.length, 1);
  const started = performance.now();
  await upstream.close();
  assert.ok(performance.now() - started < 5_000);
  await assert.rejects(pending, TypeError);
  await upstream.finished;
  await upstream.close(); // idempotent
});

Deno.test("startMockUpstream() closes when its signal aborts and rejects a port in use", async () => {
  const controller = new AbortController();
  const upstream = await startMockUpstream({ signal: controller.signal });
  await assert.rejects(startMockUpstream({ port: upstream.port }), Deno.errors.AddrInUse);
  controller.abort();
  await upstream.finished;
  await assert.rejects(fetch(`${upstream.url}/health`), TypeError);
  await assert.rejects(startMockUpstream({ signal: controller.signal }), (e: unknown) => {
    return e instanceof DOMException && e.name === "AbortError";
  });
});

Deno.test("The mock upstream runs from its own files alone, as its image and a project's compose.yaml hold them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mock-files-" });
  try {
    for (const f of MOCK_UPSTREAM_FILES) {
      await Deno.mkdir(dirname(`${dir}/${f}`), { recursive: true });
      await Deno.copyFile(new URL(`../../${f}`, import.meta.url), `${dir}/${f}`);
    }
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", "--allow-net", "--allow-env", `${dir}/${MOCK_UPSTREAM_ENTRY}`, "--port", "0"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await stdout.read();
        if (done) assert.fail(`The mock exited before printing its URL: ${await stderr}`);
        text += value;
      }
      const res = await fetch(`${text.split("\n")[0]}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      assert.deepEqual(await res.json(), { status: "ok" });
    } finally {
      clearTimeout(timer);
      try {
        child.kill("SIGTERM");
      } catch { /* exited already */ }
      await child.status;
      await stdout.cancel();
      await stderr;
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
