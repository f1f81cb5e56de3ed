/**
 * The plugin the end-to-end checks exercise, and what they expect of it:
 * the behaviours of Bifrost's hello-world example (mock-model answered by the
 * plugin, rate-limited-model refused with 429, a suffix on every response's
 * model and every error's message), each plugin with its own suffixes, and
 * the request kinds beyond chat it applies them to.
 *
 * @module
 */

import { RUST_TWIN } from "../lib/bench/native.ts";
import type { RequestKindName } from "../lib/abi/request_kinds.ts";

/** A request kind Bifrost runs a plugin's LLM hooks for. */
export type PluginKind = Exclude<RequestKindName, "unknown">;

/** Every kind, in the order checks meet them. */
export const PLUGIN_KINDS: readonly PluginKind[] = ["chat", "text_completion", "responses", "embedding", "list_models"];

/** The plugin under test. */
export interface PluginUnderTest {
  /** A short label for the output, e.g. `hello-world`. */
  label: string;
  /** What its post hook appends to a response's `model`. */
  modelSuffix: string;
  /** What its post hook appends to an error's `message`. */
  errorSuffix: string;
  /**
   * The kinds it handles: passes through, and implements hello-world's
   * behaviours for (mock answer, rate limit, model suffix) where they apply.
   * A check that needs a kind not listed is reported as skipped, with the
   * reason, never as passed. The seed's plugin handles `chat` only (what it
   * does with the other kinds, `bifrost-as check` reports).
   */
  kinds: readonly PluginKind[];
}

/** This repository's hello-world plugin (`assembly/hello_world.ts`). */
export const HELLO_WORLD: PluginUnderTest = {
  label: "hello-world",
  modelSuffix: " (via assemblyscript-wasm)",
  errorSuffix: " (via assemblyscript plugin)",
  kinds: PLUGIN_KINDS,
};

/** The Rust test plugin (`testdata/rust-plugin/`): Bifrost's Rust example, serde types, chat only. */
export const RUST_HELLO_WORLD: PluginUnderTest = {
  label: RUST_TWIN.name,
  modelSuffix: RUST_TWIN.modelSuffix,
  errorSuffix: RUST_TWIN.errorSuffix,
  kinds: ["chat"],
};

/** The docs-style AssemblyScript baseline (`testdata/plugins/baseline/`): `--runtime stub`, typed json-as classes, chat only. */
export const BASELINE: PluginUnderTest = {
  label: "hello-world-baseline",
  modelSuffix: HELLO_WORLD.modelSuffix,
  errorSuffix: HELLO_WORLD.errorSuffix,
  kinds: ["chat"],
};

/** The plugins `deno task e2e --plugin FILE` knows, by the name their `get_name` returns. */
export const KNOWN_PLUGINS: Readonly<Record<string, PluginUnderTest>> = {
  "hello-world-wasm-typescript": HELLO_WORLD,
  [RUST_TWIN.name]: RUST_HELLO_WORLD,
  "hello-world-baseline": BASELINE,
};
