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
 *    non-empty request replaces the request.
 * 3. The provider call (the `openai` provider's `network_config.base_url`).
 * 4. LLM post hooks, in reverse order, for every plugin whose pre hook ran,
 *    with the answer in the kind's field: `has_error` with `error` turns the
 *    result into that error; a response replaces the response; `hook_error`
 *    is logged as a warning.
 * 5. HTTP post hooks, in reverse order (not for streams); the stream chunk
 *    hook once per chunk (per event for the Responses API), in plugin order
 *    [guess]: `skip` or `has_chunk: false` drops it, an `error` without a
 *    chunk ends the stream.
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
import { decodeBase64, encodeBase64 } from "../_base64.ts";
import { buildRequest } from "./_bifrost_request.ts";
import { type HookObserver, LoadedPlugin, type PluginEntry } from "./_gateway_plugins.ts";
import type { KindSpec } from "./_kinds.ts";
import { chatChunkOf, responsesEvents, textCompletionChunkOf } from "./_openai_stream.ts";
import { callProvider, isStreamError, type ProviderTarget, streamProvider } from "./_provider.ts";
import { MAX_BODY_BYTES, parseBody, readBody } from "./_request_body.ts";
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
} from "../host/hook_types.ts";
import type { HostOptions } from "../host/host.ts";
import { PluginError, PluginInputTooLargeError } from "../errors.ts";

export type { HookCallEvent, HookObserver, PluginEntry } from "./_gateway_plugins.ts";

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
  /** Conformance host settings for every plugin (free policy, strictness, time budget). */
  host?: Omit<HostOptions, "config" | "onLog">;
  /** Reload a plugin when its `.wasm` changes. */
  watch?: boolean;
  /** The context key of the request id. Default `"request-id"` (Go's constant). */
  requestIdKey?: string;
  /** Gateway and plugin log lines. */
  onLog?: (line: string) => void;
  /** Sees every successful hook call: its input and the plugin's output (`dev --record` saves them as fixtures). */
  onHookCall?: HookObserver;
  /**
   * The largest request body, in bytes: larger ones get 413, as Bifrost answers past its
   * `client.max_request_body_size_mb`. Default 100 MiB, Bifrost's default.
   */
  maxRequestBodyBytes?: number;
}

