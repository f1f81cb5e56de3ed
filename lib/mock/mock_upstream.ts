/**
 * A mock OpenAI upstream for end-to-end tests: deterministic answers (JSON
 * and SSE) for chat and text completions, the Responses API, embeddings and
 * the model list, request recording and fault injection. The answers are in
 * `./mock_answers.ts`.
 *
 * These files import only Deno and `node:` built-ins (and each other), so
 * the mock also runs on its own in a stock Deno container:
 *
 * ```sh
 * deno run -A lib/mock/mock_upstream.ts --port 8081 --host 0.0.0.0
 * ```
 *
 * ## Endpoints
 *
 * | endpoint | answer |
 * |---|---|
 * | `POST /v1/chat/completions` | {@link mockCompletion}, or {@link mockCompletionChunks} as SSE with `stream: true` |
 * | `POST /v1/completions` | {@link mockTextCompletion}, or {@link mockTextCompletionChunks} as SSE |
 * | `POST /v1/responses` | {@link mockResponse}, or {@link mockResponseEvents} as named SSE events |
 * | `POST /v1/embeddings` | {@link mockEmbeddings} |
 * | `GET /v1/models` | {@link mockModels}: a list of {@link MOCK_MODELS} |
 * | `GET /health` | `{"status":"ok"}` |
 * | `GET`/`DELETE /__mock/requests` | the recorded requests / forget them |
 * | `GET`/`POST`/`DELETE /__mock/fault` | the current {@link MockFault} / set one (JSON body) / clear it |
 *
 * Every other request is recorded too (except `/health` and `/__mock/*`)
 * and answered 404, both in OpenAI's error shape
 * `{"error":{"message","type","param","code"}}`. A body that is not JSON, or
 * a request without a `model` string or the endpoint's input (see
 * {@link requestProblem}), is answered 400 in the same shape.
 *
 * ## Magic model names
 *
 * A request's `model` triggers a fault without any setup, on every POST
 * endpoint (an injected fault, when one matches, takes precedence):
 *
 * | model | effect |
 * |---|---|
 * | `fail-<status>`, e.g. `fail-500`, `fail-429` | that status (400-599) with an OpenAI error body |
 * | `fail-drop` | the connection is closed without a response |
 * | `slow-<ms>`, e.g. `slow-250` | answered normally after `ms` milliseconds (at most 600000) |
 * | `fail-stream-<n>`, e.g. `fail-stream-2` | a streamed answer is cut after `n` SSE events (non-streamed: answered normally) |
 * | `slow-stream-<ms>`, e.g. `slow-stream-20` | a streamed answer waits `ms` before each SSE event after the first |
 *
 * A streamed answer is recorded with its request as {@link RecordedStream}:
 * how many events the client has taken and how the stream ended, so a test
 * sees whether its client cancelled the stream or read it to the end.
 *
 * @module
 */
import { collectGarbage } from "./memory.ts";
import {
  type MockChatRequest,
  mockCompletion,
  mockCompletionChunks,
  mockEmbeddings,
  mockModels,
  mockResponse,
  mockResponseEvents,
  type MockResponsesRequest,
  mockTextCompletion,
  mockTextCompletionChunks,
  type MockTextCompletionRequest,
  requestProblem,
} from "./mock_answers.ts";

export * from "./mock_answers.ts";

/** What a recorded credential header's value is replaced with. */
export const REDACTED = "[redacted]";

const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "api-key", "x-api-key"]);
/** Recording keeps the most recent requests only, so soak runs do not grow without bound. */
const MAX_RECORDED = 10_000;
/** Bodies larger than this are not kept in the record (10,000 requests of 100 MiB would be 1 TB). */
const MAX_KEPT_BODY = 1 << 20;

/**
 * A request's body as text, decoded as it arrives: the bytes are let go chunk by chunk instead of being held
 * whole beside the text (a large upstream body comes chunked, without a size to read it into). A large text's
 * pieces are collected once joined, before anything else is made of it.
 */
async function readText(req: Request): Promise<string> {
  if (!req.body) return "";
  const parts: string[] = [];
  let length = 0;
  let collected = 0;
  for await (const part of req.body.pipeThrough(new TextDecoderStream())) {
    parts.push(part);
    length += part.length;
    // The bytes already decoded are garbage: collected as they pile up, not once the body is whole.
    if (length - collected >= COLLECT_EVERY) {
      collectGarbage();
      collected = length;
    }
  }
  // What the sender held and the bytes already decoded go first, then the pieces once joined.
  if (length > LARGE_BODY) collectGarbage();
  const text = parts.join("");
  parts.length = 0;
  if (length > LARGE_BODY) collectGarbage();
  return text;
}

