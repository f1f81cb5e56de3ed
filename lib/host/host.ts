/**
 * The conformance host: loads a plugin the way Bifrost's WASM host does and
 * calls its hooks through the ABI, strict wherever Bifrost's behaviour is
 * unknown (see `docs/abi.md`).
 *
 * - Imports: only a WASI preview 1 shim. stdout and stderr lines go to
 *   `onLog`; clocks and randomness are real; args and environment are
 *   empty; files, sockets and polling fail (EBADF/ENOSYS); `proc_exit`
 *   ends the call as a trap. A module importing anything else (`env.abort`
 *   above all) does not load.
 * - Load: `_initialize`/`_start` when exported, `init(config)` (the JSON of
 *   `options.config`, `{}` when omitted), then `get_name`. A non-zero
 *   `init` fails the load with the plugin's own reason from `last_error`
 *   (a bifrost-as extension) when it exports one.
 * - Each call: `malloc(len)`, write the input, call the hook, free the input,
 *   read the output (bounds, strict UTF-8, JSON, the hook's contract), free
 *   the output. `freePolicy` decides which frees happen. `get_name` and
 *   `last_error` results are never freed.
 * - A trap, `proc_exit`, a timeout or memory exhaustion throws a typed error
 *   and re-instantiates the plugin (re-running `init`) so the next call
 *   works. With `timeoutMs` the plugin runs in a child Deno process
 *   (`--allow-run` needed), killed and replaced when a call or the load runs
 *   over; without it calls run in-thread.
 * - `engine: "wazero"` runs the plugin in the wazero engine (`engine.ts`),
 *   Bifrost's own runtime, in a child process; the checks above stay here.
 * - A 0 return: in strict mode an error; otherwise the host answers the
 *   hook's pass-through output (`returnedZero` is set). Contract violations:
 *   errors in strict mode, logged notes otherwise.
 * - Memory that doubles since load (and doubles again...) is noted in the
 *   log: a plugin that keeps growing runs out in a long-lived instance.
 *
 * @example
 * ```ts
 * import { PluginHost } from "./host.ts";
 * import { PluginTrapError } from "../errors.ts";
 * import assert from "node:assert/strict";
 *
 * const host = await PluginHost.load(new URL("../../build/hello-world.wasm", import.meta.url), {
 *   config: { mock_models: ["m1"] },
 * });
 * try {
 *   assert.equal(host.name, "hello-world-wasm-typescript");
 *   const { output, stats } = await host.preHook({
 *     context: { request_id: "r1" },
 *     request: { provider: "openai", model: "m1", input: [{ role: "user", content: "Hi" }] },
 *   });
 *   assert.equal(output.has_short_circuit, true);
 *   assert.equal(output.short_circuit?.response?.chat_response?.id, "mock-r1");
 *   assert.ok(stats.durationUs > 0 && stats.pagesAfter >= stats.pagesBefore);
 * } catch (e) {
 *   // A trap names the hook and the wasm function; the plugin is already re-instantiated.
 *   if (e instanceof PluginTrapError) console.error(e.hook, e.kind, e.functionName);
 *   throw e;
 * } finally {
 *   host.close();
 * }
 * ```
 *
 * @module
 */
import type { HookName } from "../abi/abi.ts";
import { PluginContractError, PluginError } from "../errors.ts";
import type { HookInputOf, HookOutputOf } from "../abi/hook_types.ts";
import { checkOutput, passThrough } from "../abi/contract.ts";
import type { Backend } from "./_backend.ts";
import type { Engine } from "./engine.ts";
import { prepare, startBackend } from "./prepare.ts";
import { readSource } from "./plugin_source.ts";
import { FREE_POLICIES, type FreePolicy } from "../abi/free_policy.ts";
import type { HookCall, HostOptions, PluginSource } from "./types.ts";
import { JsonPieces } from "../internal/json_pieces.ts";

const encoder = new TextEncoder();

/**
 * Loads a plugin and calls its hooks as Bifrost would, checking everything
 * the ABI leaves to chance. See the module documentation for the rules.
 */
export class PluginHost {
  readonly #backend: Backend;
  readonly #strict: boolean;
  readonly #log: (line: string) => void;
  #highWater: number;
  readonly #loadPages: number;
  /** The memory size (pages) whose crossing is noted next: each doubling since load. */
  #noteAt: number;
  #calls = 0;

  private constructor(backend: Backend, strict: boolean, log: (line: string) => void, noteGrowth: boolean) {
    this.#backend = backend;
    this.#strict = strict;
    this.#log = log;
    this.#highWater = backend.pages;
    this.#loadPages = backend.pages;
    this.#noteAt = noteGrowth ? Math.max(2, backend.pages * 2) : Infinity;
  }

