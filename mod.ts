/**
 * bifrost-as: write Bifrost gateway plugins in AssemblyScript, prove them
 * against a conformance host, and ship them.
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
export * from "./lib/errors.ts";
export * from "./lib/abi.ts";
export * from "./lib/build.ts";
export * from "./lib/mock_upstream.ts";
export * from "./lib/bifrost_config.ts";
export * from "./lib/wasm_binary.ts";
export * from "./lib/validate.ts";
export * from "./lib/host.ts";
export * from "./lib/hook_types.ts";
export * from "./lib/input_builders.ts";
export * from "./lib/fixtures.ts";
export * from "./lib/fixture_recorder.ts";
export * from "./lib/init.ts";
export * from "./lib/watch.ts";
export * from "./lib/doctor.ts";
export * from "./lib/gateway.ts";
export * from "./lib/dev.ts";
export * from "./lib/oci/digest.ts";
export * from "./lib/oci/media_types.ts";
export * from "./lib/oci/image.ts";
export * from "./lib/oci/reference.ts";
export * from "./lib/oci/auth.ts";
export * from "./lib/oci/registry.ts";
export * from "./lib/oci/layout.ts";
export * from "./lib/oci/package.ts";
export * from "./lib/oci/pull.ts";
