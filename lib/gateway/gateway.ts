/**
 * A local Bifrost-compatible gateway: the OpenAI-compatible routes a
 * client uses, through the configured plugins, hosted by the conformance
 * host, with the semantics of Bifrost's open-source transport (see
 * `docs/abi.md` and `docs/abi-request-kinds.md`).
 *
 * Routes, each also under Bifrost's OpenAI integration prefixes `/openai`
 * and `/openai/v1` (where a model without `provider/` means `openai`):
 * `POST /v1/chat/completions`, `/v1/completions`, `/v1/responses` (JSON,
 * or SSE with `stream: true`), `POST /v1/embeddings`, `GET /v1/models`, and
 * `GET /health` (no hooks). Every request goes through:
 *
 * 1. HTTP pre hooks, in plugin order: a non-empty `error` answers 500 with
 *    that text; `has_response` answers with the plugin's response; a changed
 *    method or path answers 409; headers and query are merged key by key; a
 *    non-null body replaces the body.
 * 2. LLM pre hooks, in order, with the request flat as
 *    `{provider, model, input, params, fallbacks}` (the kind's own `input`;
 *    `{provider}` for the model list) and the context key
 *    `bifrost-http-request-type` naming the kind: `has_short_circuit`
 *    answers with `short_circuit.response` (the kind's field, e.g.
 *    `responses_response`) or fails with `short_circuit.error` (its
 *    `status_code` is the HTTP status) without calling the provider; a
 *    non-empty request replaces the request; a non-empty `error` is logged
 *    as a warning and changes nothing else, as in Bifrost's core.
 * 3. The provider call (the `openai` provider's `network_config.base_url`).
 * 4. LLM post hooks, in reverse order, for every plugin whose pre hook ran,
 *    with the answer in the kind's field: `has_error` with `error` turns the
 *    result into that error; a response replaces the response; `hook_error`
 *    is logged as a warning.
 * 5. HTTP post hooks, in reverse order.
 *
 * A streamed request (`"stream": true`) follows Bifrost's core and HTTP
 * transport (see `docs/abi.md`, "Streams"): the LLM post hooks run once per
 * chunk, in reverse order, with the chunk in the kind's stream field
 * (`chat_response`, `text_completion_response`, `responses_stream_response`);
 * a post hook's error becomes an error chunk and the stream goes on. Then
 * the stream chunk hooks run on the chunk, in reverse order: `skip` or
 * `has_chunk: false` drops it, an `error` without a chunk ends the stream
 * with an SSE `error` event. Once the stream has ended the HTTP post hooks
 * run, in reverse order, on the status and headers (their changes are not
 * applied; an error becomes an `error` event before `[DONE]`). A
 * short-circuit (or an error before the first chunk) goes through the post
 * hooks once and is streamed as one chunk (an error answers in JSON). The
 * upstream is read only as fast as the client takes the chunks; a client
 * that goes away aborts the upstream request, the post hooks see Bifrost's
 * cancellation error once and the HTTP post hooks run, their errors logged.
 *
 * Context values a plugin returns are merged into the request context, which
 * starts as `{"request-id": <uuid>, "bifrost-http-request-type": <type>}`
 * (Go's keys; `requestIdKey` changes the first). Errors reach the client in
 * Bifrost's error shape with their status: 400 for a body that is not a
 * JSON object, nested deeper than 256 levels or with a field of the wrong
 * type, 413 above `maxRequestBodyBytes` (Bifrost's `client.max_request_body_size_mb`,
 * 100 MiB by default) or when a hook input is over a plugin's own limit (see
 * `PluginInputTooLargeError`), 404 and 405 for other routes and methods. A
 * plugin that traps or breaks its contract fails that request with 500; the
 * host re-instantiates it and the gateway keeps serving.
 *
 * @example
 * ```ts
 * import { startGateway, startMockUpstream } from "../../mod.ts";
 * import assert from "node:assert/strict";
 *
 * await using upstream = await startMockUpstream({ port: 0 });
 * await using gateway = await startGateway({ plugins: [], upstreamUrl: upstream.url, port: 0 });
 * const res = await fetch(`${gateway.url}/v1/chat/completions`, {
 *   method: "POST",
 *   body: JSON.stringify({ model: "openai/gpt-4o", messages: [{ role: "user", content: "hi" }] }),
 * });
 * assert.equal((await res.json()).choices[0].message.content, "Echo: hi");
 * const answer = await fetch(`${gateway.url}/openai/v1/responses`, {
 *   method: "POST",
 *   body: JSON.stringify({ model: "gpt-4o", input: "hello" }),
 * });
 * assert.equal((await answer.json()).output[0].content[0].text, "Echo: hello");
 * ```
 *
 * @module
 */
