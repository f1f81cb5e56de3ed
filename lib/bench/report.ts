/**
 * The benchmark report: what was measured, the machine it ran on, the
 * targets it is judged against, and one readable rendering (Markdown tables,
 * fine in a terminal and in `bench/RESULTS.md`).
 *
 * @example
 * ```ts
 * import { checkTargets, formatBenchReport } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * const report = { size: { plugin: 56_000, baseline: 150_000 } };
 * assert.deepEqual(checkTargets(report).map((t) => t.met), [true]);
 * assert.match(formatBenchReport(report), /\| plugin \| 56,000 \|/);
 * ```
 *
 * @module
 */
import type { GatewayRow } from "./gateway_load.ts";
import type { BifrostLoadSection } from "./bifrost_load.ts";
import { type CostSummary, type HookCostRow, RIVALS, type TransportRow } from "./hook_cost.ts";
import type { Engine } from "../host/engine.ts";
import { TARGET_INPUTS } from "./inputs.ts";
import type { SoakResult } from "./memory.ts";
import { formatLargeSoak, type LargeSoakRow } from "./large_inputs.ts";
import { formatGatewayMemory, type GatewayMemoryRow } from "./gateway_memory.ts";

/** Where the numbers were measured. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  deno: string;
  v8: string;
}

/** Cold and warm build times. */
export interface BuildTimes {
  /** Fresh Deno process, empty Deno cache (no transpiled modules, no V8 code cache), no previous output. */
  coldMs: number;
  /** Same process kind, caches and output from the previous build in place. */
  warmMs: number[];
  wasmBytes: number;
}

/** A memory soak of one plugin. */
export interface MemorySection {
  hook: string;
  input: string;
  calls: number;
  /** The page cap the plugin ran under, when it had one. */
  maxMemoryPages?: number;
  results: SoakResult[];
}

/** The large-input soak: inputs up to Bifrost's request limit, per hook and free policy. */
export interface LargeSection {
  sizesMiB: number[];
  /** Calls per size. */
  calls: number;
  rows: LargeSoakRow[];
  /** The gateway's memory for one chat request of each size. */
  gateway?: GatewayMemoryRow[];
}

/** Everything a benchmark run measured; absent sections were not run. */
export interface BenchReport {
  date?: string;
  machine?: Machine;
  /** Plugin names, for headings. */
  plugin?: string;
  baseline?: string;
  rust?: string;
  /** Why the Rust plugin was not measured (its toolchain is missing, say). */
  rustUnavailable?: string;
  /** Every engine's rows, V8's first (each row says its engine). */
  hookCosts?: HookCostRow[];
  /** The host's own per-call cost under V8 (see `measureHostFloor`). */
  hostFloor?: CostSummary;
  /** The wazero engine's own per-call cost (a plugin that only answers a fixed output), timed inside the engine. */
  wazeroFloor?: CostSummary;
  /** The wazero engine's instance pool: calls per second from 1 and 2 goroutines, timed inside the engine. */
  throughput?: ThroughputRow[];
  /** What reaching each engine costs per call, apart from the plugin: in-process V8, and the pipe to a process. */
  transport?: TransportRow[];
  /** Why wazero was not measured. */
  wazeroUnavailable?: string;
  memory?: { plugin?: MemorySection; baseline?: MemorySection; rust?: MemorySection };
  /** Bytes: `rust` is the Rust plugin as measured (after wasm-opt), `rustRaw` its plain cargo build. */
  size?: { plugin: number; baseline?: number; rust?: number; rustRaw?: number };
  gateway?: { durationMs: number; rows: GatewayRow[] };
  /** A real Bifrost without and with the plugin (`deno task bifrost:build`). */
  bifrost?: BifrostLoadSection;
  large?: LargeSection;
  build?: BuildTimes;
}

/** The wazero engine's pool throughput with `goroutines` callers. */
export interface ThroughputRow {
  hook: string;
  goroutines: number;
  calls: number;
  seconds: number;
  callsPerSec: number;
}

