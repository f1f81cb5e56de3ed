/**
 * Bifrost's `config.json`: written for a plugin (and the mock upstream as
 * its provider), read back, and validated against Bifrost's own schema.
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
export {
  bifrostConfig,
  type BifrostConfigFile,
  type BifrostConfigJson,
  type BifrostConfigOptions,
  type BifrostConfigValidation,
  type BifrostKeyJson,
  type BifrostNetworkConfigJson,
  type BifrostPluginEntry,
  type BifrostPluginJson,
  type BifrostPluginOptions,
  type BifrostPricingJson,
  type BifrostProviderJson,
  type PluginPlacement,
  readBifrostConfig,
  validateBifrostConfig,
  writeBifrostConfig,
  type WrittenBifrostConfig,
} from "./bifrost_config.ts";
