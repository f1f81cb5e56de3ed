/**
 * The conformance host's vocabulary, shared by the host and its backends:
 * where a plugin comes from, how it is hosted, and what a call returned.
 *
 * @module
 */
import type { FreePolicy } from "../abi/free_policy.ts";

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
  /** Time budget per call (and per `init`), in ms. Set: the plugin runs in a child process (needs `--allow-run`). */
  timeoutMs?: number;
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
