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
export type { HookCallEvent, HookObserver, PluginEntry, RequestLogEvent } from "./types.ts";
export { formatRequestLine, type Gateway, type GatewayOptions, startGateway } from "./gateway.ts";
export { BIFROST_APP_DIR, type Dev, type DevOptions, gatewayInputs, resolvePluginPath, startDev } from "./dev.ts";
export { FixtureRecorder, type FixtureRecorderOptions } from "./fixture_recorder.ts";
