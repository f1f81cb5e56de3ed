/**
 * The plugin the end-to-end checks exercise, and what they expect of it:
 * the behaviours of Bifrost's hello-world example (mock-model answered by the
 * plugin, rate-limited-model refused with 429, a suffix on every response's
 * model and every error's message), each plugin with its own suffixes.
 *
 * @module
 */

import { RUST_ERROR_SUFFIX, RUST_MODEL_SUFFIX, RUST_PLUGIN_NAME } from "../lib/project/_rust_plugin.ts";

/** The plugin under test. */
export interface PluginUnderTest {
  /** A short label for the output, e.g. `hello-world`. */
  label: string;
  /** What its post hook appends to a response's `model`. */
  modelSuffix: string;
  /** What its post hook appends to an error's `message`. */
  errorSuffix: string;
}

/** This repository's hello-world plugin (`assembly/hello_world.ts`). */
export const HELLO_WORLD: PluginUnderTest = {
  label: "hello-world",
  modelSuffix: " (via assemblyscript-wasm)",
  errorSuffix: " (via assemblyscript plugin)",
};

/** The Rust test plugin (`testdata/rust-plugin/`): Bifrost's Rust example, serde types. */
export const RUST_HELLO_WORLD: PluginUnderTest = {
  label: RUST_PLUGIN_NAME,
  modelSuffix: RUST_MODEL_SUFFIX,
  errorSuffix: RUST_ERROR_SUFFIX,
};

/** The docs-style AssemblyScript baseline (`bench/baseline/`): `--runtime stub`, typed json-as classes. */
export const BASELINE: PluginUnderTest = {
  label: "hello-world-baseline",
  modelSuffix: HELLO_WORLD.modelSuffix,
  errorSuffix: HELLO_WORLD.errorSuffix,
};

/** The plugins `deno task e2e --plugin FILE` knows, by the name their `get_name` returns. */
export const KNOWN_PLUGINS: Readonly<Record<string, PluginUnderTest>> = {
  "hello-world-wasm-typescript": HELLO_WORLD,
  [RUST_PLUGIN_NAME]: RUST_HELLO_WORLD,
  "hello-world-baseline": BASELINE,
};
