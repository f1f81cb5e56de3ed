/**
 * The gateway's provider call: an OpenAI-compatible upstream, as Bifrost's
 * `openai` provider talks to it. Private to the gateway.
 */
import type { BifrostChatRequest, BifrostChatResponse, BifrostError } from "../host/hook_types.ts";
import { sseData } from "./_sse.ts";

/** Where a provider lives and the key it is called with. */
export interface ProviderTarget {
  /** Base URL without `/v1`, as in `network_config.base_url`. */
  baseUrl: string;
  key: string;
}

/** A provider call's outcome. */
export type ProviderResult =
  | { ok: true; response: BifrostChatResponse }
  | { ok: false; error: BifrostError };

/** The OpenAI request body for a Bifrost chat request. */
export function openAiBody(request: BifrostChatRequest, stream: boolean): Record<string, unknown> {
  return { ...(request.params ?? {}), model: request.model, messages: request.input, ...(stream ? { stream } : {}) };
}

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

async function post(target: ProviderTarget, body: unknown, signal?: AbortSignal): Promise<Response | BifrostError> {
  try {
    return await fetch(`${target.baseUrl.replace(/\/+$/, "")}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${target.key}` },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    return providerError(502, `Provider request failed: ${(e as Error).message}`, "provider_unreachable");
  }
}

/** Calls the upstream without streaming. */
export async function callProvider(
  target: ProviderTarget,
  request: BifrostChatRequest,
  signal?: AbortSignal,
): Promise<ProviderResult> {
  const res = await post(target, openAiBody(request, false), signal);
  if (!(res instanceof Response)) return { ok: false, error: res };
  if (!res.ok) return { ok: false, error: await errorFrom(res) };
  try {
    return { ok: true, response: await res.json() as BifrostChatResponse };
  } catch (e) {
    return {
      ok: false,
      error: providerError(502, `Provider answered invalid JSON: ${(e as Error).message}`, "provider_error"),
    };
  }
}

/** Calls the upstream with `stream: true`; yields each chunk object, then ends (or yields an error and ends). */
export async function streamProvider(
  target: ProviderTarget,
  request: BifrostChatRequest,
  signal?: AbortSignal,
): Promise<
  { ok: true; chunks: AsyncGenerator<Record<string, unknown> | BifrostError> } | { ok: false; error: BifrostError }
> {
  const res = await post(target, openAiBody(request, true), signal);
  if (!(res instanceof Response)) return { ok: false, error: res };
  if (!res.ok || !res.body) return { ok: false, error: await errorFrom(res) };
  const body = res.body;
  async function* chunks(): AsyncGenerator<Record<string, unknown> | BifrostError> {
    try {
      for await (const data of sseData(body)) {
        if (data === "[DONE]") return;
        try {
          yield JSON.parse(data);
        } catch {
          yield providerError(502, "Provider streamed an invalid chunk", "provider_error");
          return;
        }
      }
      yield providerError(502, "Provider stream ended without [DONE]", "provider_error");
    } catch (e) {
      yield providerError(502, `Provider stream failed: ${(e as Error).message}`, "provider_error");
    }
  }
  return { ok: true, chunks: chunks() };
}

/** True when a streamed item is an error rather than a chunk. */
export function isStreamError(item: Record<string, unknown> | BifrostError): item is BifrostError {
  return "error" in item && "status_code" in item && typeof item.error === "object";
}
