/**
 * Hook cost: µs per call of a plugin's hooks through the conformance host,
 * beside the native floor (hello-world's hook in plain JS, see
 * `native.ts`) and optionally rival plugins (the docs-style baseline, the
 * Rust serde plugin), on the same input text.
 *
 * Contenders run interleaved, round by round (the order rotates), so that
 * drift on a shared machine hits them alike. A round is a batch of calls
 * sized from a warm-up to take about `roundMs`; its per-call mean is one
 * sample, and the summary gives min, median and p99 over the rounds. A
 * plugin's time is what the host measures around the call (`stats.durationUs`:
 * malloc, writing the input, the hook, the frees and reading the output), not
 * the host's own parsing and contract checks of the output.
 *
 * @module
 */
import { EXPORT_SIGNATURES, HOOK_NAMES, type HookName, packPtrLen } from "../abi/abi.ts";
import { PluginTrapError } from "../errors.ts";
import type { HostOptions, PluginSource } from "../host/types.ts";
import { PluginHost } from "../host/host.ts";
import type { Engine } from "../host/engine.ts";
import { type ProcessBackend, startWazeroBackend } from "../host/prepare.ts";
import { i32Const, i64Const, op, WasmBuilder } from "../wasm/wasm_writer.ts";
import type { BenchInput } from "./inputs.ts";
import { jsonDiff } from "../internal/json_diff.ts";
import { helloWorldOutput, nativeHook, type TwinOptions } from "./native.ts";

/** Per-call cost over the rounds, in µs. */
export interface CostSummary {
  minUs: number;
  medianUs: number;
  p99Us: number;
  rounds: number;
  callsPerRound: number;
}

/** How long to measure. */
export interface MeasureOptions {
  /** Samples per contender. Default 100. */
  rounds?: number;
  /** Target duration of one round, in ms. Default 5. */
  roundMs?: number;
  /** Warm-up per contender before sizing the rounds, in ms. Default 200. */
  warmupMs?: number;
}

/** Something to time: `run(n)` makes `n` calls and answers µs per call. */
export interface Contender {
  label: string;
  run(calls: number): Promise<number>;
}

/** The native floor on `text`. */
export function nativeContender(hook: HookName, text: string): Contender {
  let sink = 0;
  return {
    label: "native",
    // deno-lint-ignore require-await
    async run(calls) {
      const started = performance.now();
      for (let i = 0; i < calls; i++) sink += nativeHook(hook, text).length;
      const us = ((performance.now() - started) * 1000) / calls;
      return sink < 0 ? Number.NaN : us; // keeps the results alive
    },
  };
}

/**
 * The native Go floor in the wazero engine: hello-world's parse, change and
 * serialise with sonic (Bifrost's JSON library; the figure returned) and
 * with encoding/json (kept in `encodingJson`), timed inside the engine.
 */
export function goFloorContender(
  engine: ProcessBackend,
  hook: HookName,
  text: string,
): Contender & { encodingJsonUs: number[] } {
  return {
    label: "Go floor",
    encodingJsonUs: [],
    async run(calls) {
      const r = await engine.floor({ type: "floor", hook, input: text, iterations: calls });
      this.encodingJsonUs.push(r.encodingJsonNs / 1000);
      return (r.sonicNs ?? r.encodingJsonNs) / 1000;
    },
  };
}

/** A plugin through the host; a trap (a baseline out of memory) is counted in `restarts` and the call retried. */
export function hostContender(
  label: string,
  host: PluginHost,
  hook: HookName,
  text: string,
): Contender & { restarts: number } {
  return {
    label,
    restarts: 0,
    async run(calls) {
      let total = 0;
      for (let done = 0; done < calls;) {
        try {
          total += (await host.call(hook, text)).stats.durationUs;
          done++;
        } catch (e) {
          // The host has re-instantiated the plugin; give up if it keeps failing.
          if (!(e instanceof PluginTrapError) || ++this.restarts > 100) throw e;
        }
      }
      return total / calls;
    },
  };
}