/** A running gateway. */
export interface Gateway extends AsyncDisposable {
  url: string;
  port: number;
  /** The loaded plugins, in order, by the names they register under. */
  plugins: string[];
  /** Reloads every plugin from its `.wasm`. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** A Bifrost-shaped error answer. */
function errorResponse(error: BifrostError, fallbackStatus = 500): Response {
  const status = validStatus(error.status_code) ?? fallbackStatus;
  return Response.json({ is_bifrost_error: true, status_code: status, ...error }, { status });
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

/** `{}` and null both mean "unchanged" in hook outputs. */
function changed<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined && !(typeof value === "object" && Object.keys(value).length === 0);
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

interface RequestState {
  ctx: BifrostContext;
  http: HTTPRequest;
  kind: KindSpec;
  log: (line: string) => void;
  idKey: string;
}

/** A response or an error: what the LLM stage produced. The response is the kind's answer (its field's value). */
interface Outcome {
  response?: Json;
  error?: BifrostError;
}

/**
 * The kind's answer in a `BifrostResponse` a plugin returned, or why it is
 * not there (the plugin answered with another kind's field).
 */
function answerOf(kind: KindSpec, response: Json, who: string): Json | string {
  const answer = response[kind.responseKey];
  if (isObject(answer)) return answer;
  const other = Object.keys(response).find((k) => k.endsWith("_response") && isObject(response[k]));
  return `${who} answered a ${kind.name} request with ${other ?? "no answer"} (expected ${kind.responseKey})`;
}

class Pipeline {
  constructor(
    private plugins: LoadedPlugin[],
    private target: ProviderTarget,
    private idKey: string,
    private log: (line: string) => void,
    private maxBody: number,
  ) {}

  /** Calls a hook; a plugin failure becomes a 500 answer. */
  async #hook<T>(p: LoadedPlugin, hook: Parameters<LoadedPlugin["call"]>[0], input: unknown): Promise<T | Response> {
    try {
      return (await p.call(hook, input)).output as T;
    } catch (e) {
      if (!(e instanceof PluginError)) throw e;
      this.log(`plugin "${p.entry.name}" failed in ${hook}: ${e.message}`);
      if (e instanceof PluginInputTooLargeError) return gatewayError(413, e.message, "request_too_large");
      return gatewayError(500, `Plugin "${p.name}" failed in ${hook}: ${e.message}`, "plugin_error");
    }
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method === "GET" && url.pathname === "/health") return Response.json({ status: "ok" });
    const match = route(req.method, url.pathname);
    if ("status" in match) {
      await req.body?.cancel();
      const type = match.status === 404 ? "not_found" : "method_not_allowed";
      return gatewayError(match.status, match.message, type, match.allow ? { Allow: match.allow } : undefined);
    }
    const { kind, integration } = match;
    let body: Uint8Array = new Uint8Array();
    if (kind.upstream.method === "POST") {
      const read = await readBody(req, this.maxBody);
      if (!(read instanceof Uint8Array)) return gatewayError(read.status, read.message, "invalid_request");
      body = read;
    } else await req.body?.cancel();
    const st: RequestState = {
      ctx: { [this.idKey]: crypto.randomUUID(), [REQUEST_TYPE_KEY]: kind.requestType },
      http: {
        method: req.method,
        path: url.pathname,
        headers: Object.fromEntries(req.headers),
        query: Object.fromEntries(url.searchParams),
        body: encodeBase64(body),
      },
      kind,
      log: this.log,
      idKey: this.idKey,
    };
    if (integration) st.ctx["bifrost-integration-type"] = "openai";
    const early = await this.#httpPre(st);
    if (early) return early;
    let parsed: Json = {};
    if (kind.upstream.method === "POST") {
      const result = parseBody(decodeBase64(st.http.body ?? ""));
      if (!("body" in result)) return gatewayError(result.status, result.message, "invalid_request");
      parsed = result.body;
    }
    const built = buildRequest(kind, parsed, integration);
    if ("problem" in built) return gatewayError(400, built.problem, "invalid_request");
    if (built.stream) st.ctx[REQUEST_TYPE_KEY] = kind.streamRequestType;
    if (built.stream) return await this.#stream(st, built.request);
    return await this.#httpPost(st, await this.#complete(st, built.request));
  }

