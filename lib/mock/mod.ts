/**
 * The mock OpenAI upstream: a loopback server that answers chat, text
 * completion, responses, embeddings and model list requests with fixed,
 * recognisable answers (and the builders of those answers), for the local
 * gateway, the e2e suite and a plugin project's tests.
 *
 * @example
 * ```ts
 * import { startMockUpstream } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const mock = await startMockUpstream({ port: 0 });
 * try {
 *   const res = await fetch(`${mock.url}/models`);
 *   assert.equal(res.status, 200);
 *   await res.body?.cancel();
 * } finally {
 *   await mock.close();
 * }
 * ```
 *
 * @module
 */
export * from "./mock_upstream.ts";