/** One way of reaching a plugin, on the Rust example's request to hello-world. */
export interface TransportRow {
  engine: Engine;
  /** `inline`: V8 in this thread; `process`: a child process over the engine protocol's pipe. */
  backend: "inline" | "process";
  /** µs per call seen by the caller. */
  wallUs: number;
  /** µs per call the engine measured around the call (as every hook cost figure). */
  engineUs: number;
  /** wall − engine: the transport's own cost. */
  overheadUs: number;
}

/** Nearest-rank percentile of ascending `sorted` values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

/** Summarises per-round samples. */
export function summarise(samples: readonly number[], callsPerRound: number): CostSummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    minUs: sorted[0] ?? Number.NaN,
    medianUs: percentile(sorted, 50),
    p99Us: percentile(sorted, 99),
    rounds: sorted.length,
    callsPerRound,
  };
}

/** Times contenders round by round, interleaved; one summary per contender, in order. */
export async function measure(contenders: readonly Contender[], options: MeasureOptions = {}): Promise<CostSummary[]> {
  const rounds = options.rounds ?? 100;
  const roundUs = (options.roundMs ?? 5) * 1000;
  const warmupMs = options.warmupMs ?? 200;
  const sizes: number[] = [];
  for (const c of contenders) {
    const started = performance.now();
    let calls = 0;
    let us = 0;
    while (calls < 20 || performance.now() - started < warmupMs) {
      us += await c.run(10);
      calls += 10;
    }
    const perCall = us / (calls / 10);
    sizes.push(Math.max(1, Math.min(100_000, Math.round(roundUs / Math.max(perCall, 0.01)))));
  }
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (r + k) % contenders.length;
      samples[i]!.push(await contenders[i]!.run(sizes[i]!));
    }
  }
  return samples.map((s, i) => summarise(s, sizes[i]!));
}

/**
 * The plugins measured beside the plugin and the native floor: the
 * docs-style AssemblyScript `baseline` and the `rust` serde plugin.
 */
export type Rival = "baseline" | "rust";

/** Every rival, in the order tables show them. */
export const RIVALS: readonly Rival[] = ["baseline", "rust"];

/** One input's costs and ratios (medians). */
export interface HookCostRow {
  /** Where the plugins ran; under wazero `native` is the Go floor (sonic). Absent in reports before engines: V8. */
  engine?: Engine;
  input: string;
  label: string;
  hook: HookName;
  inputBytes: number;
  /** The native floor: V8's JSON in plain JS, or under wazero Go with sonic. */
  native: CostSummary;
  /** Under wazero: the Go floor with encoding/json. */
  nativeEncodingJson?: CostSummary;
  plugin: CostSummary;
  baseline?: CostSummary;
  rust?: CostSummary;
  /** plugin / native. */
  pluginVsNative: number;
  /** baseline / native. */
  baselineVsNative?: number;
  /** plugin / baseline: below 1 means the plugin is faster. */
  pluginVsBaseline?: number;
  /** rust / native. */
  rustVsNative?: number;
  /** plugin / rust: below 1 means the plugin is faster. */
  pluginVsRust?: number;
  /** How the output differs from hello-world's (the native twin's) answer; `null` when it is the same. */
  pluginDiff: string | null;
  baselineDiff?: string | null;
  rustDiff?: string | null;
  /** Times the baseline ran out of memory (and was re-instantiated by the host) while measured. */
  baselineRestarts?: number;
  rustRestarts?: number;
}

/** What {@link benchHookCosts} compares. */
export interface HookCostOptions extends MeasureOptions {
  plugin: PluginSource;
  baseline?: PluginSource;
  rust?: PluginSource;
  /** What the Rust plugin's post hook appends, for comparing its outputs with hello-world's. */
  rustTwin?: TwinOptions;
  inputs: readonly BenchInput[];
  /** Host options for every plugin (`freePolicy`, `engine` and so on). */
  host?: Omit<HostOptions, "onLog">;
  /** The baseline's memory cap in pages (it never frees). Default 16384 (1 GiB). */
  baselineMaxPages?: number;
  /** Called before each input is measured. */
  onInput?: (input: BenchInput) => void;
}

