// asc cannot parse `import type`: a type is imported as its class.
// deno-lint-ignore-file verbatim-module-syntax
// The class a plugin author extends: one typed method per hook.
import { JsonObject } from "./json";
import {
  HTTPPostHookInput,
  HTTPPostHookOutput,
  HTTPPreHookInput,
  HTTPPreHookOutput,
  HTTPStreamChunkInput,
  HTTPStreamChunkOutput,
  PostHookInput,
  PostHookOutput,
  PreHookInput,
  PreHookOutput,
} from "./hooks";

/**
 * A Bifrost plugin. Override the hooks you need; the rest pass everything
 * through unchanged. Outputs arrive pre-filled as a pass-through (context
 * included), so a hook only states what it changes.
 */
export abstract class Plugin {
  /** The name Bifrost registers the plugin under. */
  abstract name(): string;

  /** Receives the plugin's `config` object; return an error message to refuse it. */
  init(_config: JsonObject): string | null {
    return null;
  }

  /** HTTP pre hook (exported as http_pre_hook and legacy http_intercept). */
  httpPreHook(_input: HTTPPreHookInput, _output: HTTPPreHookOutput): void {}

  /**
   * HTTP post hook, once the response is complete. The open-source transport
   * also calls it after a stream, with the request and the response without
   * their bodies, and does not apply its changes (docs/abi.md, Streams).
   */
  httpPostHook(_input: HTTPPostHookInput, _output: HTTPPostHookOutput): void {}

  /** Called once per streamed chunk. */
  httpStreamChunkHook(_input: HTTPStreamChunkInput, _output: HTTPStreamChunkOutput): void {}

  /** LLM pre hook: change the request, or short-circuit with a response or an error. */
  preHook(_input: PreHookInput, _output: PreHookOutput): void {}

  /** LLM post hook: change the response or the error. */
  postHook(_input: PostHookInput, _output: PostHookOutput): void {}

  /** Releases resources; return 0 on success. */
  cleanup(): i32 {
    return 0;
  }
}

let registered: Plugin | null = null;

/** Makes `plugin` the one the exported ABI functions call. */
export function registerPlugin(plugin: Plugin): void {
  registered = plugin;
}

/** Whether the entry called {@link registerPlugin} (`bifrost-as build` refuses a module where it did not). */
export function hasPlugin(): bool {
  return registered !== null;
}

/** The message `init` leaves in `last_error` when no plugin is registered. */
export const NO_PLUGIN_REGISTERED =
  "no plugin is registered: end the entry file with registerPlugin(new YourPlugin()); (it builds, but every call would fail)";

/** The registered plugin (aborts if none: a build mistake, not an input problem). */
export function currentPlugin(): Plugin {
  return registered!;
}