import { decodeBase64 } from "../internal/base64.ts";
import { Base64Bytes, jsonPieces } from "../internal/json_pieces.ts";
import { decodeUtf8 } from "../internal/utf8.ts";
import { buildRequest } from "./_bifrost_request.ts";
import { CLOSE_GRACE_MS, LoadedPlugin, settlesWithin } from "./_gateway_plugins.ts";
import type { HookObserver, PluginEntry } from "./types.ts";
import type { KindSpec } from "./_kinds.ts";
import {
  callProvider,
  isStreamError,
  type Outgoing,
  outgoing,
  type ProviderTarget,
  streamProvider,
} from "./_provider.ts";
import { MAX_BODY_BYTES, parseBody, parseText, readBody, shareStrings } from "./_request_body.ts";
import { route } from "./_routes.ts";
import { sseEvent } from "./_sse.ts";
import {
  type BifrostContext,
  type BifrostError,
  type BifrostRequest,
  type HTTPPostHookOutput,
  type HTTPPreHookOutput,
  type HTTPRequest,
  type HTTPResponse,
  type HTTPStreamChunkOutput,
  type PostHookOutput,
  type PreHookOutput,
  REQUEST_TYPE_KEY,
  type StreamChunk,
} from "../abi/hook_types.ts";
import type { HostOptions } from "../host/types.ts";
import { PRE_HOOK_ERROR_NOTE } from "../abi/contract.ts";
import { ListenError, PluginError, PluginInputTooLargeError } from "../errors.ts";
import { collectGarbage } from "../mock/memory.ts";
import { ConnectionFront } from "./_timeouts.ts";
import { type RequestTrace, requestTrace } from "./_gateway_plugins.ts";
import type { RequestLogEvent } from "./types.ts";

/**
 * One line for a {@link RequestLogEvent}.
 *
 * @example
 * ```ts
 * import { formatRequestLine } from "./gateway.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   formatRequestLine({
 *     method: "POST",
 *     path: "/v1/chat/completions",
 *     status: 403,
 *     ms: 1.234,
 *     hooks: ["guard:http_pre_hook", "guard:pre_hook", "log:pre_hook"],
 *     shortCircuit: "guard pre_hook: error 403",
 *     stream: false,
 *   }),
 *   "POST /v1/chat/completions 403 1.2 ms · hooks: guard (http_pre_hook, pre_hook), log (pre_hook) · short-circuit: guard pre_hook: error 403",
 * );
 * ```
 */
export function formatRequestLine(e: RequestLogEvent): string {
  const byPlugin = new Map<string, string[]>();
  for (const h of e.hooks) {
    const at = h.lastIndexOf(":");
    const plugin = h.slice(0, at);
    byPlugin.set(plugin, [...(byPlugin.get(plugin) ?? []), h.slice(at + 1)]);
  }
  const hooks = byPlugin.size ? [...byPlugin].map(([p, hs]) => `${p} (${hs.join(", ")})`).join(", ") : "none";
  const ms = e.ms < 10 ? Math.round(e.ms * 10) / 10 : Math.round(e.ms);
  return `${e.method} ${e.path} ${e.status} ${ms} ms${e.stream ? " (stream)" : ""} · hooks: ${hooks}${
    e.shortCircuit ? ` · short-circuit: ${e.shortCircuit}` : ""
  }`;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
  /** Plugins in config.json order; disabled ones are skipped. */
  plugins: PluginEntry[];
  /** The `openai` provider's base URL (without `/v1`). */
  upstreamUrl: string;
  /** The key sent upstream. Default `"sk-bifrost-as-local"`. */
  upstreamKey?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
  /**
   * Conformance host settings for every plugin (free policy, strictness, time budget, memory cap).
   * `maxMemoryPages` defaults to {@link DEFAULT_PLUGIN_MEMORY_PAGES}: a request that needs more fails
   * with 500 and the plugin starts afresh.
   */
  host?: Omit<HostOptions, "config" | "onLog">;
  /** Reload a plugin when its `.wasm` changes. */
  watch?: boolean;
  /**
   * The most a request may take to arrive, header and body, in ms (fasthttp's `ReadTimeout`, which
   * Bifrost leaves unlimited): past it the client gets 408 and the connection is closed. Default: none.
   */
  readTimeoutMs?: number;
  /**
   * The most a kept-alive connection may wait for its next request, in ms (fasthttp's `IdleTimeout`):
   * past it the connection is closed. Default: `readTimeoutMs`.
   */
  idleTimeoutMs?: number;
  /**
   * A plugin whose memory has grown past this many 64 KiB pages by the end of a call starts
   * afresh before the next one (a wasm memory never shrinks). Default
   * {@link DEFAULT_RENEW_ABOVE_PAGES}; `Infinity` keeps every instance.
   */
  renewAbovePages?: number;
  /** The context key of the request id. Default `"request-id"` (Go's constant). */
  requestIdKey?: string;
  /** Gateway and plugin log lines. */
  onLog?: (line: string) => void;
  /** Sees every successful hook call: its input and the plugin's output (`dev --record` saves them as fixtures). */
  onHookCall?: HookObserver;
  /** Sees every request once its response starts: method, path, status, latency, hooks run, short-circuit. */
  onRequest?: (event: RequestLogEvent) => void;
  /**
   * The largest request body, in bytes: larger ones get 413, as Bifrost answers past its
   * `client.max_request_body_size_mb`. Default 100 MiB, Bifrost's default.
   */
  maxRequestBodyBytes?: number;
}

/** The memory cap of every plugin in the gateway unless told otherwise: 1 GiB (16384 pages of 64 KiB). */
export const DEFAULT_PLUGIN_MEMORY_PAGES = 16384;

/**
 * Memory past which a plugin starts afresh after a call: 256 MiB (4096 pages), far above what
 * ordinary requests leave, reached by requests of tens of MiB.
 */
export const DEFAULT_RENEW_ABOVE_PAGES = 4096;

