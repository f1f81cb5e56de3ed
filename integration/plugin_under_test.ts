/**
 * The plugin the end-to-end checks exercise, and what they expect of it:
 * the behaviours of Bifrost's hello-world example (mock-model answered by the
 * plugin, rate-limited-model refused with 429, a suffix on every response's
 * model and every error's message), each plugin with its own suffixes.
 *
 * @module
 */

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
