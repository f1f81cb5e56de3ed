/**
 * The conformance host: loads a plugin as Bifrost does and calls its hooks strictly, with typed inputs and builders.
 *
 * @example
 * ```ts
 * import { preHookInput } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.equal(preHookInput({ model: "gpt-4o" }).request.model, "gpt-4o");
 * ```
 *
 * @module
 */
export * from "./host.ts";
export * from "./hook_types.ts";
export * from "./input_builders.ts";
export * from "./request_kinds.ts";
