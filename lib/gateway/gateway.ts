/**
 * A local Bifrost-compatible gateway: `POST /v1/chat/completions` through
 * the configured plugins, hosted by the conformance host, with the semantics
 * of Bifrost's open-source transport (see `docs/abi.md`):
 *
 * 1. HTTP pre hooks, in plugin order: a non-empty `error` answers 500 with
 *    that text; `has_response` answers with the plugin's response; a changed
 *    method or path answers 409; headers and query are merged key by key; a
 *    non-null body replaces the body.
 * 2. LLM pre hooks, in order: `has_short_circuit` answers with
 *    `short_circuit.response` or fails with `short_circuit.error` (its
 *    `status_code` is the HTTP status) without calling the provider; a
 *    non-empty request replaces the request.
 * 3. The provider call (the `openai` provider's `network_config.base_url`).
 * 4. LLM post hooks, in reverse order, for every plugin whose pre hook ran:
 *    `has_error` with `error` turns the result into that error; a response
 *    replaces the response; `hook_error` is logged as a warning.
 * 5. HTTP post hooks, in reverse order (not for streams); the stream chunk
 *    hook once per chunk, in plugin order [guess]: `skip` or
 *    `has_chunk: false` drops it, an `error` without a chunk ends the stream.
 *
 * A body over `maxRequestBodyBytes` (Bifrost's `client.max_request_body_size_mb`,
 * 100 MiB by default) gets 413, and so does an input over a plugin's own limit
 * (see `PluginInputTooLargeError`).
 *
 * Context values a plugin returns are merged into the request context, which
 * starts as `{"request-id": <uuid>}` (Go's key; `requestIdKey` changes it).
 * Errors reach the client in Bifrost's error shape with their status. A
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
 * ```
 *
 * @module
 */
import { decodeBase64, encodeBase64 } from "../_base64.ts";
import { type HookObserver, LoadedPlugin, type PluginEntry } from "./_gateway_plugins.ts";
import { callProvider, isStreamError, type ProviderTarget, streamProvider } from "./_provider.ts";
import { sseEvent } from "./_sse.ts";
import type {
  BifrostChatRequest,
  BifrostChatResponse,
  BifrostContext,
  BifrostError,
  HTTPPostHookOutput,
  HTTPPreHookOutput,
  HTTPRequest,
  HTTPResponse,
  HTTPStreamChunkOutput,
  PostHookOutput,
  PreHookOutput,
  StreamChunk,
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
   * `client.max_request_body_size_mb`. Default {@link DEFAULT_MAX_REQUEST_BODY_MB} MiB, Bifrost's default.
   */
  maxRequestBodyBytes?: number;
}

/** Bifrost's default `client.max_request_body_size_mb` (its `DefaultClientConfig`). */
export const DEFAULT_MAX_REQUEST_BODY_MB = 100;

