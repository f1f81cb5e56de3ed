/**
 * Memory soak: calls one hook many times through the conformance host under
 * each free policy, each on a fresh instance, and records linear memory
 * along the way. A plugin is flat when nothing grows after the warm-up; a
 * plugin that never frees grows until its page cap, and the soak reports
 * where it ran out.
 *
 * @example
 * ```ts
 * import { soakMemory } from "./memory.ts";
 * import assert from "node:assert/strict";
 *
 * // hello-world as `deno task build` builds it: flat when the host frees both buffers, and when it frees none.
 * const plugin = new URL("../../build/hello-world.wasm", import.meta.url);
 * const input = JSON.stringify({ context: {}, request: { provider: "openai", model: "gpt-4o", input: [] } });
 * const rows = await soakMemory(plugin, { hook: "pre_hook", input, calls: 200, policies: ["both", "none"] });
 * assert.deepEqual(rows.map((r) => [r.policy, r.flat]), [["both", true], ["none", true]]);
 * ```
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { PluginError, PluginMemoryError } from "../errors.ts";
import { FREE_POLICIES, type FreePolicy } from "../abi/free_policy.ts";
import type { HostOptions, PluginSource } from "../host/types.ts";
import { PluginHost } from "../host/host.ts";
import { readPluginOnce } from "../host/plugin_source.ts";

/** What to soak. */
export interface SoakOptions {
  hook: HookName;
  /** The input's JSON text, sent as is on every call. */
  input: string;
  /** Calls per policy. */
  calls: number;
  /** Default: every policy. */
  policies?: readonly FreePolicy[];
  /** Memory cap in pages: a plugin that reaches it stops there (reported, not thrown). */
  maxMemoryPages?: number;
  /** Share of the calls that is warm-up. Default 0.1. */
  warmup?: number;
  /** Other host options. */
  host?: Omit<HostOptions, "onLog" | "freePolicy" | "maxMemoryPages">;
  /** Called after each policy. */
  onPolicy?: (result: SoakResult) => void;
}

/** Memory after so many calls. */
export interface MemorySample {
  calls: number;
  pages: number;
}

/** One policy's soak. */
export interface SoakResult {
  policy: FreePolicy;
  /** Calls made (fewer than asked when the plugin ran out of memory). */
  calls: number;
  pagesAtStart: number;
  pagesAfterWarmup: number;
  highWaterPages: number;
  pagesAtEnd: number;
  /** Nothing grew after the warm-up, and the soak ran to the end. */
  flat: boolean;
  /** Growth after the warm-up per call, in bytes (0 when flat). */
  bytesPerCall: number;
  /** The call that hit the memory cap, when one did. */
  outOfMemoryAt?: number;
  /** Any other error that ended the soak. */
  error?: string;
  /** Memory at 1, 10, 100... calls, and at the end. */
  samples: MemorySample[];
  durationMs: number;
}

const PAGE = 65536;

/** Soaks `source` under each policy; see the module documentation. */
export async function soakMemory(source: PluginSource, options: SoakOptions): Promise<SoakResult[]> {
  const { bytes, label } = await readPluginOnce(source);
  const warmupCalls = Math.max(1, Math.floor(options.calls * (options.warmup ?? 0.1)));
  const results: SoakResult[] = [];
  for (const policy of options.policies ?? FREE_POLICIES) {
    let host: PluginHost | undefined;
    const started = performance.now();
    let pagesAtStart = 0;
    let pagesAfterWarmup = 0;
    let pages = 0;
    let high = 0;
    let calls = 0;
    let nextSample = 1;
    const samples: MemorySample[] = [];
    let outOfMemoryAt: number | undefined;
    let error: string | undefined;
    try {
      // Loading frees init's config buffer: a plugin can fail under a policy before its first call.
      host = await PluginHost.load(bytes, {
        label,
        noteGrowth: false,
        ...options.host,
        freePolicy: policy,
        ...(options.maxMemoryPages === undefined ? {} : { maxMemoryPages: options.maxMemoryPages }),
      });
      while (calls < options.calls) {
        const { stats } = await host.call(options.hook, options.input);
        if (calls++ === 0) pagesAtStart = pagesAfterWarmup = stats.pagesBefore;
        pages = stats.pagesAfter;
        high = stats.highWaterPages;
        if (calls === warmupCalls) pagesAfterWarmup = pages;
        if (calls === nextSample) {
          samples.push({ calls, pages });
          nextSample *= 10;
        }
      }
    } catch (e) {
      if (e instanceof PluginMemoryError) {
        outOfMemoryAt = calls + 1;
        high = Math.max(high, options.maxMemoryPages ?? 0);
      } else if (e instanceof PluginError) error = e.message;
      else throw e;
    } finally {
      host?.close();
    }
    if (calls > 0 && samples.at(-1)?.calls !== calls) samples.push({ calls, pages });
    const grew = calls > warmupCalls ? high - pagesAfterWarmup : high - pagesAtStart;
    const over = calls > warmupCalls ? calls - warmupCalls : calls;
    const result: SoakResult = {
      policy,
      calls,
      pagesAtStart,
      pagesAfterWarmup,
      highWaterPages: high,
      pagesAtEnd: pages,
      flat: outOfMemoryAt === undefined && error === undefined && calls > warmupCalls && grew === 0,
      bytesPerCall: over > 0 ? (grew * PAGE) / over : 0,
      ...(outOfMemoryAt === undefined ? {} : { outOfMemoryAt }),
      ...(error === undefined ? {} : { error }),
      samples,
      durationMs: performance.now() - started,
    };
    options.onPolicy?.(result);
    results.push(result);
  }
  return results;
}