  async #httpPre(st: RequestState): Promise<Response | undefined> {
    for (const p of this.plugins) {
      const hook = p.httpPreHook;
      if (!hook) continue;
      const out = await this.#hook<HTTPPreHookOutput>(p, hook, { context: st.ctx, request: st.http });
      if (out instanceof Response) return out;
      mergeContext(st.ctx, out.context, st.idKey);
      if (out.error) return gatewayError(500, out.error, "plugin_error");
      if (out.has_response && out.response) return toHttpResponse(out.response);
      const r = out.request;
      if (!changed(r)) continue;
      if ((r.method && r.method !== st.http.method) || (r.path && r.path !== st.http.path)) {
        return gatewayError(409, `Plugin "${p.name}" changed the request's method or path`, "conflict");
      }
      if (r.headers) st.http.headers = { ...st.http.headers, ...r.headers };
      if (r.query) st.http.query = { ...st.http.query, ...r.query };
      if (r.body !== null && r.body !== undefined) st.http.body = r.body;
    }
    return undefined;
  }

  /** LLM pre hooks; returns the plugins whose pre hook ran and, when one short-circuited, its outcome. */
  async #llmPre(st: RequestState, request: BifrostRequest): Promise<
    { ran: LoadedPlugin[]; request: BifrostRequest; outcome?: Outcome } | Response
  > {
    const ran: LoadedPlugin[] = [];
    for (const p of this.plugins) {
      if (!p.has("pre_hook")) continue;
      const out = await this.#hook<PreHookOutput>(p, "pre_hook", { context: st.ctx, request });
      if (out instanceof Response) return out;
      ran.push(p);
      mergeContext(st.ctx, out.context, st.idKey);
      if (out.error) return gatewayError(500, `Plugin "${p.name}" pre_hook: ${out.error}`, "plugin_error");
      if (changed(out.request)) request = { ...request, ...out.request } as BifrostRequest;
      if (out.has_short_circuit && out.short_circuit) {
        const sc = out.short_circuit;
        if (sc.error) return { ran, request, outcome: { error: sc.error } };
        if (isObject(sc.response)) {
          const answer = answerOf(st.kind, sc.response, `Plugin "${p.name}" pre_hook`);
          if (typeof answer === "string") return gatewayError(500, answer, "plugin_error");
          return { ran, request, outcome: { response: answer } };
        }
      }
    }
    return { ran, request };
  }

  /** LLM post hooks in reverse order over the plugins whose pre hook ran. */
  async #llmPost(st: RequestState, ran: LoadedPlugin[], outcome: Outcome): Promise<Outcome | Response> {
    const key = st.kind.responseKey;
    for (const p of [...ran].reverse()) {
      if (!p.has("post_hook")) continue;
      const input = {
        context: st.ctx,
        response: outcome.response ? { [key]: outcome.response } : null,
        error: outcome.error ?? {},
        has_error: outcome.error !== undefined,
      };
      const out = await this.#hook<PostHookOutput>(p, "post_hook", input);
      if (out instanceof Response) return out;
      mergeContext(st.ctx, out.context, st.idKey);
      if (out.hook_error) st.log(`warning: plugin "${p.name}" post_hook: ${out.hook_error}`);
      // An error replaces the outcome; so does a response (which may also recover from an error).
      if (out.has_error && changed(out.error)) {
        outcome = { error: out.error as BifrostError };
      } else if (changed(out.response)) {
        const answer = answerOf(st.kind, out.response as Json, `Plugin "${p.name}" post_hook`);
        if (typeof answer === "string") return gatewayError(500, answer, "plugin_error");
        outcome = { response: answer };
      }
    }
    return outcome;
  }

  async #complete(st: RequestState, request: BifrostRequest): Promise<Response> {
    const pre = await this.#llmPre(st, request);
    if (pre instanceof Response) return pre;
    let outcome = pre.outcome;
    if (!outcome) {
      const result = await callProvider(this.target, st.kind, pre.request);
      outcome = result.ok ? { response: result.response } : { error: result.error };
    }
    const post = await this.#llmPost(st, pre.ran, outcome);
    if (post instanceof Response) return post;
    return post.error ? errorResponse(post.error) : Response.json(post.response);
  }

  async #httpPost(st: RequestState, response: Response): Promise<Response> {
    const hooked = this.plugins.filter((p) => p.has("http_post_hook"));
    if (hooked.length === 0) return response;
    let http: HTTPResponse = {
      status_code: response.status,
      headers: Object.fromEntries(response.headers),
      body: encodeBase64(new Uint8Array(await response.arrayBuffer())),
    };
    for (const p of hooked.reverse()) {
      const out = await this.#hook<HTTPPostHookOutput>(p, "http_post_hook", {
        context: st.ctx,
        request: st.http,
        response: http,
      });
      if (out instanceof Response) return out;
      mergeContext(st.ctx, out.context, st.idKey);
      if (out.error) return gatewayError(500, out.error, "plugin_error");
      if (changed(out.response)) http = { ...http, ...out.response };
    }
    return toHttpResponse(http);
  }

  async #stream(st: RequestState, request: BifrostRequest): Promise<Response> {
    const pre = await this.#llmPre(st, request);
    if (pre instanceof Response) return pre;
    if (pre.outcome?.error) return errorResponse(pre.outcome.error);
    let chunks: AsyncIterable<StreamChunk | BifrostError> | Iterable<StreamChunk>;
    if (pre.outcome?.response) {
      chunks = streamedAnswer(st.kind, pre.outcome.response);
    } else {
      const started = await streamProvider(this.target, st.kind, pre.request);
      if (!started.ok) {
        const post = await this.#llmPost(st, pre.ran, { error: started.error });
        if (post instanceof Response) return post;
        return post.error ? errorResponse(post.error) : Response.json(post.response);
      }
      chunks = started.chunks;
    }
    const hooked = this.plugins.filter((p) => p.has("http_stream_chunk_hook"));
    const runChunkHooks = (chunk: StreamChunk) => this.#chunkHooks(st, hooked, chunk);
    const events = st.kind.streamEnd === "terminal-event";
    // The Responses API names each event and reports errors as an `error` event; chat and text send data only.
    const send = (chunk: Json) => sseEvent(JSON.stringify(chunk), events ? String(chunk.type) : undefined);
    const failure = (error: BifrostError) =>
      events
        ? send({ type: "error", code: error.error.code ?? error.error.type ?? null, message: error.error.message })
        : sseEvent(JSON.stringify({ is_bifrost_error: true, ...error }));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          for await (const item of chunks) {
            if (isStreamError(item as StreamChunk | BifrostError)) {
              controller.enqueue(failure(item as BifrostError));
              break;
            }
            const { chunk, end } = await runChunkHooks(item as StreamChunk);
            if (chunk) controller.enqueue(send(chunk));
            if (end) {
              controller.enqueue(failure({ error: { message: end, type: "plugin_error" } }));
              controller.close();
              return;
            }
          }
          if (!events) controller.enqueue(sseEvent("[DONE]"));
          controller.close();
        } catch (e) {
          controller.error(e);
        }
      },
    });
    return new Response(body, {
      headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" },
    });
  }

  /** Runs the chunk hooks on one chunk: the chunk to send (or none), and an error that ends the stream. */
  async #chunkHooks(
    st: RequestState,
    hooked: LoadedPlugin[],
    chunk: StreamChunk,
  ): Promise<{ chunk: StreamChunk | null; end?: string }> {
    let current: StreamChunk | null = chunk;
    for (const p of hooked) {
      if (!current) break;
      const out: HTTPStreamChunkOutput | Response = await this.#hook<HTTPStreamChunkOutput>(
        p,
        "http_stream_chunk_hook",
        {
          context: st.ctx,
          request: st.http,
          chunk: current,
        },
      );
      if (out instanceof Response) return { chunk: null, end: `Plugin "${p.name}" failed in http_stream_chunk_hook` };
      mergeContext(st.ctx, out.context, st.idKey);
      const keep: boolean = !out.skip && out.has_chunk !== false;
      if (out.error && !(keep && out.chunk)) return { chunk: null, end: out.error };
      current = keep ? (out.chunk ?? current) : null;
    }
    return { chunk: current };
  }
}