/** A running gateway. */
export interface Gateway extends AsyncDisposable {
  url: string;
  port: number;
  /** The loaded plugins, in order, by the names they register under. */
  plugins: string[];
  /** Answers one request in-process, as the server does for each request it receives. */
  handle(request: Request): Promise<Response>;
  /** Reloads every plugin from its `.wasm`. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Notes in the request's trace (when traced) that a plugin answered instead of the provider. */
function noteShortCircuit(what: string): void {
  const trace = requestTrace.getStore();
  if (trace) trace.shortCircuit = what;
}

/** A Bifrost-shaped error answer. */
function errorResponse(error: BifrostError, fallbackStatus = 500): Response {
  const status = validStatus(error.status_code) ?? fallbackStatus;
  return Response.json(errorBody(error, status), { status });
}

/** What Bifrost's transport answers (409) when an HTTP pre hook changed the method or path. */
const METHOD_PATH_CHANGED = "request method/path was modified by a plugin, this is not allowed";

function textResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

function gatewayError(status: number, message: string, type: string, headers?: HeadersInit): Response {
  const res = errorResponse({ error: { message, type }, status_code: status }, status);
  if (headers) { for (const [k, v] of new Headers(headers)) res.headers.set(k, v); }
  return res;
}

function validStatus(s: unknown): number | undefined {
  return typeof s === "number" && Number.isInteger(s) && s >= 200 && s <= 599 ? s : undefined;
}

/** Merges what a plugin returned into the request context (the request id stays). */
function mergeContext(ctx: BifrostContext, returned: unknown, idKey: string): void {
  if (!returned || typeof returned !== "object" || Array.isArray(returned)) return;
  for (const [k, v] of Object.entries(returned)) if (k !== idKey) ctx[k] = v;
}

const EMPTY = new Uint8Array();

/** A request in flight: released when answered, or for a stream when it ends. */
interface Lease {
  streaming: boolean;
  release(): void;
}

/** A body this large marks the request as large: plugins it grew start afresh and garbage is collected after it. */
const LARGE_BODY_BYTES = 8 << 20;

/** `{}` and null both mean "unchanged" in hook outputs. */
function changed<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined && !(typeof value === "object" && Object.keys(value).length === 0);
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * An HTTP request or response as the gateway holds it: a body read is kept
 * as its text (its bytes when it is not UTF-8), base64-encoded only where a
 * hook's input is written (a large one a slice at a time, into the plugin's
 * memory or the engine's pipe); a body a plugin returned is its base64 text.
 */
type Held<T extends HTTPRequest | HTTPResponse> = Omit<T, "body"> & { body: string | Base64Bytes | null };

/** A body read, held as its text when it is UTF-8 (it is parsed from it, and shares its large strings). */
function heldBody(bytes: Uint8Array<ArrayBuffer>): Base64Bytes {
  const text = decodeUtf8(bytes);
  return new Base64Bytes(text === undefined ? bytes : { text, byteLength: bytes.length });
}

/** A held body's bytes. */
function bytesOf(body: string | Base64Bytes | null | undefined): Uint8Array<ArrayBuffer> {
  return body instanceof Base64Bytes ? body.bytes : decodeBase64(body ?? "");
}

interface RequestState {
  /**
   * The body is {@link LARGE_BODY_BYTES} or more: hook inputs are written in pieces (no whole copy of their
   * JSON) and garbage is collected after each hook call.
   */
  large: boolean;
  ctx: BifrostContext;
  http: Held<HTTPRequest>;
  /**
   * The Bifrost request, held here alone (no local variable across an
   * await) from when it is built until it is sent upstream: then let go, so
   * a large one is not held while the upstream reads it and answers.
   */
  request?: BifrostRequest;
  kind: KindSpec;
  log: (line: string) => void;
  idKey: string;
}

/**
 * A response or an error: what the LLM stage produced. The response is the
 * whole `BifrostResponse` envelope (`{"chat_response": {...}}`), as the
 * post hooks see it.
 */
interface Outcome {
  response?: Json;
  error?: BifrostError;
}

/**
 * The object under one of `keys` in a `BifrostResponse` a plugin returned,
 * or why it is not there (the plugin answered with another kind's field).
 */
function answerOf(kind: KindSpec, response: Json, who: string, keys: readonly string[]): Json | string {
  for (const key of keys) if (isObject(response[key])) return response[key];
  const other = Object.keys(response).find((k) => k.endsWith("_response") && isObject(response[k]));
  return `${who} answered a ${kind.name} request with ${other ?? "no answer"} (expected ${keys.join(" or ")})`;
}

/** The fields a kind's answer may travel in: the answer's own, and for a streamed request its chunks' too. */
function answerKeys(kind: KindSpec, stream: boolean): string[] {
  return stream && kind.streamKey && kind.streamKey !== kind.responseKey
    ? [kind.responseKey, kind.streamKey]
    : [kind.responseKey];
}

/**
 * A Bifrost error as the body of an answer or of a streamed error chunk.
 * `is_bifrost_error` stays as the error has it, else false: a real Bifrost
 * answers false for its own errors, the provider's and a plugin's alike.
 */
function errorBody(error: BifrostError, status?: number): Json {
  return { is_bifrost_error: false, ...(status === undefined ? {} : { status_code: status }), ...error };
}

class Pipeline {
  constructor(
    private plugins: LoadedPlugin[],
    private target: ProviderTarget,
    private idKey: string,
    private log: (line: string) => void,
    private maxBody: number,
    private renewAbovePages: number,
  ) {}

  /** Requests being answered, streams until their end. */
  #inFlight = 0;
  /** Whether a request since the last check may have grown a plugin or left large garbage. */
  #large = false;

