/**
 * Bifrost's WASM plugin ABI, in one place for every engine, the gateway and
 * `check`: the exports and their signatures, the i64 pointer packing, the
 * typed hook inputs and outputs, the request kinds, and the output contract
 * each hook's answer must meet. `docs/abi.md` says what is documented and
 * what is guessed.
 *
 * @example
 * ```ts
 * import { checkOutput, unpackPtrLen } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(unpackPtrLen((8n << 32n) | 3n), { ptr: 8, len: 3 });
 * assert.deepEqual(checkOutput("pre_hook", { context: {}, has_short_circuit: false }).violations, []);
 * ```
 *
 * @module
 */
export * from "./abi.ts";
export * from "./hook_types.ts";
export * from "./request_kinds.ts";
export * from "./contract.ts";
export * from "./free_policy.ts";
