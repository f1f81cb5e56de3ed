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
 *
 * await using upstream = await startMockUpstream();
 * const res = await fetch(`${upstream.url}/v1/models`);
 * assert.equal(res.status, 200);
 * assert.ok((await res.json()).data.length > 0);
 * ```
 *
 * @module
 */
export {
  MOCK_MODELS,
  type MockFault,
  type MockUpstream,
  type MockUpstreamOptions,
  type RecordedRequest,
  type RecordedStream,
  REDACTED,
  startMockUpstream,
} from "./mock_upstream.ts";
