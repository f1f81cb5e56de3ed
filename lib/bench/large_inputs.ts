/**
 * Large inputs: hook inputs of a chosen size, up to what Bifrost accepts
 * (its request body limit is 100 MiB by default, and the HTTP hooks see a body
 * base64-encoded), and a soak that calls a plugin with each size under each
 * free policy, each hook on a fresh instance, sizes in ascending order. It
 * shows whether time is linear in size (MB/s at the largest size is at least
 * half of it at the next size down; the smallest may fit in the CPU's caches)
 * and memory bounded (pages do not grow from call to call at one size, and
 * stay a small multiple of the input). Linearity is judged on the hook's own
 * time (the plugin's work); the time through the host is shown beside it and
 * includes reading the output into a JS string, which for a post_hook of
 * 100 MiB costs about as much as the hook and more per byte as strings grow.
 *
 * @example
 * ```ts
 * import { largeInput, soakLargeInputs } from "./large_inputs.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(new TextEncoder().encode(largeInput("pre_hook", 100_000)).length - 100_000) < 16);
 * const plugin = new URL("../../build/hello-world.wasm", import.meta.url);
 * const rows = await soakLargeInputs(plugin, { sizesMiB: [1, 2], calls: 3, hooks: ["post_hook"], policies: ["none"] });
 * assert.equal(rows.length, 1);
 * assert.ok(rows[0]!.sizes.every((s) => s.flat && s.hookMbPerSecond >= s.mbPerSecond && s.mbPerSecond > 0));
 * ```
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { FREE_POLICIES, type FreePolicy } from "../abi/free_policy.ts";
import { PluginHost } from "../host/host.ts";
import type { PluginSource } from "../host/types.ts";
import { readSource } from "../host/plugin_source.ts";
import { encodeBase64 } from "../internal/base64.ts";
import { prose } from "./inputs.ts";

/** The hooks a large input reaches: the HTTP pre hook (base64 body), the LLM pre hook (request), the post hook (response). */
export const LARGE_HOOKS = ["http_pre_hook", "pre_hook", "post_hook"] as const satisfies readonly HookName[];

const encoder = new TextEncoder();
const MIB = 1024 * 1024;

/** `text` repeated and padded with ASCII to `bytes` UTF-8 bytes (never splitting a character). */
function fill(text: string, bytes: number): string {
  const unit = encoder.encode(text).length;
  const times = Math.floor(bytes / unit);
  return text.repeat(times) + "a".repeat(bytes - times * unit);
}

/** JSON text of `shape` with `pad` (a string somewhere in it) grown so the whole is about `bytes` of UTF-8. */
function sized(shape: (pad: string) => unknown, bytes: number): string {
  const empty = encoder.encode(JSON.stringify(shape(""))).length;
  // Prose escapes a little when written as JSON (quotes, newlines): aim under, then top up with ASCII.
  const base = fill(prose(64 * 1024, 1), Math.max(0, Math.floor((bytes - empty) * 0.97)));
  const first = encoder.encode(JSON.stringify(shape(base))).length;
  return JSON.stringify(shape(base + "a".repeat(Math.max(0, bytes - first))));
}

const request = (content: string) => ({
  provider: "openai",
  model: "gpt-4o",
  input: [{ role: "system", content: "You are terse." }, { role: "user", content }],
  params: { temperature: 0.2, max_completion_tokens: 512 },
});

/** A hook input of about `bytes` bytes (within a few bytes): one long message, long content, or a long body. */
export function largeInput(hook: (typeof LARGE_HOOKS)[number], bytes: number): string {
  const context = { request_id: "large", "request-id": "large" };
  switch (hook) {
    case "pre_hook":
      return sized((pad) => ({ context, request: request(pad) }), bytes);
    case "post_hook":
      return sized((pad) => ({
        context,
        response: {
          chat_response: {
            id: "chatcmpl-large",
            object: "chat.completion",
            created: 1732540000,
            model: "gpt-4o",
            choices: [{ index: 0, message: { role: "assistant", content: pad }, finish_reason: "stop" }],
            usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
          },
        },
        error: {},
        has_error: false,
      }), bytes);
    case "http_pre_hook": {
      // The body is a chat request, base64-encoded: 4/3 of its size.
      const body = encoder.encode(
        sized((pad) => ({ model: "openai/gpt-4o", messages: [{ role: "user", content: pad }] }), (bytes * 3) >> 2),
      );
      return JSON.stringify({
        context,
        request: {
          method: "POST",
          path: "/v1/chat/completions",
          headers: { "content-type": "application/json" },
          query: {},
          body: encodeBase64(body),
        },
      });
    }
  }
}

/** One input size of a {@link LargeSoakRow}. */
export interface LargeSize {
  inputBytes: number;
  calls: number;
  /** µs of the fastest call through the host (malloc, input copy, hook, frees, output read): on a shared machine the least disturbed. */
  bestUs: number;
  /** Input megabytes (10^6 bytes) per second through the host, from the fastest call. */
  mbPerSecond: number;
  /** µs of the fastest call's hook export alone (the plugin's own work). */
  bestHookUs: number;
  /** Input megabytes per second in the hook export alone, from its fastest call. */
  hookMbPerSecond: number;
  /** Pages after the first call of this size and after the last. */
  pagesAfterFirst: number;
  pagesAtEnd: number;
  /** Memory after the last call over the input's size. */
  memoryMultiple: number;
  /** Memory did not grow after the first call of this size. */
  flat: boolean;
}

