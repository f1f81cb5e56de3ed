/**
 * The WebAssembly side of the ABI: the binary reader, the ABI's exports and pointer packing, and the validator.
 *
 * @example
 * ```ts
 * import { unpackPtrLen } from "./mod.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(unpackPtrLen((8n << 32n) | 3n), { ptr: 8, len: 3 });
 * ```
 *
 * @module
 */
export * from "./abi.ts";
export * from "./wasm_binary.ts";
export * from "./validate.ts";