/** Measures every input; each plugin gets a fresh instance per input, and all are timed in one interleaved run. */
export async function benchHookCosts(options: HookCostOptions): Promise<HookCostRow[]> {
  const rivals = RIVALS.flatMap((key) => {
    const source = options[key];
    if (source === undefined) return [];
    const maxMemoryPages = key === "baseline" ? options.baselineMaxPages ?? 16384 : undefined;
    return [{ key, source, maxMemoryPages, twin: key === "rust" ? options.rustTwin ?? {} : {} }];
  });
  const rows: HookCostRow[] = [];
  const engine = options.host?.engine ?? "v8";
  // Under wazero the floor is Go's, measured by an engine process of its own.
  const floorEngine = engine === "wazero" ? await startWazeroBackend(options.plugin, options.host) : undefined;
  try {
    for (const input of options.inputs) {
      options.onInput?.(input);
      const plugin = await PluginHost.load(options.plugin, options.host);
      const hosts: PluginHost[] = [];
      try {
        for (const r of rivals) {
          hosts.push(
            await PluginHost.load(r.source, {
              ...options.host,
              ...(r.maxMemoryPages === undefined ? {} : { maxMemoryPages: r.maxMemoryPages }),
            }),
          );
        }
        const pluginDiff = await outputDiff(plugin, input, {});
        const diffs: (string | null)[] = [];
        for (const [i, r] of rivals.entries()) diffs.push(await outputDiff(hosts[i]!, input, r.twin));
        const contenders = rivals.map((r, i) => hostContender(r.key, hosts[i]!, input.hook, input.text));
        const goFloor = floorEngine ? goFloorContender(floorEngine, input.hook, input.text) : undefined;
        const [native, ours, ...costs] = await measure([
          goFloor ?? nativeContender(input.hook, input.text),
          hostContender("plugin", plugin, input.hook, input.text),
          ...contenders,
        ], options);
        const row: HookCostRow = {
          engine,
          input: input.id,
          label: input.label,
          hook: input.hook,
          inputBytes: new TextEncoder().encode(input.text).length,
          native: native!,
          // The warm-up's samples come first: the rounds' are the last `rounds`.
          ...(goFloor
            ? { nativeEncodingJson: summarise(goFloor.encodingJsonUs.slice(-native!.rounds), native!.callsPerRound) }
            : {}),
          plugin: ours!,
          pluginVsNative: ours!.medianUs / native!.medianUs,
          pluginDiff,
        };
        rivals.forEach((r, i) =>
          Object.assign(row, rivalColumns(r.key, costs[i]!, native!, ours!, diffs[i]!, contenders[i]!.restarts))
        );
        rows.push(row);
      } finally {
        plugin.close();
        for (const h of hosts) h.close();
      }
    }
  } finally {
    floorEngine?.close();
  }
  return rows;
}

/** A rival's cost, ratios, output difference and restarts, under its key's field names. */
function rivalColumns(
  key: Rival,
  cost: CostSummary,
  native: CostSummary,
  ours: CostSummary,
  diff: string | null,
  restarts: number,
): Partial<HookCostRow> {
  const name = key === "baseline" ? "Baseline" : "Rust";
  return {
    [key]: cost,
    [`${key}VsNative`]: cost.medianUs / native.medianUs,
    [`pluginVs${name}`]: ours.medianUs / cost.medianUs,
    [`${key}Diff`]: diff,
    [`${key}Restarts`]: restarts,
  };
}

/**
 * How a plugin's output for `input` differs from the native twin's (its own
 * name in place of hello-world's, and `twin`'s suffixes).
 */