/** One target of the issue, judged on a report. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

/** The machine this process runs on. */
export function machineInfo(): Machine {
  let cpuModel = "unknown";
  try {
    cpuModel = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpuModel;
  } catch { /* not Linux */ }
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel,
    memoryGiB: Math.round((Deno.systemMemoryInfo().total / 2 ** 30) * 10) / 10,
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** Judges the report against the issue's targets (those its sections allow). */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const row of report.hookCosts ?? []) {
    if ((row.engine ?? "v8") !== "v8" || row.hook !== "pre_hook" || !TARGET_INPUTS.includes(row.input)) continue;
    checks.push({
      target: `${row.label}: at most 2x the native floor`,
      measured: `${ratio(row.pluginVsNative)} (${us(row.plugin.medianUs)} vs ${us(row.native.medianUs)} µs)`,
      met: row.pluginVsNative <= 2,
    });
    if (row.pluginVsBaseline !== undefined && row.baseline) {
      checks.push({
        target: `${row.label}: faster than the baseline`,
        measured: `${ratio(row.pluginVsBaseline)} of the baseline (${us(row.plugin.medianUs)} vs ${
          us(row.baseline.medianUs)
        } µs)`,
        met: row.pluginVsBaseline < 1,
      });
    }
  }
  for (const row of report.hookCosts ?? []) {
    if (row.pluginVsRust === undefined || !row.rust) continue;
    checks.push({
      target: `${row.label}: at or below the Rust plugin${row.engine === "wazero" ? " under wazero" : ""}`,
      measured: `${ratio(row.pluginVsRust)} of Rust (${us(row.plugin.medianUs)} vs ${us(row.rust.medianUs)} µs)`,
      met: row.pluginVsRust <= 1,
    });
  }
  const soak = report.memory?.plugin;
  if (soak) {
    const grown = soak.results.filter((r) => !r.flat).map((r) => r.policy);
    checks.push({
      target: `Memory flat after warm-up under every free policy (${count(soak.calls)} calls each)`,
      measured: grown.length ? `grows under ${grown.join(", ")}` : `flat under ${soak.results.length} policies`,
      met: grown.length === 0 && soak.results.length > 0,
    });
  }
  const base = report.memory?.baseline;
  if (base) {
    const grows = base.results.every((r) => !r.flat);
    checks.push({
      target: "Baseline shown to grow without bound",
      measured: grows ? baselineGrowth(base.results) : "stayed flat",
      met: grows,
    });
  }
  for (const [key, target] of [["baseline", "the baseline"], ["rust", "the Rust plugin with wasm-opt"]] as const) {
    const theirs = report.size?.[key];
    if (theirs === undefined) continue;
    checks.push({
      target: `Size no larger than ${target}`,
      measured: `${count(report.size!.plugin)} vs ${count(theirs)} bytes (${ratio(report.size!.plugin / theirs)})`,
      met: report.size!.plugin <= theirs,
    });
  }
  return checks;
}

function baselineGrowth(results: SoakResult[]): string {
  return verdict(results[0]!);
}

/** Flat, or how it grew: pages after the warm-up and at the high-water mark, and where it ran out. */
function verdict(r: SoakResult): string {
  if (r.flat) return "flat";
  if (r.error) return `failed after ${count(r.calls)} calls: ${r.error}`;
  const grew = `grows: ${r.pagesAfterWarmup} to ${r.highWaterPages} pages`;
  if (r.outOfMemoryAt === undefined) return `${grew} in ${count(r.calls)} calls`;
  // A bump allocator grows by doubling: the cap over the calls is the honest rate.
  const perCall = (r.highWaterPages * 65536) / r.outOfMemoryAt;
  return `${grew}; out of memory at its ${r.highWaterPages}-page cap on call ${count(r.outOfMemoryAt)} ` +
    `(~${count(Math.round(perCall))} bytes per call)`;
}

