/**
 * The conformance host: loads a plugin as Bifrost does and calls its hooks strictly, with builders of typed inputs.
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
export * from "./types.ts";
export * from "./host.ts";
export * from "./engine.ts";
export * from "./input_builders.ts";