  /**
   * Answers one request; once none is in flight, starts afresh every plugin a large one grew.
   * `onAnswered` is called when the request is answered (a stream: when it ends).
   */
  async handle(req: Request, onAnswered?: () => void): Promise<Response> {
    this.#inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      onAnswered?.();
      if (--this.#inFlight > 0) return;
      if (this.#large || this.plugins.some((p) => p.pages > this.renewAbovePages)) void this.#settle();
    };
    const lease: Lease = { streaming: false, release };
    try {
      return await this.#handle(req, lease);
    } finally {
      if (!lease.streaming) release();
    }
  }

  /**
   * After large requests: plugins grown past `renewAbovePages` start afresh
   * (their calls are queued, so a request that has just begun waits for it),
   * and a full garbage collection hands the dropped instances' memory and the
   * requests' copies back to the system instead of keeping them until V8
   * next feels pressure.
   */
  async #settle(): Promise<void> {
    this.#large = false;
    await Promise.all(this.plugins.map((p) => p.renewAbove(this.renewAbovePages, this.log)));
    if (this.#inFlight === 0) collectGarbage();
  }

  /**
   * Calls a hook; a plugin failure becomes a 500 answer. In a large request, the input's copies (tens of
   * MiB each) are collected at once rather than piling up until V8 feels pressure.
   */
  async #hook<T>(
    st: RequestState,
    p: LoadedPlugin,
    hook: Parameters<LoadedPlugin["call"]>[0],
    input: unknown,
  ): Promise<T | Response> {
    try {
      return (await p.call(hook, st.large ? jsonPieces(input) : input)).output as T;
    } catch (e) {
      if (!(e instanceof PluginError)) throw e;
      this.log(`plugin "${p.entry.name}" failed in ${hook}: ${e.message}`);
      if (e instanceof PluginInputTooLargeError) return gatewayError(413, e.message, "request_too_large");
      return gatewayError(500, `Plugin "${p.name}" failed in ${hook}: ${e.message}`, "plugin_error");
    } finally {
      if (st.large) collectGarbage();
    }
  }

  async #handle(req: Request, lease: Lease): Promise<Response> {
    const url = new URL(req.url);
    if (req.method === "GET" && url.pathname === "/health") return Response.json({ status: "ok" });
    const match = route(req.method, url.pathname);
    if ("status" in match) {
      await req.body?.cancel();
      const type = match.status === 404 ? "not_found" : "method_not_allowed";
      return gatewayError(match.status, match.message, type, match.allow ? { Allow: match.allow } : undefined);
    }
    const { kind, integration } = match;
    let body: Uint8Array<ArrayBuffer> | Response = EMPTY;
    if (kind.upstream.method === "POST") body = await this.#readBody(req);
    else await req.body?.cancel();
    if (body instanceof Response) return body;
    const large = body.length >= LARGE_BODY_BYTES;
    if (large) this.#large = true;
    const st: RequestState = {
      large,
      ctx: { [this.idKey]: crypto.randomUUID(), [REQUEST_TYPE_KEY]: kind.requestType },
      http: {
        method: req.method,
        path: url.pathname,
        headers: Object.fromEntries(req.headers),
        query: Object.fromEntries(url.searchParams),
        body: heldBody(body),
      },
      kind,
      log: this.log,
      idKey: this.idKey,
    };
    if (integration) st.ctx["bifrost-integration-type"] = "openai";
    body = EMPTY; // held as its text (or its bytes when it is not UTF-8) from here
    const early = await this.#httpPre(st);
    if (early) return early;
    const read = kind.upstream.method !== "POST" ? undefined : st.http.body;
    const stream = this.#build(st, integration, read);
    if (stream instanceof Response) return stream;
    if (stream) return await this.#stream(st, lease);
    return await this.#httpPost(st, await this.#complete(st));
  }