/** The report as Markdown. */
export function formatBenchReport(report: BenchReport): string {
  const out: string[] = [];
  if (report.rustUnavailable) out.push(`The Rust plugin was not measured: ${report.rustUnavailable}.`);
  if (report.wazeroUnavailable) out.push(`wazero was not measured: ${report.wazeroUnavailable}.`);
  for (const engine of ["v8", "wazero"] as const) {
    const rows = (report.hookCosts ?? []).filter((r) => (r.engine ?? "v8") === engine);
    if (rows.length) out.push(hookCostSection(report, rows, engine));
  }
  if (report.throughput?.length || report.transport?.length) out.push(engineSection(report));
  const targets = checkTargets(report);
  if (targets.length) {
    out.push(
      "### Targets\n\n" + table(
        ["target", "measured", "met"],
        targets.map((t) => [t.target, t.measured, t.met ? "yes" : "**no**"]),
      ),
    );
  }
  if (report.memory && Object.values(report.memory).some((m) => m)) out.push(memorySection(report));
  if (report.size) {
    const sizes: [string, number | undefined][] = [
      ["plugin", report.size.plugin],
      ["baseline", report.size.baseline],
      ["rust (cargo build --release, then wasm-opt -O3)", report.size.rust],
      ["rust (cargo build --release)", report.size.rustRaw],
    ];
    const rows = sizes.filter(([, n]) => n !== undefined).map(([what, n]) => [what, count(n!)]);
    out.push("### Size (release .wasm)\n\n" + table(["", "bytes"], rows));
  }
  if (report.gateway) out.push(gatewaySection(report.gateway));
  if (report.bifrost) out.push(bifrostSection(report.bifrost));
  if (report.large) out.push(largeSection(report.large));
  if (report.build) out.push(buildSection(report.build));
  if (report.machine) out.push(machineSection(report.machine, report.date));
  return out.join("\n\n") + "\n";
}

