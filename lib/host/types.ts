/**
 * The conformance host's vocabulary, shared by the host and its backends:
 * where a plugin comes from, how it is hosted, and what a call returned.
 *
 * @module
 */
import type { FreePolicy } from "../abi/free_policy.ts";
import type { Engine } from "./engine.ts";

/**
 * The deadline commands and the dev gateway give a hook call by default, in
 * ms: far past what a legitimate 100 MiB input takes (under a second in a
 * hook, about two through the process backend's pipe, measured), far below
 * a hang anyone waits out.
 */
export const DEFAULT_HOOK_TIMEOUT_MS = 10_000;

/** Options of `PluginHost.load`. */
export interface HostOptions {
  /** The plugin's `config` object, given to `init` as JSON. Omitted: `{}`. */
  config?: unknown;
  /** Default `"both"`. */
  freePolicy?: FreePolicy;
  /**
   * Default `true`: a 0 return, a contract violation, and a missing
   * `pre_hook`/`post_hook` are errors. `false`: they are logged as notes,
   * and a 0 return answers the hook's pass-through output.
   */
  strict?: boolean;
  /**
   * Deadline of each call and of loading (`_start`/`_initialize`, `init`,
   * `get_name`), in ms. Set under V8: the plugin runs in a child process
   * (needs `--allow-run`).
   */
  timeoutMs?: number;
  /** Default `"v8"`. `"wazero"`: the wazero engine, found by `findEngine` (needs `--allow-run`). */
  engine?: Engine;
  /** Memory cap in 64 KiB pages, written into the module as its memory maximum. */
  maxMemoryPages?: number;
  /** Plugin logs (stdout and stderr lines) and host notes (prefixed `host: `). */
  onLog?: (line: string) => void;
  /** Names the plugin in messages until `get_name` answers. Default: the file name (`(bytes)` for bytes). */
  label?: string;
  /** Default `true`: a note in the log each time memory doubles since load (`false` where growth is measured). */
  noteGrowth?: boolean;
  /** Also time the hook export alone, as {@link CallStats.hookUs}. Default `false`: it adds a clock read per call. */
  timeHook?: boolean;
}

/** Measurements of one call. */
export interface CallStats {
  /** The whole call through the host, in µs: malloc, writing the input, the hook, the frees, reading the output. */
  durationUs: number;
  /** The hook export alone, in µs, when the host was loaded with `timeHook`. */
  hookUs?: number;
  inputBytes: number;
  outputBytes: number;
  /** Memory size in 64 KiB pages before and after the call. */
  pagesBefore: number;
  pagesAfter: number;
  /** The most pages seen since load, across re-instantiations. */
  highWaterPages: number;
}

/** What a hook call returned. */
export interface HookCall<T> {
  /** The parsed output (the pass-through output after a non-strict 0 return). */
  output: T;
  /** The output's exact text (large integers survive here, not in `output`); `""` after a 0 return. */
  raw: string;
  stats: CallStats;
  /** The hook returned 0 (only possible when not strict). */
  returnedZero: boolean;
}

/** A plugin source: a file path, a `file:`/`https:` URL, or the bytes. */
export type PluginSource = string | URL | Uint8Array;