  /**
   * Parses the body (absent for a GET) and builds the Bifrost request into
   * `st.request`; returns whether it streams, or the answer refusing it. In a
   * method of its own: the parsed body is held by nothing once it returns.
   */
  #build(st: RequestState, integration: boolean, read: Held<HTTPRequest>["body"] | undefined): boolean | Response {
    let parsed: Json = {};
    if (read !== undefined) {
      // The body read is parsed from its text (no HTTP pre hook replaced it), else a plugin's base64 is decoded.
      const text = read instanceof Base64Bytes ? read.text : undefined;
      const result = text === undefined ? parseBody(bytesOf(read)) : parseText(text);
      if (!("body" in result)) return gatewayError(result.status, result.message, "invalid_request");
      if (st.large && text !== undefined) shareStrings(result.body, text);
      if (st.large) collectGarbage();
      parsed = result.body;
    }
    const built = buildRequest(st.kind, parsed, integration);
    if ("problem" in built) return gatewayError(400, built.problem, "invalid_request");
    // As Bifrost does: the context names the route's type (chat_completion for a streamed chat too); the request
    // carries the core's (chat_completion_stream), as bifrost-as's loader sends Go's BifrostRequest.RequestType.
    st.request = {
      request_type: built.stream ? st.kind.streamRequestType : st.kind.requestType,
      ...built.request,
    } as BifrostRequest;
    return built.stream;
  }

  /** The request, ready to send upstream, and let go by `st` (see {@link RequestState.request}). */
  #outgoing(st: RequestState, stream: boolean): Outgoing {
    const out = outgoing(st.kind, st.request!, stream);
    delete st.request;
    return out;
  }

  /** The request's body, or the answer refusing it (in a method of its own: no reference outlives it). */
  async #readBody(req: Request): Promise<Uint8Array<ArrayBuffer> | Response> {
    const read = await readBody(req, this.maxBody);
    return read instanceof Uint8Array ? read : gatewayError(read.status, read.message, "invalid_request");
  }

  async #httpPre(st: RequestState): Promise<Response | undefined> {
    for (const p of this.plugins) {
      const hook = p.httpPreHook;
      if (!hook) continue;
      const out = await this.#hook<HTTPPreHookOutput>(st, p, hook, { context: st.ctx, request: st.http });
      if (out instanceof Response) return out;
      mergeContext(st.ctx, out.context, st.idKey);
      // Bifrost's transport answers an HTTP pre hook's error as plain text.
      if (out.error) return textResponse(500, out.error);
      if (out.has_response && out.response) {
        noteShortCircuit(`${p.entry.name} ${hook}: response ${out.response.status_code}`);
        return toHttpResponse(out.response);
      }
      const r = out.request;
      if (!changed(r)) continue;
      if ((r.method && r.method !== st.http.method) || (r.path && r.path !== st.http.path)) {
        st.log(`warning: plugin "${p.name}" http_pre_hook changed the request's method or path`);
        return errorResponse({ error: { message: METHOD_PATH_CHANGED }, status_code: 409 });
      }
      if (r.headers) st.http.headers = { ...st.http.headers, ...r.headers };
      if (r.query) st.http.query = { ...st.http.query, ...r.query };
      if (r.body !== null && r.body !== undefined) st.http.body = r.body;
    }
    return undefined;
  }

  /**
   * LLM pre hooks on `st.request` (changed as they change it); returns the plugins whose pre hook ran and, when
   * one short-circuited, its outcome.
   */
  async #llmPre(st: RequestState, stream: boolean): Promise<{ ran: LoadedPlugin[]; outcome?: Outcome } | Response> {
    const ran: LoadedPlugin[] = [];
    for (const p of this.plugins) {
      if (!p.has("pre_hook")) continue;
      const out = await this.#hook<PreHookOutput>(st, p, "pre_hook", { context: st.ctx, request: st.request });
      if (out instanceof Response) return out;
      ran.push(p);
      mergeContext(st.ctx, out.context, st.idKey);
      // Bifrost's core logs a pre hook's error and goes on: the plugin counts as run, its request and short-circuit apply.
      if (out.error) st.log(`warning: plugin "${p.name}" pre_hook: ${out.error} (${PRE_HOOK_ERROR_NOTE})`);
      if (changed(out.request)) st.request = { ...st.request, ...out.request } as BifrostRequest;
      if (out.has_short_circuit && out.short_circuit) {
        const sc = out.short_circuit;
        if (sc.error) {
          noteShortCircuit(`${p.entry.name} pre_hook: error ${sc.error.status_code ?? ""}`.trimEnd());
          return { ran, outcome: { error: sc.error } };
        }
        if (isObject(sc.response)) {
          const keys = answerKeys(st.kind, stream);
          const answer = answerOf(st.kind, sc.response, `Plugin "${p.name}" pre_hook`, keys);
          // A whole answer in another kind's field: Bifrost answers 200 with null (the kind's field is empty).
          if (typeof answer === "string" && stream) return gatewayError(500, answer, "plugin_error");
          if (typeof answer === "string") st.log(`warning: ${answer}: the client gets null`);
          noteShortCircuit(`${p.entry.name} pre_hook: response`);
          return { ran, outcome: { response: sc.response } };
        }
      }
    }
    return { ran };
  }

  /**
   * LLM post hooks in reverse order over the plugins whose pre hook ran, on a
   * whole answer or on one streamed chunk: a response the hooks return must
   * hold one of `keys`.
   */
  async #llmPost(
    st: RequestState,
    ran: LoadedPlugin[],
    outcome: Outcome,
    keys: readonly string[],
    whole = false,
  ): Promise<
    Outcome | Response
  > {
    for (const p of [...ran].reverse()) {
      if (!p.has("post_hook")) continue;
      const input = {
        context: st.ctx,
        response: outcome.response ?? null,
        error: outcome.error ?? {},
        has_error: outcome.error !== undefined,
      };
      const out = await this.#hook<PostHookOutput>(st, p, "post_hook", input);
      if (out instanceof Response) return out;
      mergeContext(st.ctx, out.context, st.idKey);
      if (out.hook_error) st.log(`warning: plugin "${p.name}" post_hook: ${out.hook_error}`);
      // An error replaces the outcome; so does a response (which may also recover from an error).
      if (out.has_error && changed(out.error)) {
        outcome = { error: out.error as BifrostError };
      } else if (changed(out.response)) {
        const answer = answerOf(st.kind, out.response as Json, `Plugin "${p.name}" post_hook`, keys);
        // A whole answer in another kind's field reaches the client as null, as in Bifrost; a chunk fails.
        if (typeof answer === "string" && !whole) return gatewayError(500, answer, "plugin_error");
        if (typeof answer === "string") st.log(`warning: ${answer}: the client gets null`);
        outcome = { response: out.response as Json };
      }
    }
    return outcome;
  }

  async #complete(st: RequestState): Promise<Response> {
    const pre = await this.#llmPre(st, false);
    if (pre instanceof Response) return pre;
    let outcome = pre.outcome;
    if (!outcome) {
      const result = await callProvider(this.target, st.kind, this.#outgoing(st, false));
      // A large answer (embeddings of many inputs) makes the request large from here, as a large body does.
      if (result.ok && result.length >= LARGE_BODY_BYTES) st.large = this.#large = true;
      if (st.large) collectGarbage();
      outcome = result.ok ? { response: { [st.kind.responseKey]: result.response } } : { error: result.error };
    }
    const keys = [st.kind.responseKey];
    const post = await this.#llmPost(st, pre.ran, outcome, keys, true);
    if (post instanceof Response) return post;
    if (post.error) return errorResponse(post.error);
    const answer = answerOf(st.kind, post.response!, "", keys);
    return Response.json(typeof answer === "string" ? null : answer);
  }

  async #httpPost(st: RequestState, response: Response): Promise<Response> {
    const hooked = this.plugins.filter((p) => p.has("http_post_hook"));
    if (hooked.length === 0) return response;
    let http: Held<HTTPResponse> = {
      status_code: response.status,
      headers: Object.fromEntries(response.headers),
      body: new Base64Bytes(new Uint8Array(await response.arrayBuffer())),
    };
    for (const p of hooked.reverse()) {
      const out = await this.#hook<HTTPPostHookOutput>(st, p, "http_post_hook", {
        context: st.ctx,
        request: st.http,
        response: http,
      });
      if (out instanceof Response) return out;
      mergeContext(st.ctx, out.context, st.idKey);
      // Bifrost logs an HTTP post hook's error, runs no further post hook and sends the response as it is.
      if (out.error) {
        st.log(`warning: plugin "${p.name}" http_post_hook: ${out.error}`);
        break;
      }
      if (changed(out.response)) http = { ...http, ...out.response };
    }
    return toHttpResponse(http);
  }

  /**
   * A streamed request, as Bifrost's core and HTTP transport run it: the LLM
   * post hooks once per chunk (in reverse order, before the chunk hooks),
   * the chunk hooks in reverse order, and the HTTP post hooks once the
   * stream has ended. Failures before the first chunk answer in JSON with
   * their status, as for a plain request.
   *
   * The body is pulled: an upstream chunk is read and hooked only when the
   * client has taken the one before (Bifrost's transport hands its writer
   * one event at a time), so a slow client holds the upstream back instead
   * of piling chunks up here. When the client goes away (or the stream ends
   * early) the upstream request is aborted, no chunk hook runs again, the
   * LLM post hooks run once on Bifrost's cancellation error (when the
   * upstream had not finished) and the HTTP post hooks once, their errors
   * only logged.
   */
  async #stream(st: RequestState, lease: Lease): Promise<Response> {
    const pre = await this.#llmPre(st, true);
    if (pre instanceof Response) return pre;
    // Hooks run per chunk from here on, on small inputs: no collection after each.
    st.large = false;
    const streamKey = st.kind.streamKey ?? st.kind.responseKey;
    const upstream = new AbortController();
    let chunks: AsyncIterable<Json | BifrostError> | Iterable<Json>;
    let perChunk = true;
    const started = pre.outcome ??
      await streamProvider(this.target, st.kind, this.#outgoing(st, true), upstream.signal);
    if ("ok" in started && started.ok) {
      chunks = started.chunks;
    } else {
      // A short-circuit, or a provider that failed before streaming: the post hooks run once on the
      // whole outcome; an error answers in JSON, a response becomes the stream's only chunk.
      const outcome: Outcome = "ok" in started ? { error: started.error } : started;
      const post = await this.#llmPost(st, pre.ran, outcome, answerKeys(st.kind, true));
      if (post instanceof Response) return post;
      if (post.error) return errorResponse(post.error);
      chunks = [this.#onlyChunk(st, post.response!, streamKey)];
      perChunk = false;
    }
    const chunkHooked = this.plugins.filter((p) => p.has("http_stream_chunk_hook")).reverse();
    const events = st.kind.streamEnd === "terminal-event";
    const postHooks = (outcome: Outcome) => this.#llmPost(st, pre.ran, outcome, [streamKey]);
    const chunkHooks = (chunk: Json) => this.#chunkHooks(st, chunkHooked, chunk);
    // Bifrost runs the HTTP post hooks of a stream once: before [DONE], or after the stream broke off.
    let httpPostRan = false;
    const httpPostHooks = (onError?: (error: string) => void) => {
      if (httpPostRan) return Promise.resolve();
      httpPostRan = true;
      return this.#httpPostAfterStream(st, onError);
    };
    let gone = false;
    let upstreamEnded = !perChunk;

    async function* sse(): AsyncGenerator<Uint8Array> {
      // Bifrost's handler names an event when the chunk is a Responses event or an error of such a stream,
      // and sends [DONE] after the stream unless the last chunk was one of those.
      let lastNamed = false;
      const event = (chunk: Json, error: boolean) => {
        const name = events && (error || typeof chunk.type === "string")
          ? (error ? "error" : String(chunk.type))
          : undefined;
        lastNamed = name !== undefined;
        return sseEvent(JSON.stringify(chunk), name);
      };
      for await (const item of chunks) {
        if (gone) return;
        let outcome: Outcome = isStreamError(item) ? { error: item } : { response: { [streamKey]: item } };
        if (perChunk) {
          const post = await postHooks(outcome);
          if (gone) return;
          if (post instanceof Response) {
            // A plugin that fails mid-stream ends it, as the chunk hooks' errors do.
            yield sseEvent(await post.text(), "error");
            return;
          }
          outcome = post;
        }
        const chunk = outcome.error ? errorBody(outcome.error) : outcome.response![streamKey] as Json;
        const hooked = await chunkHooks(chunk);
        if (gone) return;
        if ("end" in hooked) {
          yield sseEvent(JSON.stringify({ error: hooked.end }), "error");
          return;
        }
        if (hooked.chunk) yield event(hooked.chunk, outcome.error !== undefined);
        // The provider stops after an error of its own; a post hook's error chunk does not end the stream.
        if (isStreamError(item)) break;
      }
      upstreamEnded = true;
      const errors: Uint8Array[] = [];
      await httpPostHooks((error) => errors.push(sseEvent(JSON.stringify({ error }), "error")));
      yield* errors;
      if (!lastNamed) yield sseEvent("[DONE]");
    }

    // What Bifrost does when a stream stops before the upstream's end (the client went away, or a hook ended it):
    // it cancels the request's context, which closes the upstream body, and the provider's reader runs the post
    // hooks once on a cancellation error; the HTTP post hooks run if they have not, their errors only logged.
    const stop = async () => {
      try {
        upstream.abort();
        if (!upstreamEnded) {
          upstreamEnded = true;
          const post = await postHooks({ error: CANCELLED });
          if (post instanceof Response) st.log(`warning: a post hook failed on the cancellation of a stream`);
        }
        await httpPostHooks();
      } finally {
        lease.release();
      }
    };
    const it = sse();
    let pulling: Promise<unknown> = Promise.resolve();
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const step = it.next();
        pulling = step.catch(() => {});
        try {
          const next = await step;
          if (gone) return;
          if (next.done) {
            controller.close();
            await stop();
          } else controller.enqueue(next.value);
        } catch (e) {
          controller.error(e);
          await stop();
        }
      },
      cancel: async () => {
        gone = true;
        upstream.abort();
        await pulling;
        await it.return(undefined);
        await stop();
      },
    });
    // The request is in flight until the stream ends.
    lease.streaming = true;
    return new Response(body, { headers: STREAM_HEADERS });
  }

  /**
   * The one chunk Bifrost streams for an answer that did not come as a
   * stream (a short-circuit, or a post hook's recovery): the envelope's
   * stream field as it is, or `{}` when there is none.
   */
  #onlyChunk(st: RequestState, response: Json, streamKey: string): Json {
    const chunk = response[streamKey];
    if (isObject(chunk)) {
      if (st.kind.name === "chat" && chunk.object !== "chat.completion.chunk") {
        st.log(
          `note: a streamed chat request was answered with a ${chunk.object ?? "chat_response"}; Bifrost streams ` +
            "it as one chunk as it is (choices with message, not delta), which clients read as no text",
        );
      }
      return chunk;
    }
    st.log(
      `note: a streamed ${st.kind.name} request was answered without ${streamKey}; Bifrost streams an empty ` +
        "chunk {} for it",
    );
    return {};
  }

  /**
   * Runs the chunk hooks on one chunk, in reverse plugin order: the chunk to
   * send (none when a hook skips it), or the error that ends the stream
   * (a hook's error without a chunk). An error with a chunk is only logged.
   */
  async #chunkHooks(st: RequestState, hooked: LoadedPlugin[], chunk: StreamChunk): Promise<
    { chunk: StreamChunk | null } | { end: string }
  > {
    let current: StreamChunk = chunk;
    for (const p of hooked) {
      const out: HTTPStreamChunkOutput | Response = await this.#hook<HTTPStreamChunkOutput>(
        st,
        p,
        "http_stream_chunk_hook",
        { context: st.ctx, request: st.http, chunk: current },
      );
      if (out instanceof Response) return { end: `Plugin "${p.name}" failed in http_stream_chunk_hook` };
      mergeContext(st.ctx, out.context, st.idKey);
      const keep = !out.skip && out.has_chunk !== false;
      if (out.error && !(keep && out.chunk)) {
        return { end: `failed to intercept chunk with plugin ${p.name}: ${out.error}` };
      }
      if (out.error) st.log(`warning: plugin "${p.name}" http_stream_chunk_hook: ${out.error}`);
      if (!keep) return { chunk: null };
      if (out.chunk) current = out.chunk;
    }
    return { chunk: current };
  }

  /**
   * The HTTP post hooks once a stream has ended, in reverse order: they see
   * the request without its body and the response's status and headers
   * without a body; what they change is not applied (the answer is on the
   * wire). An error goes to `onError` (an SSE error event before [DONE]), or
   * to the log when the stream ended early.
   */
  async #httpPostAfterStream(st: RequestState, onError?: (error: string) => void): Promise<void> {
    const request: HTTPRequest = { ...st.http, body: null };
    const response: HTTPResponse = { status_code: 200, headers: { ...STREAM_HEADERS }, body: null };
    for (const p of this.plugins.filter((p) => p.has("http_post_hook")).reverse()) {
      const out = await this.#hook<HTTPPostHookOutput>(st, p, "http_post_hook", { context: st.ctx, request, response });
      const error = out instanceof Response ? `failed in http_post_hook` : out.error;
      if (!(out instanceof Response)) mergeContext(st.ctx, out.context, st.idKey);
      if (!error) continue;
      const message = `transport post-hook plugin ${p.name}: ${error}`;
      if (onError) onError(message);
      else st.log(`warning: ${message}`);
      return;
    }
  }
}