function hookCostSection(report: BenchReport, rows: HookCostRow[], engine: Engine): string {
  const rivals = RIVALS.filter((k) => rows.some((r) => r[k]));
  const wazero = engine === "wazero";
  const spread = (c: CostSummary) => `${us(c.medianUs)} (${us(c.minUs)}–${us(c.p99Us)})`;
  const maybe = (x: number | undefined) => x === undefined ? "–" : ratio(x);
  const header = [
    "input",
    "bytes",
    ...(wazero ? ["Go sonic", "Go encoding/json"] : ["native JS"]),
    ...rivals,
    "plugin",
    "plugin/native",
    ...rivals.map((k) => `${k}/native`),
    ...rivals.map((k) => `plugin/${k}`),
  ];
  const body = rows.map((r) => [
    r.label,
    count(r.inputBytes),
    spread(r.native),
    ...(wazero ? [r.nativeEncodingJson ? spread(r.nativeEncodingJson) : "–"] : []),
    ...rivals.map((k) => r[k] ? spread(r[k]!) : "–"),
    spread(r.plugin),
    ratio(r.pluginVsNative),
    ...rivals.map((k) => maybe(k === "baseline" ? r.baselineVsNative : r.rustVsNative)),
    ...rivals.map((k) => maybe(k === "baseline" ? r.pluginVsBaseline : r.pluginVsRust)),
  ]);
  const first = rows[0]!;
  const lines = [
    wazero ? "### Hook cost under wazero" : "### Hook cost under V8",
    "",
    `µs per call, median (min–p99) over ${first.plugin.rounds} rounds, every contender interleaved in one run; ` +
    (wazero
      ? "plugins in the wazero engine (Bifrost's runtime, Go), timed inside the engine around malloc, input copy, " +
        "hook, frees and output copy, as V8's are timed inside Deno (the pipe to the engine is not counted: see " +
        "Engines); the native floor as hello-world's parse, change and serialise in Go, with sonic (Bifrost's JSON " +
        "library; the ratios' floor) and with encoding/json, timed in the engine."
      : "plugins through the conformance host (malloc, input copy, hook, frees, output read), the native floor as " +
        "`JSON.parse` + the hook's change + `JSON.stringify` in plain JS.") +
    (rivals.length ? ` Rivals: ${rivals.map((k) => `${k} (${report[k] ?? k})`).join(", ")}.` : ""),
    "",
    table(header, body),
  ];
  if (wazero && report.wazeroFloor) {
    lines.push(
      "",
      `Engine floor: ${us(report.wazeroFloor.medianUs)} µs per call (a hand-built plugin that only returns a fixed ` +
        "output, on the Rust example's request): the wazero engine's own share of every plugin figure above.",
    );
  }
  if (!wazero && report.hostFloor) {
    lines.push(
      "",
      `Host floor: ${us(report.hostFloor.medianUs)} µs per call (a hand-built plugin that only returns a fixed ` +
        "output, on the Rust example's request): the conformance host's own share of every plugin figure above.",
    );
  }
  const diffs = rows.flatMap((r) => [
    ...(r.pluginDiff ? [`plugin on "${r.label}": ${r.pluginDiff}`] : []),
    ...rivals.flatMap((k) => {
      const d = k === "baseline" ? r.baselineDiff : r.rustDiff;
      return d ? [`${k} on "${r.label}": ${d}`] : [];
    }),
  ]);
  lines.push(
    "",
    diffs.length
      ? "Outputs that differ from hello-world's answer (JSON-equal comparison, each plugin's own name and " +
        "suffixes; the first difference):\n\n" + diffs.map((d) => `- ${d}`).join("\n")
      : "Every output is JSON-equal to hello-world's answer.",
  );
  for (const k of rivals) {
    const restarts = rows.reduce((n, r) => n + ((k === "baseline" ? r.baselineRestarts : r.rustRestarts) ?? 0), 0);
    if (restarts) lines.push("", `The ${k} ran out of memory ${restarts} times while measured (re-instantiated).`);
  }
  return lines.join("\n");
}

function engineSection(report: BenchReport): string {
  const lines = ["### Engines"];
  if (report.throughput?.length) {
    const t = report.throughput[0]!;
    lines.push(
      "",
      `The wazero engine's instance pool (one instance per goroutine at a time) calling ${t.hook} on the Rust ` +
        "example's request with hello-world, timed inside the engine:",
      "",
      table(
        ["goroutines", "calls", "seconds", "calls/s"],
        report.throughput.map((
          r,
        ) => [String(r.goroutines), count(r.calls), r.seconds.toFixed(2), count(Math.round(r.callsPerSec))]),
      ),
    );
  }
  if (report.transport?.length) {
    lines.push(
      "",
      "What reaching the plugin costs per call (hello-world's pre_hook on the Rust example's request): the time the " +
        "caller sees, the time the engine measures around the call, and the difference, which is the transport's " +
        "(a child process is what lets a deadline stop a hook; `--hook-timeout 0` keeps V8 in-process):",
      "",
      table(
        ["engine", "backend", "µs per call (caller)", "µs in the engine", "transport µs"],
        report.transport.map((r) => [r.engine, r.backend, us(r.wallUs), us(r.engineUs), us(r.overheadUs)]),
      ),
    );
  }
  return lines.join("\n");
}

