/**
 * bifrost-as: write Bifrost gateway plugins in AssemblyScript, prove them
 * against a conformance host, and ship them.
 *
 * Everything is exported from here; each area is also its own entry point
 * (`bifrost-as/abi`, `/wasm`, `/host`, `/mock`, `/config`, `/gateway`,
 * `/project`, `/oci`).
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
export {
  AbiError,
  BifrostAsError,
  BuildError,
  ConfigError,
  FixtureError,
  InputError,
  PluginContractError,
  PluginError,
  PluginInputTooLargeError,
  PluginMemoryError,
  PluginTimeoutError,
  PluginTrapError,
  RegistryError,
  type RegistryErrorOptions,
  type TrapKind,
  UsageError,
} from "./lib/errors.ts";
export * from "./lib/abi/mod.ts";
export * from "./lib/wasm/mod.ts";
export * from "./lib/host/mod.ts";
export * from "./lib/mock/mod.ts";
export * from "./lib/config/mod.ts";
export * from "./lib/gateway/mod.ts";
export * from "./lib/project/mod.ts";
export * from "./lib/oci/mod.ts";
