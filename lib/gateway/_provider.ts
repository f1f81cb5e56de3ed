/**
 * The gateway's provider call: an OpenAI-compatible upstream, as Bifrost's
 * `openai` provider talks to it, for every request kind. Private to the
 * gateway.
 */
import type { BifrostError, BifrostRequest } from "../abi/hook_types.ts";
import type { KindSpec } from "./_kinds.ts";
import { TERMINAL_RESPONSE_EVENTS } from "../mock/openai_stream.ts";
import { sseData } from "./_sse.ts";

/** Where a provider lives and the key it is called with. */
export interface ProviderTarget {
  /** Base URL without `/v1`, as in `network_config.base_url`. */
  baseUrl: string;
  key: string;
}

type Json = Record<string, unknown>;

/** A provider call's outcome: the kind's answer, or an error. */
export type ProviderResult =
  | { ok: true; response: Json }
  | { ok: false; error: BifrostError };

function providerError(status: number, message: string, type: string, code?: string): BifrostError {
  return {
    error: { message, type, ...(code ? { code } : {}) },
    status_code: status,
    allow_fallbacks: status >= 500 || status === 429,
  };
}

/** Turns an upstream error answer into a Bifrost error, keeping its message, type and code. */
async function errorFrom(res: Response): Promise<BifrostError> {
  const text = await res.text();
  let message = text.slice(0, 500) || res.statusText;
  let type = "provider_error";
  let code: string | undefined;
  try {
    const body = JSON.parse(text);
    const e = body?.error;
    if (e && typeof e === "object") {
      if (typeof e.message === "string") message = e.message;
      if (typeof e.type === "string") type = e.type;
      if (e.code !== undefined && e.code !== null) code = String(e.code);
    }
  } catch { /* not JSON: keep the text */ }
  return providerError(res.status, message, type, code);
}

/**
 * The upstream body: its JSON text, or for a large one a stream of its UTF-8
 * in slices, so that neither this side nor `fetch` holds a second copy of
 * tens of MiB (sent chunked, without Content-Length).
 */
function upstreamBody(body: unknown): string | ReadableStream<Uint8Array> {
  const text = JSON.stringify(body);
  if (text.length < STREAMED_UPSTREAM_BODY) return text;
  let at = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= text.length) return controller.close();
      let end = Math.min(text.length, at + SLICE);
      // Never split a surrogate pair between two slices.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      controller.enqueue(encoder.encode(text.slice(at, end)));
      at = end;
    },
  }, { highWaterMark: 0 });
}

const encoder = new TextEncoder();
/** An upstream body this long (in UTF-16 units) is streamed. */
const STREAMED_UPSTREAM_BODY = 8 << 20;
const SLICE = 1 << 20;

async function send(
  target: ProviderTarget,
  kind: KindSpec,
  request: BifrostRequest,
  stream: boolean,
  signal?: AbortSignal,
): Promise<Response | BifrostError> {
  const { method, path } = kind.upstream;
  try {
    return await fetch(`${target.baseUrl.replace(/\/+$/, "")}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${target.key}` },
      ...(method === "POST" ? { body: upstreamBody(kind.upstreamBody(request, stream)) } : {}),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    return providerError(502, `Provider request failed: ${(e as Error).message}`, "provider_unreachable");
  }
}

/** Bifrost names listed models `provider/model`. */
function listedModels(body: Json, provider: string): Json {
  if (!Array.isArray(body.data)) return body;
  const data = body.data.map((m) =>
    m && typeof m === "object" && typeof m.id === "string" ? { ...m, id: `${provider}/${m.id}` } : m
  );
  return { ...body, data };
}

/** Calls the upstream without streaming. */
export async function callProvider(
  target: ProviderTarget,
  kind: KindSpec,
  request: BifrostRequest,
  signal?: AbortSignal,
): Promise<ProviderResult> {
  const res = await send(target, kind, request, false, signal);
  if (!(res instanceof Response)) return { ok: false, error: res };
  if (!res.ok) return { ok: false, error: await errorFrom(res) };
  try {
    const body = await res.json();
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
    return { ok: true, response: kind.name === "list_models" ? listedModels(body, request.provider) : body };
  } catch (e) {
    return {
      ok: false,
      error: providerError(502, `Provider answered invalid JSON: ${(e as Error).message}`, "provider_error"),
    };
  }
}

/**
 * Calls the upstream with `stream: true`; yields each chunk (or Responses
 * API event) object, then ends, or yields an error and ends. A chat or
 * text stream must end with `[DONE]`, a Responses stream with a terminal
 * event.
 */
export async function streamProvider(
  target: ProviderTarget,
  kind: KindSpec,
  request: BifrostRequest,
  signal?: AbortSignal,
): Promise<{ ok: true; chunks: AsyncGenerator<Json | BifrostError> } | { ok: false; error: BifrostError }> {
  const res = await send(target, kind, request, true, signal);
  if (!(res instanceof Response)) return { ok: false, error: res };
  if (!res.ok || !res.body) return { ok: false, error: await errorFrom(res) };
  const body = res.body;
  async function* chunks(): AsyncGenerator<Json | BifrostError> {
    let ended = false;
    try {
      for await (const data of sseData(body)) {
        if (data === "[DONE]") return;
        let chunk: Json;
        try {
          chunk = JSON.parse(data);
        } catch {
          yield providerError(502, "Provider streamed an invalid chunk", "provider_error");
          return;
        }
        yield chunk;
        ended = TERMINAL_RESPONSE_EVENTS.has(String(chunk.type));
      }
      if (kind.streamEnd === "terminal-event" && ended) return;
      const end = kind.streamEnd === "terminal-event" ? "a terminal event" : "[DONE]";
      yield providerError(502, `Provider stream ended without ${end}`, "provider_error");
    } catch (e) {
      yield providerError(502, `Provider stream failed: ${(e as Error).message}`, "provider_error");
    }
  }
  return { ok: true, chunks: chunks() };
}

/** True when a streamed item is an error rather than a chunk. */
export function isStreamError(item: Json | BifrostError): item is BifrostError {
  return "error" in item && "status_code" in item && typeof item.error === "object";
}