async function outputDiff(host: PluginHost, input: BenchInput, twin: TwinOptions): Promise<string | null> {
  const { output } = await host.call(input.hook, input.text);
  return jsonDiff(helloWorldOutput(input.hook, JSON.parse(input.text), { ...twin, name: host.name }), output) ?? null;
}

/**
 * The host's own cost per call: a hand-built plugin whose `pre_hook` only
 * returns a fixed output (`output`, by default hello-world's answer to the
 * seed), called with `text`, and whose `malloc` hands out the same buffer
 * every call (a bump allocator would touch a fresh page every few calls and
 * bill the host for the page faults). What a plugin costs above this is its
 * own.
 */
export async function measureHostFloor(
  text: string,
  output: string,
  options: MeasureOptions & { host?: Omit<HostOptions, "onLog"> } = {},
): Promise<CostSummary> {
  const buffer = 1 << 15; // past the output, which the module's data starts with
  const pages = Math.ceil((buffer + new TextEncoder().encode(text).length) / 65536);
  const host = await PluginHost.load(hostFloorPlugin(output, buffer, pages), options.host);
  try {
    const [floor] = await measure([hostContender("host floor", host, "pre_hook", text)], options);
    return floor!;
  } finally {
    host.close();
  }
}

/**
 * The host floor's module: `get_name` answers "host-floor", `pre_hook` the
 * fixed `output` from a data segment, `malloc` always `buffer`; `free` does
 * nothing, `init` and `cleanup` return 0, and the other hooks, which the
 * floor never calls, trap.
 */
function hostFloorPlugin(output: string, buffer: number, pages: number): Uint8Array {
  const b = new WasmBuilder().memory(pages);
  let next = 16; // low memory stays zero, so 0 is never an output pointer
  const constant = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    b.data(next, bytes);
    const packed = packPtrLen(next, bytes.length);
    next = (next + bytes.length + 7) & ~7;
    return [i64Const(packed)];
  };
  const sig = (name: string) => EXPORT_SIGNATURES[name]!;
  const fn = (name: string, body: Parameters<WasmBuilder["func"]>[3]) =>
    b.func(name, sig(name).params, sig(name).results, body);
  fn("malloc", [i32Const(buffer)]);
  b.func("free", ["i32", "i32"], [], []);
  fn("get_name", constant("host-floor"));
  fn("init", [i32Const(0)]);
  fn("cleanup", [i32Const(0)]);
  for (const hook of HOOK_NAMES) fn(hook, hook === "pre_hook" ? constant(output) : [op.unreachable]);
  return b.build({ names: true });
}

/**
 * What reaching a plugin costs per call, apart from the plugin: `calls`
 * calls of `hook` on `text` (after as many to warm up), the time the caller
 * sees against the time the engine measures around each call, for V8
 * in-process, V8 in its child process, and wazero when `wazero` is true.
 */
export async function measureTransport(
  plugin: PluginSource,
  hook: HookName,
  text: string,
  options: { calls: number; wazero: boolean },
): Promise<TransportRow[]> {
  const ways: [Engine, "inline" | "process", Omit<HostOptions, "onLog">][] = [
    ["v8", "inline", {}],
    ["v8", "process", { timeoutMs: 60_000 }],
    ...(options.wazero ? [["wazero", "process", { engine: "wazero", timeoutMs: 60_000 }] as const] : []),
  ] as [Engine, "inline" | "process", Omit<HostOptions, "onLog">][];
  const rows: TransportRow[] = [];
  for (const [engine, backend, host] of ways) {
    const h = await PluginHost.load(plugin, host);
    try {
      for (let i = 0; i < options.calls; i++) await h.call(hook, text);
      let engineUs = 0;
      const started = performance.now();
      for (let i = 0; i < options.calls; i++) engineUs += (await h.call(hook, text)).stats.durationUs;
      const wallUs = ((performance.now() - started) * 1000) / options.calls;
      engineUs /= options.calls;
      rows.push({ engine, backend, wallUs, engineUs, overheadUs: wallUs - engineUs });
    } finally {
      h.close();
    }
  }
  return rows;
}