/** The error Bifrost's providers pass through the post hooks when a stream's client goes away (`HandleStreamCancellation`). */
const CANCELLED: BifrostError = {
  error: { message: "Request cancelled: client disconnected", type: "request_cancelled" },
  status_code: 499,
};

/** The headers of a streamed answer. */
const STREAM_HEADERS: Record<string, string> = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
};

function toHttpResponse(r: Held<HTTPResponse>): Response {
  const status = validStatus(r.status_code) ?? 200;
  const headers = new Headers();
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (k.toLowerCase() !== "content-length") headers.set(k, v);
  }
  const body = r.body ? bytesOf(r.body) : null;
  return new Response(status === 204 || status === 304 ? null : body, { status, headers });
}

/** A request handler that reports each request to `onRequest` (with the hooks it ran, traced per request). */
function traced(handle: Handler, onRequest: (event: RequestLogEvent) => void): Handler {
  return async (req, onAnswered) => {
    const started = performance.now();
    const trace: RequestTrace = { hooks: [] };
    const res = await requestTrace.run(trace, () => handle(req, onAnswered));
    try {
      onRequest({
        method: req.method,
        path: new URL(req.url).pathname,
        status: res.status,
        ms: performance.now() - started,
        hooks: [...trace.hooks],
        ...(trace.shortCircuit ? { shortCircuit: trace.shortCircuit } : {}),
        stream: (res.headers.get("content-type") ?? "").startsWith("text/event-stream"),
      });
    } catch { /* a logger's failure is not the request's */ }
    return res;
  };
}