function memorySection(report: BenchReport): string {
  const sections = [report.memory?.plugin, report.memory?.baseline, report.memory?.rust];
  const names = [report.plugin ?? "plugin", report.baseline ?? "baseline", report.rust ?? "rust"];
  const rows: string[][] = [];
  let note = "";
  sections.forEach((s, i) => {
    if (!s) return;
    if (s.maxMemoryPages !== undefined) note = ` The rivals run under a ${s.maxMemoryPages}-page cap.`;
    for (const r of s.results) {
      rows.push([
        names[i]!,
        r.policy,
        count(r.calls),
        String(r.pagesAtStart),
        String(r.pagesAfterWarmup),
        String(r.highWaterPages),
        r.samples.map((x) => `${short(x.calls)}: ${x.pages}`).join(", ") || "–",
        verdict(r),
      ]);
    }
  });
  const s = sections.find((x) => x)!;
  return [
    "### Memory",
    "",
    `Linear memory in 64 KiB pages, ${s.hook} on the ${s.input}, each free policy on a fresh instance; ` +
    `warm-up is the first 10% of the calls.${note}`,
    "",
    table(
      ["plugin", "policy", "calls", "start", "after warm-up", "high-water", "pages after N calls", "verdict"],
      rows,
    ),
  ].join("\n");
}

function gatewaySection(g: { durationMs: number; rows: GatewayRow[] }): string {
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  return [
    "### Gateway",
    "",
    `Each route on loopback, ${g.durationMs / 1000} s per run: the local gateway with the ` +
    "plugin (its HTTP and LLM hooks: 4 calls per request) against the mock upstream called directly.",
    "",
    table(
      [
        "route",
        "concurrency",
        "direct req/s",
        "gateway req/s",
        "direct p50 / p99 ms",
        "gateway p50 / p99 ms",
        "added p50 / p99 ms",
      ],
      g.rows.map((r) => [
        `\`${r.route}\``,
        String(r.concurrency),
        count(Math.round(r.direct.rps)),
        count(Math.round(r.gateway.rps)),
        `${ms(r.direct.p50Ms)} / ${ms(r.direct.p99Ms)}`,
        `${ms(r.gateway.p50Ms)} / ${ms(r.gateway.p99Ms)}`,
        `${ms(r.addedP50Ms)} / ${ms(r.addedP99Ms)}`,
      ]),
    ),
    ...(g.rows.some((r) => r.direct.errors || r.gateway.errors)
      ? [
        "",
        `Errors (direct/gateway): ${
          g.rows.map((r) => `${r.route} c${r.concurrency} ${r.direct.errors}/${r.gateway.errors}`).join(", ")
        }`,
      ]
      : []),
  ].join("\n");
}

function bifrostSection(b: BifrostLoadSection): string {
  if ("skipped" in b) return `### A real Bifrost\n\nNot measured: ${b.skipped}`;
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const us = (x: number) => `${Math.round(x * 1000)} µs`;
  return [
    "### A real Bifrost",
    "",
    `The open-source Bifrost ${b.version} built by \`deno task bifrost:build\`, \`POST /v1/chat/completions\` on ` +
    `loopback, ${b.durationMs / 1000} s per run: without a plugin against the same server with the plugin loaded ` +
    "through bifrost-as's WASM loader (its HTTP and LLM hooks: 4 calls per request), both in front of one mock " +
    "upstream, also called directly. The last column is a third server whose loader runs the plugin with no hook " +
    "time limit (`hook_timeout_ms: -1`), where the engine arms no stop flag.",
    "",
    table(
      [
        "concurrency",
        "direct req/s",
        "Bifrost req/s",
        "Bifrost + plugin req/s",
        "Bifrost p50 / p99 ms",
        "Bifrost + plugin p50 / p99 ms",
        "added p50 / p99",
        "added, no hook time limit",
      ],
      b.rows.map((r) => [
        String(r.concurrency),
        count(Math.round(r.direct.rps)),
        count(Math.round(r.bare.rps)),
        count(Math.round(r.plugin.rps)),
        `${ms(r.bare.p50Ms)} / ${ms(r.bare.p99Ms)}`,
        `${ms(r.plugin.p50Ms)} / ${ms(r.plugin.p99Ms)}`,
        `${us(r.addedP50Ms)} / ${us(r.addedP99Ms)}`,
        `${us(r.unlimitedAddedP50Ms)} / ${us(r.unlimitedAddedP99Ms)}`,
      ]),
    ),
    ...(b.rows.some((r) => r.direct.errors || r.bare.errors || r.plugin.errors)
      ? [
        "",
        `Errors (direct/Bifrost/with plugin): ${
          b.rows.map((r) => `c${r.concurrency} ${r.direct.errors}/${r.bare.errors}/${r.plugin.errors}`).join(", ")
        }`,
      ]
      : []),
  ].join("\n");
}

