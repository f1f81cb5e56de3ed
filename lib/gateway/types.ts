/**
 * The gateway's vocabulary: a plugin entry as `config.json` lists it, and
 * the hook calls an observer (such as `dev --record`) sees.
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";

/** A plugin entry as `config.json` lists it. */
export interface PluginEntry {
  name: string;
  path: string;
  enabled?: boolean;
  config?: unknown;
}

/** One hook call as the gateway made it (for observers such as `dev --record`). */
export interface HookCallEvent {
  /** The plugin's name in the config. */
  plugin: string;
  hook: HookName;
  /** The plugin's config, as given to `init`. */
  config: unknown;
  /** The input's JSON text, as sent. */
  input: string;
  /** The output's JSON text, as the plugin wrote it. */
  output: string;
}

/** Sees every successful hook call; must not throw (what it throws is ignored). */
export type HookObserver = (call: HookCallEvent) => void;

/** One request as the gateway answered it (`dev` logs one line each, as `wrangler dev` does). */
export interface RequestLogEvent {
  method: string;
  path: string;
  status: number;
  /** From the request's arrival to the response's headers (a stream's chunks come after). */
  ms: number;
  /** `plugin:hook` for every hook called so far, in order. */
  hooks: string[];
  /** Which plugin's hook answered instead of the provider, e.g. `guard pre_hook: error 403`. */
  shortCircuit?: string;
  /** The answer is a stream (SSE). */
  stream: boolean;
}
