/**
 * The local Bifrost-compatible gateway, the mock OpenAI upstream, Bifrost config.json generation and the fixture recorder.
 *
 * @example
 * ```ts
 * import { bifrostConfig } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const config = bifrostConfig({ upstreamUrl: "http://127.0.0.1:8081/v1" });
 * assert.equal(config.providers?.openai?.network_config?.base_url, "http://127.0.0.1:8081");
 * ```
 *
 * @module
 */
export * from "./gateway.ts";
export * from "./dev.ts";
export * from "./mock_upstream.ts";
export * from "./bifrost_config.ts";
export * from "./fixture_recorder.ts";