/** Answers one request; `onAnswered` is called once it is answered (a stream: when it ends). */
type Handler = (req: Request, onAnswered?: () => void) => Promise<Response>;

/**
 * Binds the address, loads the plugins, then serves. Throws ListenError when
 * the address cannot be bound (before any plugin is loaded or watched),
 * PluginError when a plugin cannot load (the address is released).
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.onLog ?? (() => {});
  const hostname = options.hostname ?? "127.0.0.1";
  // Bound first, so that a busy port fails at once with nothing else started; requests wait for the plugins.
  let ready!: (pipeline: Pipeline) => void;
  const loaded = new Promise<Pipeline>((resolve) => ready = resolve);
  const handle: Handler = async (req, onAnswered) => (await loaded).handle(req, onAnswered);
  const server = listen(
    { port: options.port ?? 8080, hostname, readMs: options.readTimeoutMs ?? 0, idleMs: options.idleTimeoutMs },
    log,
    options.onRequest ? traced(handle, options.onRequest) : handle,
  );
  const plugins: LoadedPlugin[] = [];
  try {
    for (const entry of options.plugins) {
      if (entry.enabled === false) continue;
      const p = await LoadedPlugin.load(
        entry,
        {
          maxMemoryPages: DEFAULT_PLUGIN_MEMORY_PAGES,
          ...options.host,
          onLog: (l) => log(`[${entry.name}] ${l}`),
        },
        options.onHookCall,
      );
      if (p.name !== entry.name) log(`plugin "${entry.name}" registers as "${p.name}" (get_name)`);
      plugins.push(p);
      if (options.watch) p.watch(log);
    }
  } catch (e) {
    await Promise.all(plugins.map((p) => p.close()));
    await server.shutdown();
    throw e;
  }
  const pipeline = new Pipeline(
    plugins,
    { baseUrl: options.upstreamUrl, key: options.upstreamKey ?? "sk-bifrost-as-local" },
    options.requestIdKey ?? "request-id",
    log,
    options.maxRequestBodyBytes ?? MAX_BODY_BYTES,
    options.renewAbovePages ?? DEFAULT_RENEW_ABOVE_PAGES,
  );
  ready(pipeline);
  const port = server.port;
  let closed: Promise<void> | undefined;
  // In-flight requests get a moment to finish; then the plugins close, which stops a hook that spins (its request
  // fails), so Ctrl-C never waits for a deadline.
  const close = () =>
    closed ??= (async () => {
      const down = server.shutdown();
      await settlesWithin(down, CLOSE_GRACE_MS);
      await Promise.all(plugins.map((p) => p.close()));
      await down;
    })();
  return {
    url: `http://${hostname}:${port}`,
    port,
    plugins: plugins.map((p) => p.name),
    handle: (request) => pipeline.handle(request),
    async reload() {
      await Promise.all(plugins.map((p) => p.reload(log)));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The serving side of a gateway: its public port, and how to stop it. */