/** A request's body: parsed as JSON, or its text when it is not JSON (with why), or null when empty. */
async function readJson(req: Request): Promise<{ length: number; body: unknown; jsonError?: string }> {
  const text = await readText(req);
  if (text === "") return { length: 0, body: null };
  try {
    return { length: text.length, body: JSON.parse(text) };
  } catch (e) {
    return { length: text.length, body: text, jsonError: (e as Error).message };
  }
}
/** A body this large is followed by a garbage collection. */
const LARGE_BODY = 8 << 20;
/** While a large body arrives, garbage is collected each time this much more has. */
const COLLECT_EVERY = 16 << 20;
const MAX_DELAY_MS = 600_000;

/** A request the mock received. */
export interface RecordedRequest {
  method: string;
  /** Path and query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names; credential headers keep their scheme, e.g. `Bearer [redacted]`. */
  headers: Record<string, string>;
  /**
   * The parsed JSON body, the raw text when it is not JSON, or `null` when empty; a body over
   * 1 Mi characters is not kept (it would be held as long as the record): `"[not kept: N characters]"`.
   */
  body: unknown;
  /** When it arrived, ISO 8601. */
  time: string;
  /** A streamed answer's progress, updated as it goes; absent for a JSON answer. */
  stream?: RecordedStream;
}

/** How far a streamed answer went. */
export interface RecordedStream {
  /** The SSE events the answer has. */
  events: number;
  /** The events the server has taken to send (at most one ahead of what it wrote). */
  sent: number;
  /**
   * `done`: every event was sent; `cut`: the mock cut it (a fault, or the mock
   * closing); `cancelled`: the client went away first; `null`: still going.
   */
  ended: "done" | "cut" | "cancelled" | null;
}

/**
 * A fault to inject. At least one of `status`, `delayMs`, `drop`,
 * `streamErrorAfterChunks` and `streamIntervalMs` is required; `delayMs` and
 * `streamIntervalMs` combine with the others, which exclude each other. A
 * fault with `streamErrorAfterChunks` or `streamIntervalMs` affects streamed
 * requests only.
 */
export interface MockFault {
  /** Only requests for this model are affected; every `/v1/` request when omitted. */
  model?: string;
  /** The fault clears itself after affecting this many requests; it stays until cleared when omitted. */
  count?: number;
  /** Answer with this status (200-599). */
  status?: number;
  /**
   * The body sent with `status`: a string is sent as is, anything else as
   * JSON. Defaults to an OpenAI error object.
   */
  body?: unknown;
  /** Wait this long (0-600000 ms) before answering. */
  delayMs?: number;
  /** Close the connection without sending a response. */
  drop?: true;
  /** Stream this many SSE events, then cut the connection. Affects streamed requests only. */
  streamErrorAfterChunks?: number;
  /** Wait this long (0-600000 ms) before each SSE event after the first. Affects streamed requests only. */
  streamIntervalMs?: number;
}

/** Where to listen. */
export interface MockUpstreamOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
}

