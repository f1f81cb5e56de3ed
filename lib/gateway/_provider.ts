/**
 * The gateway's provider call: an OpenAI-compatible upstream, as Bifrost's
 * `openai` provider talks to it, for every request kind. Private to the
 * gateway.
 */
import type { BifrostError, BifrostRequest } from "../abi/hook_types.ts";
import type { KindSpec } from "./_kinds.ts";
import { TERMINAL_RESPONSE_EVENTS } from "../mock/openai_stream.ts";
import { sseData } from "./_sse.ts";
import { jsonPieces, textChunks } from "../internal/json_pieces.ts";
import { collectGarbage } from "../mock/memory.ts";

/** Where a provider lives and the key it is called with. */
export interface ProviderTarget {
  /** Base URL without `/v1`, as in `network_config.base_url`. */
  baseUrl: string;
  key: string;
}

type Json = Record<string, unknown>;

/** A provider call's outcome: the kind's answer, or an error. */
export type ProviderResult =
  /** `length`: the answer's JSON text, in characters. */
  | { ok: true; response: Json; length: number }
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
 * The upstream body: its JSON text; for a large body a stream of its UTF-8
 * a slice at a time (sent chunked, without Content-Length), so that neither
 * this side nor `fetch` holds a second copy of tens of MiB; and a body with
 * large strings (an image inline) is written in pieces, without ever a
 * string of its whole JSON.
 */
function upstreamBody(body: unknown): string | ReadableStream<Uint8Array> {
  const json = jsonPieces(body);
  if (typeof json === "string" && json.length < STREAMED_UPSTREAM_BODY) return json;
  let chunks: Iterator<Uint8Array> | undefined = typeof json === "string" ? textChunks(json) : json.chunks();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks?.next();
      if (!next || next.done) {
        chunks = undefined; // the body's strings are not held past the end of the upload
        return controller.close();
      }
      controller.enqueue(next.value);
      // The slices already sent are garbage: collected as they pile up, not when V8 next feels pressure.
      if ((sent += next.value.length) % COLLECT_EVERY < next.value.length) collectGarbage();
    },
    cancel() {
      chunks = undefined;
    },
  }, { highWaterMark: 0 });
}

/** An upstream body this long (in UTF-16 units) is streamed. */
const STREAMED_UPSTREAM_BODY = 8 << 20;
/** While a large body is sent, garbage is collected each time this much more has been. */
const COLLECT_EVERY = 16 << 20;

/** A request as it goes upstream: its provider, and its body (none for a GET). */
export interface Outgoing {
  provider: string;
  body?: string | ReadableStream<Uint8Array>;
}

/**
 * `request` made ready to send, before anything is awaited: nothing needs
 * to hold the request after this, and a large one's strings are held by its
 * body's stream only until the upload ends (not while the upstream reads it
 * and answers).
 */
export function outgoing(kind: KindSpec, request: BifrostRequest, stream: boolean): Outgoing {
  const body = kind.upstream.method === "POST" ? upstreamBody(kind.upstreamBody(request, stream)) : undefined;
  return { provider: request.provider, ...(body === undefined ? {} : { body }) };
}

async function send(target: ProviderTarget, kind: KindSpec, out: Outgoing, signal?: AbortSignal): Promise<
  Response | BifrostError
> {
  const { method, path } = kind.upstream;
  const body = out.body;
  delete out.body; // the caller's object holds it no longer: only fetch, until it has sent it
  try {
    return await fetch(`${target.baseUrl.replace(/\/+$/, "")}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${target.key}` },
      ...(body === undefined ? {} : { body }),
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
  out: Outgoing,
  signal?: AbortSignal,
): Promise<ProviderResult> {
  const res = await send(target, kind, out, signal);
  if (!(res instanceof Response)) return { ok: false, error: res };
  if (!res.ok) return { ok: false, error: await errorFrom(res) };
  try {
    const text = await res.text();
    const body = JSON.parse(text);
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new Error("not an object");
    const response = kind.name === "list_models" ? listedModels(body, out.provider) : body;
    return { ok: true, response, length: text.length };
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
  out: Outgoing,
  signal?: AbortSignal,
): Promise<{ ok: true; chunks: AsyncGenerator<Json | BifrostError> } | { ok: false; error: BifrostError }> {
  const res = await send(target, kind, out, signal);
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