/** The body of `req`, or null when it is over `limit` bytes (read no further than that). */
async function readBody(req: Request, limit: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? 0);
  if (declared > limit || !req.body) {
    await req.body?.cancel();
    return declared > limit ? null : new Uint8Array(0);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of req.body) {
    total += chunk.length;
    if (total > limit) return null;
    chunks.push(chunk);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
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

const decoder = new TextDecoder();

/** A Bifrost-shaped error answer. */
function errorResponse(error: BifrostError, fallbackStatus = 500): Response {
  const status = validStatus(error.status_code) ?? fallbackStatus;
  return Response.json({ is_bifrost_error: true, status_code: status, ...error }, { status });
}

function gatewayError(status: number, message: string, type: string): Response {
  return errorResponse({ error: { message, type }, status_code: status }, status);
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

interface RequestState {
  ctx: BifrostContext;
  http: HTTPRequest;
  log: (line: string) => void;
  idKey: string;
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
    if (url.pathname !== "/v1/chat/completions") {
      return gatewayError(404, `No route for ${req.method} ${url.pathname}`, "not_found");
    }
    if (req.method !== "POST") return gatewayError(405, `Method ${req.method} not allowed`, "method_not_allowed");
    const body = await readBody(req, this.maxBody);
    if (body === null) {
      return gatewayError(
        413,
        `Request body exceeds the max allowed size of ${this.maxBody} bytes (client.max_request_body_size_mb)`,
        "request_too_large",
      );
    }
    const st: RequestState = {
      ctx: { [this.idKey]: crypto.randomUUID() },
      http: {
        method: req.method,
        path: url.pathname,
        headers: Object.fromEntries(req.headers),
        query: Object.fromEntries(url.searchParams),
        body: encodeBase64(body),
      },
      log: this.log,
      idKey: this.idKey,
    };
    const early = await this.#httpPre(st);
    if (early) return early;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(decoder.decode(decodeBase64(st.http.body ?? "")));
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    } catch (e) {
      return gatewayError(400, `Invalid request body: ${(e as Error).message}`, "invalid_request");
    }
    const request = this.#chatRequest(parsed);
    if (request instanceof Response) return request;
    const stream = parsed.stream === true;
    const response = stream ? await this.#stream(st, request) : await this.#complete(st, request);
    return stream ? response : await this.#httpPost(st, response);
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

  #chatRequest(body: Record<string, unknown>): BifrostChatRequest | Response {
    const { model, messages, stream: _stream, stream_options: _so, fallbacks, ...params } = body;
    if (typeof model !== "string" || !model.includes("/")) {
      return gatewayError(
        400,
        `Model must be written as "provider/model", got ${JSON.stringify(model)}`,
        "invalid_request",
      );
    }
    const [provider, ...rest] = model.split("/");
    if (provider !== "openai") {
      return gatewayError(400, `Provider "${provider}" is not configured (only "openai" is)`, "invalid_request");
    }
    if (!Array.isArray(messages)) return gatewayError(400, 'Field "messages" must be an array', "invalid_request");
    const request: BifrostChatRequest = { provider, model: rest.join("/"), input: messages, params };
    if (Array.isArray(fallbacks)) {
      request.fallbacks = fallbacks.filter((f): f is string => typeof f === "string").map((f) => {
        const [fp, ...fm] = f.split("/");
        return { provider: fp!, model: fm.join("/") };
      });
    }
    return request;
  }

  /** LLM pre hooks; returns the plugins whose pre hook ran and, when one short-circuited, its outcome. */
  async #llmPre(st: RequestState, request: BifrostChatRequest): Promise<
    { ran: LoadedPlugin[]; request: BifrostChatRequest; outcome?: Outcome } | Response
  > {
    const ran: LoadedPlugin[] = [];
    for (const p of this.plugins) {
      if (!p.has("pre_hook")) continue;
      const out = await this.#hook<PreHookOutput>(p, "pre_hook", { context: st.ctx, request });
      if (out instanceof Response) return out;
      ran.push(p);
      mergeContext(st.ctx, out.context, st.idKey);
      if (out.error) return gatewayError(500, `Plugin "${p.name}" pre_hook: ${out.error}`, "plugin_error");
      if (changed(out.request)) request = { ...request, ...out.request } as BifrostChatRequest;
      if (out.has_short_circuit && out.short_circuit) {
        const sc = out.short_circuit;
        if (sc.error) return { ran, request, outcome: { error: sc.error } };
        if (sc.response?.chat_response) return { ran, request, outcome: { response: sc.response.chat_response } };
      }
    }
    return { ran, request };
  }

  /** LLM post hooks in reverse order over the plugins whose pre hook ran. */
  async #llmPost(st: RequestState, ran: LoadedPlugin[], outcome: Outcome): Promise<Outcome | Response> {
    for (const p of [...ran].reverse()) {
      if (!p.has("post_hook")) continue;
      const input = {
        context: st.ctx,
        response: outcome.response ? { chat_response: outcome.response } : null,
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
      } else if (changed(out.response) && (out.response as { chat_response?: BifrostChatResponse }).chat_response) {
        outcome = { response: (out.response as { chat_response: BifrostChatResponse }).chat_response };
      }
    }
    return outcome;
  }

  async #complete(st: RequestState, request: BifrostChatRequest): Promise<Response> {
    const pre = await this.#llmPre(st, request);
    if (pre instanceof Response) return pre;
    let outcome = pre.outcome;
    if (!outcome) {
      const result = await callProvider(this.target, pre.request);
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

  async #stream(st: RequestState, request: BifrostChatRequest): Promise<Response> {
    const pre = await this.#llmPre(st, request);
    if (pre instanceof Response) return pre;
    if (pre.outcome?.error) return errorResponse(pre.outcome.error);
    let chunks: AsyncIterable<StreamChunk | BifrostError> | Iterable<StreamChunk>;
    if (pre.outcome?.response) {
      chunks = [chunkOf(pre.outcome.response)];
    } else {
      const started = await streamProvider(this.target, pre.request);
      if (!started.ok) {
        const post = await this.#llmPost(st, pre.ran, { error: started.error });
        if (post instanceof Response) return post;
        return post.error ? errorResponse(post.error) : Response.json(post.response);
      }
      chunks = started.chunks;
    }
    const hooked = this.plugins.filter((p) => p.has("http_stream_chunk_hook"));
    const runChunkHooks = (chunk: StreamChunk) => this.#chunkHooks(st, hooked, chunk);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          for await (const item of chunks) {
            if (isStreamError(item as StreamChunk | BifrostError)) {
              controller.enqueue(sseEvent(JSON.stringify({ is_bifrost_error: true, ...item })));
              break;
            }
            const { chunk, end } = await runChunkHooks(item as StreamChunk);
            if (chunk) controller.enqueue(sseEvent(JSON.stringify(chunk)));
            if (end) {
              controller.enqueue(
                sseEvent(JSON.stringify({ is_bifrost_error: true, error: { message: end, type: "plugin_error" } })),
              );
              controller.close();
              return;
            }
          }
          controller.enqueue(sseEvent("[DONE]"));
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

/** A response or an error: what the LLM stage produced. */
interface Outcome {
  response?: BifrostChatResponse;
  error?: BifrostError;
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

/** A complete answer as one stream chunk (for short-circuits of streaming requests). */
function chunkOf(r: BifrostChatResponse): StreamChunk {
  return {
    id: r.id,
    object: "chat.completion.chunk",
    created: r.created ?? Math.floor(Date.now() / 1000),
    model: r.model,
    choices: (r.choices ?? []).map((c) => ({
      index: c.index,
      delta: c.message ?? {},
      finish_reason: c.finish_reason ?? "stop",
    })),
    ...(r.usage ? { usage: r.usage } : {}),
  };
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
    options.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_MB * 1024 * 1024,
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
