/**
 * The local Bifrost-compatible gateway, the dev server around it, and the fixture recorder.
 *
 * @example
 * ```ts
 * import { resolvePluginPath } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(resolvePluginPath("/app/data/plugin.wasm", "/tmp/project"), "/tmp/project/plugin.wasm");
 * ```
 *
 * @module
 */
export * from "./gateway.ts";
export * from "./dev.ts";
export * from "./fixture_recorder.ts";