interface Listening {
  port: number;
  shutdown(): Promise<void>;
}

/**
 * Starts the HTTP server on `hostname:port`; with a read timeout, behind a
 * {@link ConnectionFront} that enforces it and the idle timeout. An address
 * that cannot be bound is a {@link ListenError}.
 */
function listen(
  where: { port: number; hostname: string; readMs: number; idleMs: number | undefined },
  log: (line: string) => void,
  handler: Handler,
): Listening {
  const { port, hostname, readMs } = where;
  const idleMs = where.idleMs ?? readMs;
  const onError = (e: unknown) => {
    log(`gateway error: ${(e as Error).message}`);
    return gatewayError(500, `Gateway error: ${(e as Error).message}`, "internal_error");
  };
  try {
    if (readMs <= 0 && idleMs <= 0) {
      const server = Deno.serve({ port, hostname, onListen: () => {}, onError }, (req) => handler(req));
      return { port: server.addr.port, shutdown: () => server.shutdown() };
    }
    const front = new ConnectionFront(hostname, port, { readMs, idleMs });
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {}, onError },
      (req, info) => handler(req, front.track(info.remoteAddr)),
    );
    front.start(server.addr);
    return {
      port: front.addr.port,
      async shutdown() {
        await front.close();
        await server.shutdown();
      },
    };
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    const where = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
    // Deno's message ends with "(os error 98)" or the like; the first clause says it all.
    const reason = e.message.replace(/\s*\(os error \d+\)$/, "").split(": ").pop()!;
    throw new ListenError(`Cannot listen on ${where}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`, e.name, {
      cause: e,
    });
  }
}