  /**
   * Reads, checks, instantiates and initialises a plugin. Throws
   * `PluginError` when it cannot load (with the offending import or export
   * named, or `init`'s reason), `AbiError` when the source is not a wasm
   * module.
   */
  static async load(source: PluginSource, options: HostOptions = {}): Promise<PluginHost> {
    const read = await readSource(source);
    const { bytes } = read;
    const label = options.label ?? read.label;
    const strict = options.strict ?? true;
    const log = options.onLog ?? (() => {});
    const prepared = prepare(bytes, label, options, strict);
    for (const n of prepared.notes) log(`host: ${n}`);
    return new PluginHost(await startBackend(prepared, options, log), strict, log, options.noteGrowth ?? true);
  }

  /** The engine the plugin runs in. */
  get engine(): Engine {
    return this.#backend.engine;
  }

  /** The plugin's name, from `get_name`. */
  get name(): string {
    return this.#backend.name;
  }

  /** The plugin's memory size now, in 64 KiB pages. */
  get pages(): number {
    return this.#backend.pages;
  }

  /** Whether the module exports `hook`. */
  has(hook: HookName): boolean {
    return this.#backend.exports.has(hook);
  }

  /**
   * The HTTP pre hook: `http_pre_hook`, or the legacy `http_intercept` when
   * only that is exported. Every typed hook method also takes a string,
   * sent as is (a partial or invalid input, say).
   */
  httpPreHook(input: HookInputOf<"http_pre_hook"> | string): Promise<HookCall<HookOutputOf<"http_pre_hook">>> {
    const hook = this.has("http_pre_hook") || !this.has("http_intercept") ? "http_pre_hook" : "http_intercept";
    return this.#call(hook, input);
  }

  /** The HTTP post hook (Bifrost skips it for streaming responses). */
  httpPostHook(input: HookInputOf<"http_post_hook"> | string): Promise<HookCall<HookOutputOf<"http_post_hook">>> {
    return this.#call("http_post_hook", input);
  }

  /** The stream chunk hook, once per chunk. */
  httpStreamChunkHook(
    input: HookInputOf<"http_stream_chunk_hook"> | string,
  ): Promise<HookCall<HookOutputOf<"http_stream_chunk_hook">>> {
    return this.#call("http_stream_chunk_hook", input);
  }

  /** The LLM pre hook. */
  preHook(input: HookInputOf<"pre_hook"> | string): Promise<HookCall<HookOutputOf<"pre_hook">>> {
    return this.#call("pre_hook", input);
  }

  /** The LLM post hook. */
  postHook(input: HookInputOf<"post_hook"> | string): Promise<HookCall<HookOutputOf<"post_hook">>> {
    return this.#call("post_hook", input);
  }

  /**
   * Calls `hook` with `input`: a string is sent as is (so invalid JSON can be
   * tried), JSON in pieces (the gateway's large inputs) written as it is,
   * anything else as JSON.
   */
  call(hook: HookName, input: unknown): Promise<HookCall<unknown>> {
    return this.#call(hook, input);
  }

  /** Calls `cleanup` (when exported; 0 otherwise) and returns its result. */
  cleanup(): Promise<number> {
    return this.#backend.cleanup();
  }

  /** Releases the instance (and kills its process, with a time budget). */
  close(): void {
    this.#backend.close();
  }