/** "1, 10 and 100 MiB". */
function sizeList(sizes: readonly number[]): string {
  const all = sizes.map(String);
  return `${all.length > 1 ? `${all.slice(0, -1).join(", ")} and ` : ""}${all.at(-1)} MiB`;
}

function largeSection(l: LargeSection): string {
  const sizes = [...l.sizesMiB].sort((a, b) => a - b);
  const [largest, next] = [sizes.at(-1), sizes.at(-2) ?? sizes.at(-1)];
  const rows = l.rows;
  const where = (r: LargeSoakRow) => `${r.hook} under "${r.policy}"`;
  const notLinear = rows.filter((r) => !r.error && !r.linear);
  const grows = rows.filter((r) => !r.error && !r.sizes.every((s) => s.flat));
  const failed = rows.filter((r) => r.error);
  const bullets: string[] = [];
  bullets.push(
    notLinear.length
      ? `Not linear: the plugin's own MB/s at ${largest} MiB is under half of it at ${next} MiB for ` +
        `${notLinear.map(where).join(", ")}.`
      : `Linear: the plugin's own MB/s holds from ${sizes[0]} to ${largest} MiB.`,
  );
  // Through the host, a post_hook pays for reading its output into a JS string, more per byte as strings grow.
  const falls = rows.some((r) =>
    r.hook === "post_hook" && r.sizes.length > 1 && r.sizes.at(-1)!.mbPerSecond < r.sizes[0]!.mbPerSecond * 0.75
  );
  if (falls) {
    bullets[0] += " A post_hook's figures through the host fall with size because reading its output into a JS " +
      "string (V8's UTF-8 decoder, on text that is not ASCII) costs more than the hook, and more per byte for large " +
      "strings: that is the conformance host's cost, not the plugin's.";
  }
  const multiples = rows.flatMap((r) => r.sizes.at(-1) ? [r.sizes.at(-1)!.memoryMultiple] : []);
  bullets.push(
    grows.length
      ? `Memory grows from call to call at one size for ${grows.map(where).join(", ")}.`
      : `Memory: flat from call to call at every size under every free policy, at ${
        Math.max(...multiples).toFixed(1)
      } times the largest input (the SDK reserves room for an input and an output of its size at once; without ` +
        "that, the allocator doubled memory on the second call of a size, to 8 times the input).",
  );
  if (failed.length) bullets.push(`Failed: ${failed.map((r) => `${where(r)}: ${r.error}`).join("; ")}.`);
  bullets.push(
    "A 100 MiB chat request (an image inline) passes through `bifrost-as dev` with hello-world " +
      "(`cli/commands/dev_large_body_test.ts`) in a few seconds with its default deadline, which runs the plugin in a " +
      "child process (each hook input crosses the pipe as raw bytes, read straight into the plugin's memory), and " +
      "100 MiB + 1 byte gets 413.",
  );
  const gateway = l.gateway?.length
    ? [
      "",
      "Through the gateway: one chat request of each size (an image inline) through hello-world, each in a fresh " +
      "gateway process holding the gateway and its mock upstream as `bifrost-as dev` does, on each engine: " +
      "`v8-process` is dev's default (V8 in a child process, under the hook deadline), `v8-inline` dev with " +
      "`--hook-timeout 0`, `wazero` dev with `--engine wazero`. RSS is the processes' (the gateway's and the " +
      "plugin's) summed: before, at its peak (sampled every 5 ms) and once settled after the answer; the bound " +
      "sums each process's own peak, which need not coincide.",
      "",
      formatGatewayMemory(l.gateway),
      "",
      `- ${largestGatewayNote(l.gateway)} What remains at the peak: the body (kept for the HTTP post hooks), the ` +
      "plugin's memory (which holds its largest input: the body base64-encoded for the HTTP hooks), the request " +
      "being sent upstream and the mock upstream's copy of it as it arrives. No hook input, upstream body or base64 " +
      "body is ever one string: each is written a slice at a time into the plugin's memory, the engine's pipe or " +
      "the upstream request. A plugin grown past 256 MiB starts afresh after the request and a collection returns " +
      "the rest.",
    ]
    : [];
  return [
    "### Large inputs",
    "",
    `Inputs of ${sizeList(sizes)} (a pre_hook request with one long message, a post_hook response with long ` +
    "content, an HTTP pre hook whose body is such a request base64-encoded), " +
    `${l.calls} calls per size, each hook and free policy on a fresh instance, sizes in ascending order ` +
    "(`deno task soak --large` runs this section alone). MB/s of input from the fastest call, in the hook export " +
    "alone (the plugin's work) and through the host (malloc, input copy, hook, frees, output read); memory in pages " +
    "after the last call, against the largest input; linear: the hook's MB/s at " +
    `${largest} MiB is at least half of it at ${next} MiB.`,
    "",
    formatLargeSoak(rows),
    "",
    ...bullets.map((b) => `- ${b}`),
    ...gateway,
  ].join("\n");
}

