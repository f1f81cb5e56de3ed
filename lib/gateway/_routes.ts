/**
 * The local gateway's routes: Bifrost's own (`/v1/...`, models written
 * `provider/model`) and its OpenAI integration (`/openai/...` and
 * `/openai/v1/...`, where a model without a provider prefix means
 * `openai`). Private to the gateway.
 *
 * @module
 */
import { KINDS, type KindSpec } from "./_kinds.ts";

/** What a method and path lead to. */
export type RouteMatch =
  | { kind: KindSpec; integration: boolean }
  | { status: 404 | 405; message: string; allow?: string };

const ENDPOINTS: Record<string, KindSpec> = {
  "/chat/completions": KINDS.chat,
  "/completions": KINDS.text_completion,
  "/responses": KINDS.responses,
  "/embeddings": KINDS.embedding,
  "/models": KINDS.list_models,
};

/**
 * The route of a request.
 *
 * @example
 * ```ts
 * import { route } from "./_routes.ts";
 * import assert from "node:assert/strict";
 *
 * const m = route("POST", "/openai/v1/responses");
 * assert.ok("kind" in m && m.kind.name === "responses" && m.integration);
 * assert.deepEqual(route("GET", "/v1/nowhere"), { status: 404, message: "No route for GET /v1/nowhere" });
 * ```
 */
export function route(method: string, path: string): RouteMatch {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const prefix = ["/openai/v1", "/openai", "/v1"].find((p) => trimmed.startsWith(`${p}/`));
  const kind = prefix === undefined ? undefined : ENDPOINTS[trimmed.slice(prefix.length)];
  if (!kind) return { status: 404, message: `No route for ${method} ${path}` };
  if (method !== kind.upstream.method) {
    return { status: 405, message: `Method ${method} is not allowed on ${path}`, allow: kind.upstream.method };
  }
  return { kind, integration: prefix !== "/v1" };
}
