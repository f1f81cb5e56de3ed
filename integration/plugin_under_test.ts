/**
 * The plugin the end-to-end checks exercise, and what they expect of it:
 * the behaviours of Bifrost's hello-world example (mock-model answered by the
 * plugin, rate-limited-model refused with 429, a suffix on every response's
 * model and every error's message), each plugin with its own suffixes, and
 * the request kinds beyond chat it applies them to.
 *
 * @module
 */

/** A request kind a plugin can implement hello-world's behaviours for (mock answer, rate limit, model suffix). */
export type PluginKind = "chat" | "text_completion" | "responses" | "embedding";

/** The plugin under test. */
export interface PluginUnderTest {
  /** A short label for the output, e.g. `hello-world`. */
  label: string;
  /** What its post hook appends to a response's `model`. */
  modelSuffix: string;
  /** What its post hook appends to an error's `message`. */
  errorSuffix: string;
  /**
   * The kinds it implements the behaviours for. A check that needs a kind
   * not listed is reported as skipped, with the reason, never as passed. The
   * seed's plugin implements `chat` only.
   */
  kinds: readonly PluginKind[];
}

/** This repository's hello-world plugin (`assembly/hello_world.ts`). */
export const HELLO_WORLD: PluginUnderTest = {
  label: "hello-world",
  modelSuffix: " (via assemblyscript-wasm)",
  errorSuffix: " (via assemblyscript plugin)",
  kinds: ["chat", "text_completion", "responses", "embedding"],
};