/** A complete answer as the chunks or events of its kind's stream (for short-circuits of streaming requests). */
function streamedAnswer(kind: KindSpec, answer: Json): StreamChunk[] {
  if (kind.name === "responses") return responsesEvents(answer);
  if (kind.name === "text_completion") return [textCompletionChunkOf(answer)];
  return [chatChunkOf(answer)];
}

function toHttpResponse(r: HTTPResponse): Response {
  const status = validStatus(r.status_code) ?? 200;
  const headers = new Headers();
  for (const [k, v] of Object.entries(r.headers ?? {})) {
    if (k.toLowerCase() !== "content-length") headers.set(k, v);
  }
  const body = r.body ? decodeBase64(r.body) : null;
  return new Response(status === 204 || status === 304 ? null : body, { status, headers });
}

/** Loads the plugins and starts serving. Throws PluginError when a plugin cannot load. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const log = options.onLog ?? (() => {});
  const plugins: LoadedPlugin[] = [];
  try {
    for (const entry of options.plugins) {
      if (entry.enabled === false) continue;
      const p = await LoadedPlugin.load(
        entry,
        { ...options.host, onLog: (l) => log(`[${entry.name}] ${l}`) },
        options.onHookCall,
      );
      if (p.name !== entry.name) log(`plugin "${entry.name}" registers as "${p.name}" (get_name)`);
      plugins.push(p);
      if (options.watch) p.watch(log);
    }
  } catch (e) {
    await Promise.all(plugins.map((p) => p.close()));
    throw e;
  }
  const pipeline = new Pipeline(
    plugins,
    { baseUrl: options.upstreamUrl, key: options.upstreamKey ?? "sk-bifrost-as-local" },
    options.requestIdKey ?? "request-id",
    log,
    options.maxRequestBodyBytes ?? MAX_BODY_BYTES,
  );
  const server = Deno.serve({
    port: options.port ?? 8080,
    hostname: options.hostname ?? "127.0.0.1",
    onListen: () => {},
    onError: (e) => {
      log(`gateway error: ${(e as Error).message}`);
      return gatewayError(500, `Gateway error: ${(e as Error).message}`, "internal_error");
    },
  }, (req) => pipeline.handle(req));
  const port = server.addr.port;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      await server.shutdown();
      await Promise.all(plugins.map((p) => p.close()));
    })();
  return {
    url: `http://${options.hostname ?? "127.0.0.1"}:${port}`,
    port,
    plugins: plugins.map((p) => p.name),
    async reload() {
      await Promise.all(plugins.map((p) => p.reload(log)));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