  async #call<T>(hook: HookName, input: unknown): Promise<HookCall<T>> {
    if (!this.has(hook)) throw new PluginError(`Plugin "${this.name}" does not export "${hook}"`);
    const text = typeof input === "string" || input instanceof JsonPieces ? input : JSON.stringify(input);
    const result = await this.#backend.call(hook, text);
    this.#highWater = Math.max(this.#highWater, result.stats.pagesBefore, result.stats.pagesAfter);
    this.#calls++;
    if (this.#highWater >= this.#noteAt) this.#noteGrowth();
    const stats = { ...result.stats, highWaterPages: this.#highWater };
    if (result.text === null) {
      const what = "returned 0: Bifrost's handling of a 0 return is unknown";
      if (this.#strict) {
        throw new PluginContractError(`Plugin "${this.name}" ${hook} ${what} (return an output)`, hook, [what]);
      }
      this.#log(`host: ${hook} ${what}; answering the pass-through output`);
      const sent = typeof text === "string" ? text : text.text();
      return { output: passThrough(hook, parseOrUndefined(sent)) as T, raw: "", stats, returnedZero: true };
    }
    return { output: this.#checked(hook, result.text) as T, raw: result.text, stats, returnedZero: false };
  }

  /** Notes memory that has doubled since load (again): in a long-lived instance, steady growth runs out. */
  #noteGrowth(): void {
    const pages = this.#highWater;
    this.#log(
      `host: memory has grown to ${pages} pages (${(pages / 16).toFixed(1)} MiB) in ${this.#calls} ` +
        `call${this.#calls === 1 ? "" : "s"}, from ${this.#loadPages} at load; if it keeps growing, the plugin runs ` +
        "out of memory in a long-lived instance ('bifrost-as check' shows under which free policies it stays bounded)",
    );
    while (this.#noteAt <= pages) this.#noteAt *= 2;
  }

  /** Parses and checks an output against the hook's contract. */
  #checked(hook: HookName, raw: string): unknown {
    let output: unknown;
    try {
      output = JSON.parse(raw);
    } catch (e) {
      const what = `output is not valid JSON (${(e as Error).message}): ${preview(raw)}`;
      throw new PluginContractError(`Plugin "${this.name}" ${hook} ${what}`, hook, [what]);
    }
    const { violations, notes } = checkOutput(hook, output);
    for (const n of notes) this.#log(`host: ${hook}: ${n}`);
    if (violations.length === 0) return output;
    if (this.#strict) {
      throw new PluginContractError(
        `Plugin "${this.name}" ${hook} output breaks the contract: ${violations.join("; ")}`,
        hook,
        violations,
      );
    }
    for (const v of violations) this.#log(`host: ${hook} output breaks the contract: ${v}`);
    return output;
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

// ---- free policies ----

/** How one free policy fared in {@link checkFreePolicies}. */
export interface PolicyResult {
  policy: FreePolicy;
  /** Pages stayed flat over the second half of the calls (and there were enough calls to judge). */
  bounded: boolean;
  /**
   * The judgement: `bounded`, `grows`, `fails` (an error ended the run after
   * some calls finished), `did-not-finish` (not one call finished: a load
   * failure, a timeout, a trap on every call), or `too-few-calls` to judge.
   */
  verdict: "bounded" | "grows" | "fails" | "did-not-finish" | "too-few-calls";
  /** Calls that finished. */
  finished: number;
  /** Pages after the first half (the warm-up) and at the end. */
  pagesAfterWarmup: number;
  pagesAtEnd: number;
  /** The error that ended the run early (a trap under `double`, say). */
  error?: string;
}

/** Fewer calls per free policy than this are too few to judge memory by. */
export const MIN_CALLS_TO_JUDGE = 20;

/** What {@link checkFreePolicies} found. */
export interface PolicyReport {
  hook: HookName;
  calls: number;
  results: PolicyResult[];
  /** The policies under which memory stayed bounded. */
  boundedUnder: FreePolicy[];
  /** Problems worth an author's attention; empty when the plugin is safe under every policy. */
  flags: string[];
}

/**
 * Calls `hook` `calls` times (default 400) under each free policy, each on a
 * fresh instance, and reports whether memory stays flat after the first
 * half. The input is padded to `inputBytes` (default 16 KiB), half of it as
 * a context value (`bifrost_as_padding`, which plugins echo into their
 * output) and the rest as trailing spaces, so that a leaked input or output
 * buffer shows up as pages within a few calls.
 * Flags a plugin bounded under only one policy (Bifrost's is unknown),
 * under none, or that fails under one.
 *
 * @example
 * ```ts
 * import { checkFreePolicies } from "./host.ts";
 * import assert from "node:assert/strict";
 *
 * const plugin = new URL("../../build/hello-world.wasm", import.meta.url);
 * const input = { context: {}, request: { provider: "openai", model: "gpt-4o", input: [] } };
 * const report = await checkFreePolicies(plugin, "pre_hook", input, { calls: 200 });
 * assert.deepEqual(report.boundedUnder, ["both", "input", "none", "double"]);
 * assert.deepEqual(report.flags, []);
 * ```
 */
export async function checkFreePolicies(
  source: PluginSource,
  hook: HookName,
  input: unknown,
  options: HostOptions & { calls?: number; inputBytes?: number } = {},
): Promise<PolicyReport> {
  const { bytes, label } = await readSource(source);
  const calls = Math.max(2, options.calls ?? 400);
  const { calls: _, inputBytes, ...hostOptions } = options;
  const text = padded(typeof input === "string" ? input : JSON.stringify(input), inputBytes ?? 16384);
  const results: PolicyResult[] = [];
  for (const policy of FREE_POLICIES) {
    let host: PluginHost | undefined;
    let warm = 0;
    let end = 0;
    let finished = 0;
    let error: string | undefined;
    try {
      // Loading frees init's config buffer, so a plugin can fail under a policy before its first hook call.
      host = await PluginHost.load(bytes, { label, ...hostOptions, freePolicy: policy, noteGrowth: false });
      for (let i = 0; i < calls; i++) {
        const { stats } = await host.call(hook, text);
        finished++;
        if (i === Math.floor(calls / 2) - 1) warm = stats.pagesAfter;
        end = stats.pagesAfter;
      }
    } catch (e) {
      if (!(e instanceof PluginError)) throw e;
      error = e.message;
    } finally {
      host?.close();
    }
    const verdict: PolicyResult["verdict"] = error !== undefined
      ? finished === 0 ? "did-not-finish" : "fails"
      : calls < MIN_CALLS_TO_JUDGE
      ? "too-few-calls"
      : end === warm
      ? "bounded"
      : "grows";
    results.push({
      policy,
      bounded: verdict === "bounded",
      verdict,
      finished,
      pagesAfterWarmup: warm,
      pagesAtEnd: end,
      ...(error === undefined ? {} : { error }),
    });
  }
  const boundedUnder = results.filter((r) => r.bounded).map((r) => r.policy);
  const flags = results.filter((r) => r.error).map((r) => `Fails under the "${r.policy}" free policy: ${r.error}`);
  if (results.every((r) => r.verdict === "did-not-finish")) {
    flags.splice(
      0,
      flags.length,
      `Memory could not be judged: no ${hook} call finished under any free policy (${results[0]!.error})`,
    );
  } else if (!results.some((r) => r.verdict === "bounded" || r.verdict === "grows")) {
    if (calls < MIN_CALLS_TO_JUDGE) {
      flags.unshift(
        `Too few calls to judge memory: ${calls} ${hook} call${
          calls === 1 ? "" : "s"
        } per free policy, at least ${MIN_CALLS_TO_JUDGE} are needed`,
      );
    }
  } else if (boundedUnder.length === 0) {
    flags.unshift(`Memory is not bounded under any free policy: it grows with every ${hook} call`);
  } else if (boundedUnder.length === 1) {
    flags.unshift(
      `Memory stays bounded only under the "${
        boundedUnder[0]
      }" free policy: Bifrost's policy is unknown, so the plugin may grow without limit there`,
    );
  }
  for (const r of results) {
    if (r.verdict === "grows" && boundedUnder.length > 1) {
      flags.push(`Memory grows under the "${r.policy}" free policy (${r.pagesAfterWarmup} to ${r.pagesAtEnd} pages)`);
    }
  }
  return { hook, calls, results, boundedUnder, flags };
}

/**
 * One free policy's line of a memory report, e.g. `bounded (19 -> 19 pages)`.
 *
 * @example
 * ```ts
 * import { formatPolicyResult } from "./host.ts";
 * import assert from "node:assert/strict";
 *
 * const r = { policy: "none" as const, pagesAfterWarmup: 20, pagesAtEnd: 30, finished: 2 };
 * assert.equal(formatPolicyResult({ ...r, bounded: false, verdict: "grows" }), "grows (20 -> 30 pages)");
 * assert.equal(
 *   formatPolicyResult({ ...r, bounded: false, verdict: "too-few-calls" }),
 *   "too few calls to judge (20 -> 30 pages in 2 calls)",
 * );
 * ```
 */
export function formatPolicyResult(r: PolicyResult): string {
  const pages = `${r.pagesAfterWarmup} -> ${r.pagesAtEnd} pages`;
  switch (r.verdict) {
    case "bounded":
      return `bounded (${pages})`;
    case "grows":
      return `grows (${pages})`;
    case "too-few-calls":
      return `too few calls to judge (${pages} in ${r.finished} call${r.finished === 1 ? "" : "s"})`;
    case "did-not-finish":
      return `no call finished: ${r.error}`;
    case "fails":
      return `fails after ${r.finished} call${r.finished === 1 ? "" : "s"}: ${r.error}`;
  }
}

/**
 * Pads a hook input to `size` bytes, half in a context value (echoed into
 * the output) when the input has a context object, the rest as trailing
 * spaces, so that growth per call shows up in pages sooner.
 */
function padded(text: string, size: number): string {
  let out = text;
  try {
    const value = JSON.parse(text);
    if (isObject(value) && isObject(value.context)) {
      value.context.bifrost_as_padding = "x".repeat(Math.floor(size / 2));
      out = JSON.stringify(value);
    }
  } catch { /* not JSON: spaces only */ }
  const n = size - encoder.encode(out).length;
  return n > 0 ? out + " ".repeat(n) : out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