/** One hook under one free policy, every size. */
export interface LargeSoakRow {
  hook: HookName;
  policy: FreePolicy;
  pagesAtLoad: number;
  sizes: LargeSize[];
  /** The hook's own MB/s at the largest size is at least half of it at the next size down. */
  linear: boolean;
  /** What ended the row early, if anything. */
  error?: string;
}

/** What {@link soakLargeInputs} runs. */
export interface LargeSoakOptions {
  /** Input sizes in MiB, run in ascending order. Default 1, 10, 100. */
  sizesMiB?: readonly number[];
  /** Calls per size (at least 2). Default 4. */
  calls?: number;
  hooks?: readonly (typeof LARGE_HOOKS)[number][];
  policies?: readonly FreePolicy[];
  /** Called after each row. */
  onRow?: (row: LargeSoakRow) => void;
}

/** Calls each hook with each size, under each policy; see the module documentation. */
export async function soakLargeInputs(source: PluginSource, options: LargeSoakOptions = {}): Promise<LargeSoakRow[]> {
  const { bytes } = await readSource(source);
  const sizes = [...(options.sizesMiB ?? [1, 10, 100])].sort((a, b) => a - b);
  const calls = Math.max(2, options.calls ?? 4);
  const rows: LargeSoakRow[] = [];
  for (const hook of options.hooks ?? LARGE_HOOKS) {
    const inputs = sizes.map((mib) => largeInput(hook, Math.round(mib * MIB)));
    for (const policy of options.policies ?? FREE_POLICIES) {
      const host = await PluginHost.load(bytes, { freePolicy: policy, timeHook: true });
      const row: LargeSoakRow = { hook, policy, pagesAtLoad: 0, sizes: [], linear: false };
      try {
        for (const input of inputs) {
          const times: number[] = [];
          const hookTimes: number[] = [];
          let first = 0;
          let end = 0;
          let inputBytes = 0;
          for (let i = 0; i < calls; i++) {
            const { stats, output } = await host.call(hook, input);
            const error = (output as { error?: string; hook_error?: string }).error ||
              (output as { hook_error?: string }).hook_error;
            if (error) throw new Error(`${hook} answered an error: ${error}`);
            if (row.sizes.length === 0 && i === 0) row.pagesAtLoad = stats.pagesBefore;
            times.push(stats.durationUs);
            hookTimes.push(stats.hookUs!);
            if (i === 0) first = stats.pagesAfter;
            end = stats.pagesAfter;
            inputBytes = stats.inputBytes;
          }
          const us = Math.min(...times);
          const hookUs = Math.min(...hookTimes);
          row.sizes.push({
            inputBytes,
            calls,
            bestUs: us,
            mbPerSecond: inputBytes / us,
            bestHookUs: hookUs,
            hookMbPerSecond: inputBytes / hookUs,
            pagesAfterFirst: first,
            pagesAtEnd: end,
            memoryMultiple: (end * 65536) / inputBytes,
            flat: end === first,
          });
        }
      } catch (e) {
        row.error = (e as Error).message;
      } finally {
        host.close();
      }
      // The two largest sizes: the smallest may fit in the CPU's caches, where every byte is cheaper.
      const [small, large] = [row.sizes.at(-2) ?? row.sizes[0], row.sizes.at(-1)];
      row.linear = !row.error && small !== undefined && large !== undefined &&
        large.hookMbPerSecond >= small.hookMbPerSecond / 2;
      options.onRow?.(row);
      rows.push(row);
    }
  }
  return rows;
}

const mib = (bytes: number) => `${Math.round((bytes / MIB) * 10) / 10} MiB`;

/** The soak as a Markdown table: MB/s per size side by side (the hook alone / through the host), then memory at the largest size. */
export function formatLargeSoak(rows: readonly LargeSoakRow[]): string {
  const sizes = rows.find((r) => r.sizes.length)?.sizes ?? [];
  const head = ["hook", "free policy", ...sizes.map((s) => `${mib(s.inputBytes)} MB/s hook / host`)];
  const largest = sizes.at(-1);
  head.push(largest ? `pages at ${mib(largest.inputBytes)}` : "pages", "memory / input", "flat", "linear");
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  for (const r of rows) {
    const last = r.sizes.at(-1);
    const cells = [
      r.hook,
      r.policy,
      ...sizes.map((_, i) => {
        const size = r.sizes[i];
        return size ? `${size.hookMbPerSecond.toFixed(0)} / ${size.mbPerSecond.toFixed(0)}` : "-";
      }),
      last ? `${r.pagesAtLoad} to ${last.pagesAtEnd}` : "-",
      last ? `${last.memoryMultiple.toFixed(2)}x` : "-",
      r.error ? `no: ${r.error}` : r.sizes.every((s) => s.flat) ? "yes" : "no",
      r.linear ? "yes" : "no",
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