/** A running mock upstream. */
export interface MockUpstream extends AsyncDisposable {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:43121`. */
  readonly url: string;
  readonly port: number;
  readonly hostname: string;
  /** A snapshot of the recorded requests, oldest first. */
  readonly requests: RecordedRequest[];
  /** The injected fault still in effect, if any. */
  readonly fault: MockFault | undefined;
  /** Resolves once the server is closed. */
  readonly finished: Promise<void>;
  clearRequests(): void;
  /** Replaces the injected fault; throws a `TypeError` for an invalid one. */
  setFault(fault: MockFault): void;
  clearFault(): void;
  /** Stops listening, drops open connections and cancels pending delays. */
  close(): Promise<void>;
}

/**
 * Starts the mock upstream. Close it with `close()` or `await using`.
 *
 * @example
 * ```ts
 * import { startMockUpstream } from "./mock_upstream.ts";
 * import assert from "node:assert/strict";
 *
 * await using upstream = await startMockUpstream();
 * const res = await fetch(`${upstream.url}/v1/chat/completions`, {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "ping" }] }),
 * });
 * assert.equal((await res.json()).choices[0].message.content, "Echo: ping");
 * assert.equal(upstream.requests.length, 1);
 *
 * upstream.setFault({ status: 503, count: 1 });
 * const failed = await fetch(`${upstream.url}/v1/models`);
 * assert.equal(failed.status, 503);
 * assert.equal((await failed.json()).error.type, "server_error");
 * ```
 */
export function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  // The executor turns a failed listen (port in use, aborted signal) into a rejection.
  return new Promise((resolve) => {
    options.signal?.throwIfAborted();
    const hostname = options.hostname ?? "127.0.0.1";
    const server = new MockUpstreamServer(hostname, Deno.listen({ hostname, port: options.port ?? 0 }));
    options.signal?.addEventListener("abort", () => void server.close(), { once: true });
    resolve(server);
  });
}

// ---------------------------------------------------------------------------
// Faults

const FAULT_KEYS = new Set([
  "model",
  "count",
  "status",
  "body",
  "delayMs",
  "drop",
  "streamErrorAfterChunks",
  "streamIntervalMs",
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/** Checks a fault from the library or the HTTP API and returns a clean copy. */
function parseFault(input: unknown): MockFault {
  if (!isObject(input)) throw new TypeError(`Invalid fault ${JSON.stringify(input)}: expected an object`);
  const unknown = Object.keys(input).find((k) => !FAULT_KEYS.has(k));
  if (unknown !== undefined) {
    throw new TypeError(`Invalid fault: unknown field "${unknown}" (known: ${[...FAULT_KEYS].join(", ")})`);
  }
  const { model, count, status, body, delayMs, drop, streamErrorAfterChunks, streamIntervalMs } = input;
  const bad = (field: string, expected: string) =>
    new TypeError(`Invalid fault field "${field}" ${JSON.stringify(input[field])}: expected ${expected}`);
  const fault: MockFault = {};
  if (model !== undefined) {
    if (typeof model !== "string" || model === "") throw bad("model", "a non-empty string");
    fault.model = model;
  }
  if (count !== undefined) {
    if (!isIntIn(count, 1, Number.MAX_SAFE_INTEGER)) throw bad("count", "a positive integer");
    fault.count = count;
  }
  if (status !== undefined) {
    if (!isIntIn(status, 200, 599)) throw bad("status", "an integer from 200 to 599");
    fault.status = status;
  }
  if (body !== undefined) {
    if (status === undefined) throw new TypeError(`Invalid fault: "body" needs a "status"`);
    fault.body = body;
  }
  if (delayMs !== undefined) {
    if (!isIntIn(delayMs, 0, MAX_DELAY_MS)) throw bad("delayMs", `an integer from 0 to ${MAX_DELAY_MS}`);
    fault.delayMs = delayMs;
  }
  if (drop !== undefined) {
    if (drop !== true) throw bad("drop", "true");
    fault.drop = true;
  }
  if (streamErrorAfterChunks !== undefined) {
    if (!isIntIn(streamErrorAfterChunks, 0, Number.MAX_SAFE_INTEGER)) {
      throw bad("streamErrorAfterChunks", "a non-negative integer");
    }
    fault.streamErrorAfterChunks = streamErrorAfterChunks;
  }
  if (streamIntervalMs !== undefined) {
    if (!isIntIn(streamIntervalMs, 0, MAX_DELAY_MS)) {
      throw bad("streamIntervalMs", `an integer from 0 to ${MAX_DELAY_MS}`);
    }
    fault.streamIntervalMs = streamIntervalMs;
  }
  const actions = (["status", "drop", "streamErrorAfterChunks"] as const).filter((k) => fault[k] !== undefined);
  if (actions.length > 1) throw new TypeError(`Invalid fault: "${actions[0]}" and "${actions[1]}" exclude each other`);
  if (actions.length === 0 && fault.delayMs === undefined && fault.streamIntervalMs === undefined) {
    throw new TypeError(
      `Invalid fault: expected one of "status", "delayMs", "drop", "streamErrorAfterChunks", "streamIntervalMs"`,
    );
  }
  return fault;
}

const MAGIC_MODELS: [RegExp, (n: number) => MockFault | undefined][] = [
  [/^fail-drop$/, () => ({ drop: true })],
  [/^fail-(\d{3})$/, (n) => isIntIn(n, 400, 599) ? { status: n } : undefined],
  [/^slow-(\d{1,6})$/, (n) => isIntIn(n, 0, MAX_DELAY_MS) ? { delayMs: n } : undefined],
  [/^fail-stream-(\d{1,6})$/, (n) => ({ streamErrorAfterChunks: n })],
  [/^slow-stream-(\d{1,6})$/, (n) => isIntIn(n, 0, MAX_DELAY_MS) ? { streamIntervalMs: n } : undefined],
];

/** The fault a magic model name asks for (see the module docs), or `undefined`. */
function magicFault(model: string): MockFault | undefined {
  for (const [pattern, fault] of MAGIC_MODELS) {
    const match = model.match(pattern);
    if (match) return fault(Number(match[1]));
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Responses

const encoder = new TextEncoder();

function jsonResponse(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });
}

function openAiError(status: number, message: string, code: string, param: string | null = null): Response {
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error";
  return jsonResponse(status, { error: { message, type, param, code } });
}

function faultResponse(status: number, body: unknown): Response {
  if (body === undefined) return openAiError(status, `Injected fault: HTTP ${status}`, "mock_fault");
  if (typeof body === "string") return new Response(body, { status, headers: { "content-type": "application/json" } });
  return jsonResponse(status, body);
}

function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (!CREDENTIAL_HEADERS.has(name)) out[name] = value;
    else out[name] = value.match(/^(\S+)\s+\S/) ? `${value.split(/\s/, 1)[0]} ${REDACTED}` : REDACTED;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Endpoints

/** `data:` events and OpenAI's end marker (chat and text completions). */
function dataEvents(chunks: unknown[]): string[] {
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"];
}

/** Named events without an end marker (the Responses API). */
function namedEvents(events: Record<string, unknown>[]): string[] {
  return events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
}

// deno-lint-ignore no-explicit-any -- each answer function checks its own request type (requestProblem ran first)
type AnyRequest = any;

/** What each endpoint answers: JSON, and the SSE events of a streamed answer where OpenAI streams. */
const ENDPOINTS: Record<
  string,
  { method: "GET" | "POST"; answer: (r: AnyRequest) => unknown; stream?: (r: AnyRequest) => string[] }
> = {
  "/v1/chat/completions": {
    method: "POST",
    answer: mockCompletion,
    stream: (r: MockChatRequest) => dataEvents(mockCompletionChunks(r)),
  },
  "/v1/completions": {
    method: "POST",
    answer: mockTextCompletion,
    stream: (r: MockTextCompletionRequest) => dataEvents(mockTextCompletionChunks(r)),
  },
  "/v1/responses": {
    method: "POST",
    answer: mockResponse,
    stream: (r: MockResponsesRequest) => namedEvents(mockResponseEvents(r)),
  },
  "/v1/embeddings": { method: "POST", answer: mockEmbeddings },
  "/v1/models": { method: "GET", answer: mockModels },
};

// ---------------------------------------------------------------------------
// Server

/** The two sockets of one client connection: the client's, and ours to the HTTP server. */
interface Link {
  client: Deno.Conn;
  inner: Deno.Conn;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/**
 * `Deno.serve` cannot drop one connection without answering, so clients
 * connect to a plain TCP listener that relays each connection to a
 * loopback-only `Deno.serve`. A handler finds its client's socket by the
 * relay socket's port (its `remoteAddr`) and can close it.
 */
class MockUpstreamServer implements MockUpstream {
  readonly hostname: string;
  readonly finished: Promise<void>;
  #listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>;
  #http: Deno.HttpServer<Deno.NetAddr>;
  #links = new Map<number, Link>();
  #relays = new Set<Promise<void>>();
  #accepting: Promise<void>;
  #closing: Promise<void> | undefined;
  #stop = new AbortController();
  #requests: RecordedRequest[] = [];
  #fault: { spec: MockFault; remaining: number | undefined } | undefined;
  #resolveFinished!: () => void;

  constructor(hostname: string, listener: Deno.Listener<Deno.TcpConn, Deno.NetAddr>) {
    this.hostname = hostname;
    this.#listener = listener;
    this.finished = new Promise((resolve) => (this.#resolveFinished = resolve));
    this.#http = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: () => {},
      // A stream cut on purpose lands here too; the client only sees the cut.
      onError: (e) => openAiError(500, `Mock upstream failed: ${e instanceof Error ? e.message : e}`, "mock_error"),
    }, (req, info) => this.#handle(req, info));
    this.#accepting = this.#accept();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  get url(): string {
    const host = this.hostname === "0.0.0.0" ? "127.0.0.1" : this.hostname === "::" ? "::1" : this.hostname;
    return `http://${host.includes(":") ? `[${host}]` : host}:${this.port}`;
  }

  get requests(): RecordedRequest[] {
    return [...this.#requests];
  }

  get fault(): MockFault | undefined {
    return this.#fault && { ...this.#fault.spec };
  }

  clearRequests(): void {
    this.#requests = [];
  }

  setFault(fault: MockFault): void {
    const spec = parseFault(fault);
    this.#fault = { spec, remaining: spec.count };
  }

  clearFault(): void {
    this.#fault = undefined;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort();
      this.#listener.close();
      await this.#accepting;
      for (const link of this.#links.values()) this.#cut(link);
      await Promise.allSettled(this.#relays);
      await this.#http.shutdown();
      this.#resolveFinished();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #accept(): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const relay = this.#relay(client);
        this.#relays.add(relay);
        void relay.finally(() => this.#relays.delete(relay));
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) throw e;
    }
  }

  async #relay(client: Deno.Conn): Promise<void> {
    let inner: Deno.Conn;
    try {
      inner = await Deno.connect({ hostname: "127.0.0.1", port: this.#http.addr.port });
    } catch {
      closeQuietly(client);
      return;
    }
    const link = { client, inner };
    if (this.#stop.signal.aborted) return this.#cut(link);
    const key = (inner.localAddr as Deno.NetAddr).port;
    this.#links.set(key, link);
    // When either direction ends, the exchange is over: pipeTo settles only
    // after its last write, so nothing the server sent is lost.
    const pipes = [client.readable.pipeTo(inner.writable), inner.readable.pipeTo(client.writable)];
    await Promise.race(pipes).catch(() => {});
    this.#links.delete(key);
    this.#cut(link);
    await Promise.allSettled(pipes);
  }

  #cut(link: Link): void {
    closeQuietly(link.client);
    closeQuietly(link.inner);
  }

  #record(req: Request, url: URL, body: unknown): RecordedRequest {
    const record: RecordedRequest = {
      method: req.method,
      path: url.pathname + url.search,
      headers: redactHeaders(req.headers),
      body,
      time: new Date().toISOString(),
    };
    this.#requests.push(record);
    if (this.#requests.length > MAX_RECORDED) this.#requests.splice(0, this.#requests.length - MAX_RECORDED);
    return record;
  }

  /** The injected fault if it applies to this request, counting it down. */
  #takeFault(model: string | undefined, streaming: boolean): MockFault | undefined {
    const fault = this.#fault;
    if (!fault) return undefined;
    if (fault.spec.model !== undefined && fault.spec.model !== model) return undefined;
    const streamOnly = fault.spec.streamErrorAfterChunks !== undefined || fault.spec.streamIntervalMs !== undefined;
    if (streamOnly && !streaming) return undefined;
    if (fault.remaining !== undefined && --fault.remaining <= 0) this.#fault = undefined;
    return fault.spec;
  }

  /** Waits `ms`, or less when the server closes; true when the wait ran out. */
  #delay(ms: number): Promise<boolean> {
    const signal = this.#stop.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve(false);
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Closes the client's connection; the returned response goes nowhere. */
  #drop(info: Deno.ServeHandlerInfo<Deno.NetAddr>): Response {
    const link = this.#links.get(info.remoteAddr.port);
    if (link) this.#cut(link);
    return new Response(null, { status: 502 });
  }

  /** Applies the fault's delay, drop or status; `undefined` means "answer normally". */
  async #applyFault(fault: MockFault, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response | undefined> {
    if (fault.delayMs && !(await this.#delay(fault.delayMs))) return this.#drop(info);
    if (fault.drop) return this.#drop(info);
    if (fault.status !== undefined) return faultResponse(fault.status, fault.body);
    return undefined;
  }

  async #handle(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/health") {
      return req.method === "GET" ? jsonResponse(200, { status: "ok" }) : methodNotAllowed(req, path);
    }
    if (path.startsWith("/__mock/")) return await this.#control(req, path);

    const { length, body, jsonError } = await readJson(req);
    // A body of tens of MiB leaves as many again in copies (its bytes, its text): collected now, not whenever.
    if (length > LARGE_BODY) collectGarbage();
    const record = this.#record(req, url, length > MAX_KEPT_BODY ? `[not kept: ${length} characters]` : body);

    const endpoint = ENDPOINTS[path];
    if (endpoint && endpoint.method === "POST") {
      if (req.method !== "POST") return methodNotAllowed(req, path);
      if (jsonError !== undefined) return openAiError(400, `Invalid JSON body: ${jsonError}`, "invalid_json");
      const problem = requestProblem(path, body);
      if (problem) return openAiError(400, problem.message, "invalid_request", problem.param);
      const request = body as Record<string, unknown> & { model: string };
      const streaming = request.stream === true && endpoint.stream !== undefined;
      const fault = this.#takeFault(request.model, streaming) ?? magicFault(request.model);
      const faulted = fault && await this.#applyFault(fault, info);
      if (faulted) return faulted;
      if (!streaming) return jsonResponse(200, endpoint.answer(request));
      return this.#stream(endpoint.stream!(request), record, fault);
    }
    if (endpoint) {
      if (req.method !== "GET") return methodNotAllowed(req, path);
      const fault = this.#takeFault(undefined, false);
      const faulted = fault && await this.#applyFault(fault, info);
      if (faulted) return faulted;
      return jsonResponse(200, endpoint.answer({}));
    }
    if (path.startsWith("/v1/")) {
      const fault = this.#takeFault(undefined, false);
      const faulted = fault && await this.#applyFault(fault, info);
      if (faulted) return faulted;
    }
    return openAiError(404, `Unknown endpoint "${req.method} ${path}"`, "unknown_url");
  }

  /** Streams SSE events as the client takes them, paced and cut as the fault asks; `record.stream` follows it. */
  #stream(events: string[], record: RecordedRequest, fault: MockFault | undefined): Response {
    const stream: RecordedStream = { events: events.length, sent: 0, ended: null };
    record.stream = stream;
    const cutAfter = fault?.streamErrorAfterChunks;
    const interval = fault?.streamIntervalMs ?? 0;
    const cut = (controller: ReadableStreamDefaultController<Uint8Array>, why: string) => {
      // Erroring the body makes Deno close the connection after what was
      // already sent, without the final empty chunk: the client sees a cut.
      stream.ended ??= "cut";
      controller.error(new Error(why));
    };
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (cutAfter !== undefined && stream.sent >= cutAfter) return cut(controller, "Injected stream cut");
        const event = events[stream.sent];
        if (event === undefined) {
          stream.ended = "done";
          return controller.close();
        }
        if (interval > 0 && stream.sent > 0 && !await this.#delay(interval)) return cut(controller, "Mock closing");
        if (stream.ended) return;
        stream.sent++;
        controller.enqueue(encoder.encode(event));
      },
      cancel: () => {
        stream.ended ??= "cancelled";
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
    });
  }

  async #control(req: Request, path: string): Promise<Response> {
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /__mock/requests":
        return jsonResponse(200, this.#requests);
      case "DELETE /__mock/requests": {
        const cleared = this.#requests.length;
        this.clearRequests();
        return jsonResponse(200, { cleared });
      }
      case "GET /__mock/fault":
        return jsonResponse(200, { fault: this.fault ?? null, remaining: this.#fault?.remaining ?? null });
      case "POST /__mock/fault": {
        const text = await req.text();
        try {
          this.setFault(JSON.parse(text));
        } catch (e) {
          const message = e instanceof SyntaxError ? `Invalid JSON body: ${e.message}` : (e as Error).message;
          return openAiError(400, message, "invalid_fault");
        }
        return jsonResponse(200, { fault: this.fault });
      }
      case "DELETE /__mock/fault":
        this.clearFault();
        return jsonResponse(200, { fault: null });
    }
    if (path === "/__mock/requests" || path === "/__mock/fault") return methodNotAllowed(req, path);
    return openAiError(404, `Unknown endpoint "${route}"`, "unknown_url");
  }
}

function methodNotAllowed(req: Request, path: string): Response {
  return openAiError(405, `Method "${req.method}" is not allowed on "${path}"`, "method_not_allowed");
}