/** What `bench/RESULTS.md` says before the measurements: how they were taken and what the names mean. */
const RESULTS_INTRO = "From a full `deno task bench` on a quiet machine, which writes this file (change " +
  "`lib/bench/report.ts`, not the file). The Rust example's request and answer are the pre_hook and post_hook " +
  "inputs in the README of Bifrost's Rust example plugin; the baseline is a plugin built the way Bifrost's docs build one " +
  "(`testdata/plugins/baseline/`), rust the Rust serde plugin (`testdata/rust-plugin/`).";

/** The whole of `bench/RESULTS.md` for a full run: a heading, how to read it, then {@link formatBenchReport}. */
export function formatResultsFile(report: BenchReport): string {
  return `## Benchmark results\n\n${RESULTS_INTRO}\n\n${formatBenchReport(report)}`;
}

function buildSection(b: BuildTimes): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const sorted = [...b.warmMs].sort((x, y) => x - y);
  return [
    "### Build (`deno task build`)",
    "",
    table(["", "wall time"], [
      ["cold (fresh Deno cache, no output)", s(b.coldMs)],
      [`warm (median of ${sorted.length})`, s(sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN)],
    ]),
  ].join("\n");
}

function machineSection(m: Machine, date: string | undefined): string {
  return `Measured${date ? ` on ${date}` : ""}: ${m.cpus} CPUs (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB memory, ` +
    `${m.os}, Deno ${m.deno} (V8 ${m.v8}).`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** µs with about three significant digits. */
function us(x: number): string {
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

function ratio(x: number): string {
  return `${x < 10 ? x.toFixed(2) : x.toFixed(1)}x`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function short(n: number): string {
  return n >= 1e6 && n % 1e6 === 0 ? `${n / 1e6}M` : n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : count(n);
}

/** The goal for the largest request (at most 6 times its body at the peak), engine by engine. */
function largestGatewayNote(rows: readonly GatewayMemoryRow[]): string {
  const largest = Math.max(...rows.map((r) => r.sizeMiB));
  const at = rows.filter((r) => r.sizeMiB === largest && !r.error);
  if (at.length === 0) return `No ${largest} MiB request was measured.`;
  const each = at.map((r) => `${(r.peakRssBytes / r.bodyBytes).toFixed(1)}x on ${r.engine}`).join(", ");
  const met = at.every((r) => r.peakRssBytes <= 6 * r.bodyBytes);
  return `At ${largest} MiB the peak is ${each}: ${met ? "within" : "above"} the goal of 6 times the body.`;
}
